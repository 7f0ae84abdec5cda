"""Trust propagation over the stored graph (graph_api/research/propagation.py, `trustgraph
propagate`) on a seeded platform in the real Neo4j, with planted brushing rings."""

from __future__ import annotations

import json
import statistics

import pytest

from graph_api.errors import NoAnchor
from graph_api.research import pretrusted_targets, propagate_stored
from graph_api.seed import SeedConfig
from scoring.propagation import Edge, local_trust, propagate
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded(_session_store):
    store = _session_store
    clock, truth = seed_platform(store, SeedConfig(seed=11, buyers=1000, days=150))
    ring_buyers = truth.ring_buyers  # filled in as the events are generated
    assert ring_buyers
    return store, clock, ring_buyers


def test_global_trust_is_propagation_over_every_stored_relation(seeded):
    store, clock, _ = seeded
    rows = store.driver.execute_query(
        "MATCH (b:Buyer)-[t:TRUST]->(x) RETURN b.id AS b, labels(x)[0] AS l, x.id AS x, "
        "t.belief AS be, t.disbelief AS di, b.weight AS w",
        database_=store.database,
    )[0]
    edges = [
        Edge(r["b"], f"{r['l'].upper()}:{r['x']}", local_trust(r["be"], r["di"], r["w"]))
        for r in rows
    ]
    anchors = pretrusted_targets(store, clock)
    assert (
        anchors
        and any(a.startswith("SHOP:") for a in anchors)
        and any(a.startswith("HOST:") for a in anchors)
    )
    g = propagate_stored(store, clock)
    expected = propagate(edges, anchors)
    assert g.edges == len(edges) and g.result.converged
    assert g.result.targets == pytest.approx(expected.targets, abs=1e-12)
    assert sum(g.result.targets.values()) == pytest.approx(1.0)
    assert [k for k, _, _ in g.ranking("SHOP", 10)] == ["SHOP"] * 10


def test_ring_buyers_carry_almost_no_credibility(seeded):
    store, clock, ring_buyers = seeded
    g = propagate_stored(store, clock)
    credibility = g.result.buyers
    median = statistics.median(credibility.values())
    ring = [credibility.get(b, 0.0) for b in ring_buyers]
    assert max(ring) < median, (max(ring), median)


def test_personalized_trust_starts_from_the_buyer(seeded):
    store, clock, _ = seeded
    buyer = store.driver.execute_query(
        "MATCH (b:Buyer)-[t:TRUST]->() WHERE t.level = 'REGULAR' "
        "RETURN b.id AS b ORDER BY b LIMIT 1",
        database_=store.database,
    )[0][0]["b"]
    g = propagate_stored(store, clock, from_buyer=buyer)
    assert g.pretrusted == (buyer,) and g.known
    top = g.ranking(n=len(g.known))
    assert (
        top[0][0] + ":" + top[0][1] in g.known
    )  # the walk restarts at the buyer: its own targets lead
    fresh = g.ranking(n=10, exclude_known=True)
    assert fresh and not any(f"{k}:{i}" in g.known for k, i, _ in fresh)
    assert g.ranking(n=10) != propagate_stored(store, clock).ranking(n=10)
    with pytest.raises(NoAnchor, match="no stored trust relation"):
        propagate_stored(store, clock, from_buyer="no-such-buyer")
    with pytest.raises(NoAnchor, match="pre-trusted"):
        propagate_stored(store, clock, pretrusted=["SHOP:no-such-shop"])


def test_cli_prints_the_same_ranking_and_refuses_bad_flags(seeded, cli):
    store, clock, _ = seeded
    run = lambda *a: cli("propagate", *a, timeout=300)  # noqa: E731
    out = run("--kind", "host", "--top", "7", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    expected = propagate_stored(store, clock).ranking("HOST", 7)
    assert [(r["kind"], r["id"]) for r in got["ranking"]] == [(k, i) for k, i, _ in expected]
    assert [r["trust"] for r in got["ranking"]] == pytest.approx([v for _, _, v in expected])
    for flags, message in (
        (("--pretrusted", "s00001"), "must be HOST:<id> or SHOP:<id>"),
        (("--alpha", "1.5"), "--alpha must be between 0 and 1"),
        (("--from-buyer", "nobody"), "no stored trust relation"),
    ):
        bad = run(*flags)
        assert bad.returncode == 1 and message in bad.stderr and "Traceback" not in bad.stderr, (
            bad.stderr
        )
