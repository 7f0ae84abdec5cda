"""What derivation wrote, read back so that two rebuilds can be compared property for property
(``trustgraph rescore`` against the Spark rebuild: bench/spark_rescore.py and the Spark tests,
which import it from here), and a way back to the facts alone in between."""

from __future__ import annotations

import json
from typing import Any

from graph_api.store import Store


def derived_state(store: Store) -> dict[str, Any]:
    """Everything a rebuild writes, keyed stably: every TRUST relationship's properties, every
    Buyer's (weights, credibility, counts, ring marks) and every Standing node's (its write
    number aside: ``rev`` numbers the write for the badge-card caches, when, not what)."""
    run = lambda q: store.driver.execute_query(q, database_=store.database)[0]  # noqa: E731
    state: dict[str, Any] = {}
    for r in run(
        "MATCH (b:Buyer)-[t:TRUST]->(x) RETURN b.id AS b, labels(x)[0] AS l, x.id AS x, "
        "properties(t) AS p"
    ):
        state[f"TRUST {r['b']} {r['l']} {r['x']}"] = r["p"]
    for r in run("MATCH (b:Buyer) RETURN b.id AS b, properties(b) AS p"):
        state[f"BUYER {r['b']}"] = r["p"]
    for r in run("MATCH (st:Standing) RETURN st.id AS id, properties(st) AS p"):
        state[f"STANDING {r['id']}"] = {k: v for k, v in r["p"].items() if k != "rev"}
    return state


def forget_derived(store: Store) -> None:
    """Back to the facts alone (ring marks kept: research state, not derived), so that a second
    engine writes into the graph the first found, and a row it failed to write shows as a
    difference rather than as the first's left over. In batches: a platform-sized graph."""
    with store.driver.session(database=store.database) as session:
        for q in (
            "MATCH ()-[t:TRUST]->() CALL (t) { DELETE t } IN TRANSACTIONS OF 50000 ROWS",
            "MATCH (st:Standing) CALL (st) { DETACH DELETE st } IN TRANSACTIONS OF 20000 ROWS",
            "MATCH (b:Buyer) CALL (b) { REMOVE b.weight, b.weightSignals, b.weightReasons, "
            "b.credibility, b.targetCredibility, b.shopCount, b.hostCount, b.derivedAt } "
            "IN TRANSACTIONS OF 50000 ROWS",
        ):
            session.run(q).consume()


def differences(a: dict[str, Any], b: dict[str, Any], limit: int = 5) -> list[str]:
    """What differs between two :func:`derived_state` readings (``a``: rescore's, ``b``:
    Spark's), at most ``limit`` keys of each kind: readable in a failed assertion."""
    out = [f"only in rescore: {k}" for k in sorted(a.keys() - b.keys())[:limit]]
    out += [f"only in spark: {k}" for k in sorted(b.keys() - a.keys())[:limit]]
    for k in sorted(a.keys() & b.keys()):
        if a[k] != b[k] and len(out) < 3 * limit:
            diff = {p: (a[k].get(p), b[k].get(p)) for p in a[k].keys() | b[k].keys()}
            diff = {p: v for p, v in diff.items() if v[0] != v[1]}
            out.append(f"{k}: {json.dumps(diff, default=str)[:400]}")
    return out
