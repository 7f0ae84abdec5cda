"""Policy what-if on the real Neo4j: a stricter candidate policy moves levels and badges in the
expected direction, the policy in force against itself changes nothing, and nothing is written."""

from __future__ import annotations

import json

import pytest

from graph_api import seed as seedmod
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester
from graph_api.research.simulate import simulate
from scoring.policy import default_policy, default_policy_text, parse_policy

pytestmark = pytest.mark.integration


def stricter() -> str:
    text = default_policy_text().replace('version = "v1"', 'version = "v1-strict"')
    text = text.replace(
        "min_satisfied_orders = 4\nmin_distinct_months = 3",
        "min_satisfied_orders = 6\nmin_distinct_months = 4",
    )
    return text.replace("min_delivered_orders = 30", "min_delivered_orders = 300")


def test_simulate_reports_changes_and_writes_nothing(store, derived_state, cli, tmp_path):
    events, _ = seedmod.generate(seedmod.SeedConfig(seed=3, buyers=800, days=150))
    assert not Ingester(store, 5000).ingest(list(events)).rejected
    policy = default_policy()
    as_of = store.latest_event_at()
    rescore_all(store, policy, as_of)
    before = derived_state(store)

    same = simulate(store, policy, policy, as_of)
    assert (
        same.pairs > 1000
        and not same.level_shifts
        and not same.badges_gained
        and not same.badges_lost
    )
    assert not same.tier_changes and not same.boost_changes

    sim = simulate(store, policy, parse_policy(stricter(), "strict.toml"), as_of, examples=2)
    assert sim.level_shifts and all(
        (a, b) == ("REGULAR", "ACQUAINTANCE") for _, a, b in sim.level_shifts
    )
    assert sim.badges_lost.get("SHOP:TRUST_PURCHASE", 0) > 0 and not sim.badges_gained
    # fewer badges and fewer regulars can only lower traffic multipliers
    assert sim.boost_changes and {d for _, d in sim.boost_changes} == {"LOWERED"}
    assert all(sim.boost_deltas[k] < 0 for k in sim.boost_changes)
    assert all(len(v) <= 2 for v in sim.examples.values())
    assert derived_state(store) == before  # nothing written

    path = tmp_path / "strict.toml"
    path.write_text(stricter())
    run = lambda *a: cli("simulate", *a, timeout=300)  # noqa: E731
    out = run("--policy", str(path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["badgesLost"] == dict(sorted(sim.badges_lost.items()))
    bad = tmp_path / "bad.toml"
    bad.write_text(stricter().replace("half_life_days = 180", "half_life_days = -5"))
    err = run("--policy", str(bad))
    assert err.returncode == 1 and "half_life_days" in err.stderr
