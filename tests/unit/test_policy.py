"""The shipped policy file parses, and a bad one is rejected with the key path."""

import pytest

from scoring.policy import default_policy, default_policy_text, parse_policy


def test_shipped_policy_parses_with_one_version():
    policy = default_policy()
    assert policy.version == policy.trust.version == policy.entity.version == "v2"
    assert {b.name for b in policy.entity.badges} >= {
        "TRUST_PURCHASE",
        "QUALITY_MERCHANT",
        "OFFICIAL_AUTHENTICITY",
    }


def test_bad_policies_name_the_key():
    text = default_policy_text()
    with pytest.raises(ValueError, match="mine.toml: unknown top-level keys"):
        parse_policy(text + "\n[extra]\nx = 1\n", "mine.toml")
    with pytest.raises(ValueError, match="half_life_days"):
        parse_policy(text.replace("half_life_days = 180", "half_life_days = -1"), "mine.toml")
    with pytest.raises(ValueError, match="not valid TOML"):
        parse_policy("version = ", "mine.toml")
