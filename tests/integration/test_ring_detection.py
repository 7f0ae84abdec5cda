"""Ring detection on a seeded platform (the real Neo4j, the CLI as a user runs it): the planted
rings are found, and applying them caps their members' weight at the next rescore."""

from __future__ import annotations

import json
import re

import pytest

from graph_api import seed as seedmod
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester
from scoring.policy import default_policy

pytestmark = pytest.mark.integration


def test_rings_found_scored_and_applied(store, cli, tmp_path):
    events, report = seedmod.generate(
        seedmod.SeedConfig(seed=11, buyers=900, days=90, brushing_rings=3)
    )
    assert not Ingester(store, 5000).ingest(list(events)).rejected
    policy = default_policy()
    rescore_all(store, policy, store.latest_event_at())
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(report.to_dict()))

    proc = cli("rings", "--truth", str(truth), "--apply", "--json", timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert (got["precision"], got["recall"]) == (1.0, 1.0) and len(got["rings"]) == 3
    assert got["applied"] == got["buyersFlagged"] == len(report.ring_buyers)
    assert {(r["shopId"], r["hostId"]) for r in got["rings"]} == {
        (r["shopId"], r["hostId"]) for r in report.rings
    }

    # The effect is visible: how many will be capped, then what the rescore changed.
    cap = policy.rings.member_weight
    assert got["capped"]["marked"] == got["applied"] and got["capped"]["cap"] == cap
    above = got["capped"]["aboveCap"]
    assert 0 <= above <= got["applied"]
    text = cli("rings", "--apply", timeout=300)
    assert text.returncode == 0, text.stderr
    assert f"marked {got['applied']:,} buyers as ring members: " in text.stdout
    # The planted ring accounts are young throwaways: their own signals already weigh them at
    # the floor, which the output says instead of leaving the user to wonder.
    assert ("none of them weighs more than the ring cap" in text.stdout) == (above == 0)
    rescored = cli("rescore", timeout=300)
    assert rescored.returncode == 0, rescored.stderr
    assert re.search(r"^  changed  ", rescored.stdout, re.M), rescored.stdout
    again = json.loads(cli("rescore", "--json", timeout=300).stdout)["changes"]
    assert again["badgesGranted"] == again["badgesLost"] == again["tiersChanged"] == 0
    assert again["reweighted"]["before"] == again["reweighted"]["after"]
    assert "changed  nothing" in cli("rescore", timeout=300).stdout
    records, _, _ = store.driver.execute_query(
        "UNWIND $ids AS id MATCH (b:Buyer {id: id}) "
        "RETURN b.weight AS w, b.weightSignals AS s, b.ringId AS ring, "
        "b.ringTargets AS targets, b.targetCredibility AS own",
        {"ids": sorted(report.ring_buyers)},
        database_=store.database,
    )
    assert all(r["w"] == policy.rings.member_weight and r["ring"] for r in records)
    assert all("RING" in r["s"] or r["w"] == policy.buyers.min_weight for r in records)
    # Each member keeps its ring's shop and host, where its claims count at its own credibility
    # (policy v3): stored above the cap it weighs elsewhere (when the cap lowered it).
    found = {(r["shopId"], r["hostId"]) for r in got["rings"]}
    assert all(
        len(r["targets"]) == 2
        and (r["targets"][1][len("SHOP:") :], r["targets"][0][len("HOST:") :]) in found
        for r in records
    )
    assert all(("RING" in r["s"]) == (r["own"] is not None) for r in records)
