"""The shipped policy file parses, and a bad one is rejected with the key path."""

import dataclasses
import pickle
from importlib import resources

import pytest

from scoring.policy import default_policy, default_policy_text, parse_policy


def test_shipped_policy_parses_with_one_version():
    policy = default_policy()
    assert policy.version == policy.trust.version == policy.entity.version == "v5"
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


def test_every_shipped_version_parses_and_only_v3_on_looks_at_every_buyer():
    found = {}
    for name in ("v1.toml", "v2.toml", "v3.toml", "v4.toml", "v5.toml"):
        text = resources.files("scoring").joinpath("policies", name).read_text(encoding="utf-8")
        found[name] = parse_policy(text, name)
    assert [p.version for p in found.values()] == ["v1", "v2", "v3", "v4", "v5"]
    assert found["v1.toml"].lockstep is None
    v2, v3 = found["v2.toml"].lockstep, found["v3.toml"].lockstep
    assert v2 is not None and v3 is not None
    assert (v2.pages, v2.max_member_weight, v2.min_excess_ratio) == ("targets", 0.5, 1.0)
    assert (v3.pages, v3.max_member_weight, v3.min_excess_ratio) == ("signature", None, 5.0)
    assert v3.family_p_value is None and found["v3.toml"].crowds is None
    v4 = found["v4.toml"].lockstep
    assert v4 is not None and (v4.pages, v4.max_member_weight) == ("signature", None)
    assert (v4.min_excess_ratio, v4.max_p_value, v4.family_p_value) == (3.0, 1e-3, 1e-5)
    assert found["v4.toml"].crowds is not None
    assert (v4.continuation_p_value, v4.registration_days) == (None, None)
    v5 = found["v5.toml"].lockstep
    assert v5 is not None and (v5.continuation_p_value, v5.registration_days) == (1e-3, 21.0)
    assert v5.registration_outlier_share == 0.25
    # v5 changes the lockstep table only
    assert dataclasses.replace(v5, continuation_p_value=None, registration_days=None) == v4
    assert found["v5.toml"].entity.metrics == found["v4.toml"].entity.metrics
    assert found["v5.toml"].crowds == found["v4.toml"].crowds
    bad = default_policy_text().replace('pages = "signature"', 'pages = "everything"')
    with pytest.raises(ValueError, match="lockstep.pages"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace("min_excess_ratio = 3", "min_excess_ratio = 0.5")
    with pytest.raises(ValueError, match="lockstep.min_excess_ratio"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace("claim_min_size = 4", "claim_min_size = 1")
    with pytest.raises(ValueError, match="crowds.claim_min_size"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace("family_p_value = 1e-5", "family_p_value = 2")
    with pytest.raises(ValueError, match="lockstep.family_p_value"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace("registration_days = 21", "registration_days = 0")
    with pytest.raises(ValueError, match="lockstep.registration_days"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace(
        "registration_outlier_share = 0.25", "registration_outlier_share = 0.5"
    )
    with pytest.raises(ValueError, match="lockstep.registration_outlier_share"):
        parse_policy(bad, "mine.toml")
    bad = default_policy_text().replace("continuation_p_value = 1e-3", "continuation_p_value = 1")
    with pytest.raises(ValueError, match="lockstep.continuation_p_value"):
        parse_policy(bad, "mine.toml")


def test_a_policy_survives_pickling() -> None:
    """The Spark rebuild ships the policy to its Python workers by pickle: the read-only
    mappings must come back equal (they refuse the item-by-item writes a dict unpickles with)."""
    policy = default_policy()
    again = pickle.loads(pickle.dumps(policy))
    assert again == policy
    assert dict(again.trust.platform.rights) == dict(policy.trust.platform.rights)
