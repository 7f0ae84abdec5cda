"""Seeded platforms for integration and end-to-end tests: one way to put a generated platform in
the tests' Neo4j and score it, and the comparison of the derived state two rebuilds leave (the
Spark rebuild's tests, from files and from a Kafka topic)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from graph_api.derive import rescore_all
from graph_api.events import parse_at
from graph_api.ingest import Ingester
from graph_api.seed import SeedConfig, SeedReport, generate
from graph_api.store import Store
from scoring.policy import default_policy


def seed_platform(store: Store, config: SeedConfig) -> tuple[int, SeedReport]:
    """Empty the graph, ingest the platform of ``config`` (no event may be rejected) and rescore
    it at its clock. Returns the clock and the generator's report (its ground truth)."""
    store.wipe()
    events, report = generate(config)
    assert not Ingester(store, 5000).ingest(list(events)).rejected
    clock = store.latest_event_at()
    assert clock is not None
    rescore_all(store, default_policy(), clock)
    return clock, report


def clock_first(config: SeedConfig) -> tuple[list[dict[str, Any]], int]:
    """The events of ``config``'s platform after one that moves the graph's clock to the
    platform's last moment (a late buyer's registration), and that moment: every evaluation made
    while they are ingested (each batch, each deriver round) is then at the time a rebuild at the
    end uses, so the incremental state and the rebuild's can be compared property for property."""
    events = list(generate(config)[0])
    last = max(parse_at(e["at"]) for e in events)
    clock = {
        "eventId": "clock",
        "type": "BUYER_REGISTERED",
        "buyerId": "b-late",
        "at": datetime.fromtimestamp(last / 1000, tz=UTC).isoformat(),
    }
    return [clock, *events], last


def graph_state(store: Store) -> dict[str, Any]:
    """All derived state, and every property of every Buyer (weights, credibility, counts, ring
    marks), keyed stably."""
    run = lambda q: store.driver.execute_query(q, database_=store.database)[0]  # noqa: E731
    state: dict[str, Any] = {}
    for r in run(
        "MATCH (b:Buyer)-[t:TRUST]->(x) RETURN b.id AS b, labels(x)[0] AS l, x.id AS x, "
        "properties(t) AS p"
    ):
        state[f"TRUST {r['b']} {r['l']} {r['x']}"] = r["p"]
    for r in run("MATCH (b:Buyer) RETURN b.id AS b, properties(b) AS p"):
        state[f"BUYER {r['b']}"] = r["p"]
    for r in run("MATCH (st:Standing)-[:STANDING_OF]->(x) RETURN st.id AS id, properties(st) AS p"):
        # `rev` numbers the write for the badge-card caches: when it was written, not what.
        state[f"STANDING {r['id']}"] = {k: v for k, v in r["p"].items() if k != "rev"}
    return state


def forget_derived(store: Store) -> None:
    """Back to the facts alone (ring marks kept: they are research state, not derived)."""
    for q in (
        "MATCH ()-[t:TRUST]->() DELETE t",
        "MATCH (st:Standing) DETACH DELETE st",
        "MATCH (b:Buyer) REMOVE b.weight, b.weightSignals, b.weightReasons, b.credibility, "
        "b.targetCredibility, b.shopCount, b.hostCount, b.derivedAt",
    ):
        store.driver.execute_query(q, database_=store.database)


def differences(a: dict[str, Any], b: dict[str, Any], limit: int = 5) -> list[str]:
    out = [f"only in rescore: {k}" for k in sorted(a.keys() - b.keys())[:limit]]
    out += [f"only in spark: {k}" for k in sorted(b.keys() - a.keys())[:limit]]
    for k in sorted(a.keys() & b.keys()):
        if a[k] != b[k] and len(out) < 3 * limit:
            diff = {p: (a[k].get(p), b[k].get(p)) for p in a[k].keys() | b[k].keys()}
            diff = {p: v for p, v in diff.items() if v[0] != v[1]}
            out.append(f"{k}: {json.dumps(diff, default=str)[:400]}")
    return out
