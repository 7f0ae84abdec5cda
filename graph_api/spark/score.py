"""The scoring side of the Spark rebuild: Arrow batches of feature rows in, result rows out.

Runs in Spark's Python workers (``mapInArrow``), partition by partition, with nothing but this
project's own code: a feature row (shaped like the Cypher feature queries' records, see
:mod:`graph_api.spark.facts`) is turned into the lists of those records and decoded by the same
:func:`graph_api.store.records.buyer_record` / :func:`~graph_api.store.records.entity_record`,
scored by the same passes (:func:`graph_api.derive.passes.score_buyers`,
:func:`~graph_api.derive.passes.evaluate_standings`), and each result leaves as the row of its
``derived/write_*`` query, as JSON (floats survive ``json`` exactly), beside the few columns the
next stage joins on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from graph_api.derive.passes import evaluate_standings, score_buyers
from graph_api.store.records import buyer_record, entity_record
from scoring.policy import Policy

WEIGHT = "WEIGHT"  # a buyer result row's `what`: the weight; else the pair's target kind

BUYER_RESULT_SCHEMA = (
    "what string, buyerId string, targetId string, level string, weight double, "
    "credibility double, targetCredibility double, shops bigint, hosts bigint, row string"
)
_BUYER_RESULT = pa.schema(
    [
        ("what", pa.string()),
        ("buyerId", pa.string()),
        ("targetId", pa.string()),
        ("level", pa.string()),
        ("weight", pa.float64()),
        ("credibility", pa.float64()),
        ("targetCredibility", pa.float64()),
        ("shops", pa.int64()),
        ("hosts", pa.int64()),
        ("row", pa.string()),
    ]
)
STANDING_RESULT_SCHEMA = (
    "kind string, entityId string, badges array<string>, tier string, row string"
)
_STANDING_RESULT = pa.schema(
    [
        ("kind", pa.string()),
        ("entityId", pa.string()),
        ("badges", pa.list_(pa.string())),
        ("tier", pa.string()),
        ("row", pa.string()),
    ]
)


def _dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def _outcomes(o: dict[str, Any]) -> list[Any]:
    return [
        [[r["at"], r["rating"], r["eventId"]] for r in o["reviews"] or ()],
        [[c["at"], c["reason"]] for c in o["complaints"] or ()],
        [[i["at"], i["kind"], i["passed"]] for i in o["inspections"] or ()],
    ]


def pair_facts_row(r: dict[str, Any]) -> dict[str, Any] | None:
    """A Spark buyer row as a ``features/pair_facts`` record, None for a buyer without facts
    (the query leaves those out)."""
    orders = r["orders"] or ()
    interactions = r["interactions"] or ()
    reports = r["reports"] or ()
    if not (orders or interactions or reports):
        return None
    return {
        "buyerId": r["buyerId"],
        "registeredAt": r["registeredAt"],
        "ringId": r["ringId"],
        "orders": [
            [
                o["orderId"],
                o["hostId"],
                o["shopId"],
                o["placedAt"],
                o["amount"],
                o["itemId"],
                o["category"],
                o["deliveredAt"],
                o["refundedAt"],
                o["refundReason"],
                o["returned"],
                *_outcomes(o),
            ]  # fmt: skip
            for o in orders
        ],
        # Sorted: the query's order is the graph's storage order, which scoring does not rely on.
        "interactions": sorted(
            ([i["hostId"], i["kind"], i["at"], i["value"]] for i in interactions),
            key=lambda i: (i[0], i[1], i[2], -1.0 if i[3] is None else i[3]),
        ),
        "reports": [[p["hostId"], p["confirmedAt"]] for p in reports],
        "shops": [[s["shopId"], s["rights"]] for s in r["shops"] or ()],
    }


def score_buyer_batches(
    batches: Iterator[pa.RecordBatch], policy: Policy, as_of: int
) -> Iterator[pa.RecordBatch]:
    """mapInArrow over buyer rows: one WEIGHT row per buyer and one row per scored pair."""
    for batch in batches:
        rows = batch.to_pylist()
        records = [buyer_record(f) for f in map(pair_facts_row, rows) if f is not None]
        writes, weights, trusts = score_buyers(records, [r["buyerId"] for r in rows], policy, as_of)
        out: list[dict[str, Any]] = []
        weight_rows = dict(writes)["derived/write_buyer_weights"]
        for w, row in zip(weights, weight_rows, strict=True):
            out.append(
                {
                    "what": WEIGHT,
                    "buyerId": w.buyer_id,
                    "targetId": None,
                    "level": None,
                    "weight": w.weight,
                    "credibility": w.credibility,
                    "targetCredibility": w.target_credibility,
                    "shops": w.shops,
                    "hosts": w.hosts,
                    "row": _dumps(row),
                }
            )
        trust_rows = {
            (row["buyerId"], kind, row["targetId"]): row
            for name, kind in (
                ("derived/write_host_trust", "HOST"),
                ("derived/write_shop_trust", "SHOP"),
            )
            for row in dict(writes)[name]
        }
        for t in trusts:
            out.append(
                {
                    "what": t.target_kind,
                    "buyerId": t.buyer_id,
                    "targetId": t.target_id,
                    "level": t.level,
                    "weight": None,
                    "credibility": None,
                    "targetCredibility": None,
                    "shops": None,
                    "hosts": None,
                    "row": _dumps(trust_rows[(t.buyer_id, t.target_kind, t.target_id)]),
                }
            )
        yield pa.RecordBatch.from_pylist(out, schema=_BUYER_RESULT)


def entity_facts_row(r: dict[str, Any]) -> dict[str, Any]:
    """A Spark shop or host row as a ``features/shop_facts`` / ``host_facts`` record."""
    standing = r["standing"]
    return {
        "id": r["id"],
        "category": r["category"],
        "registeredAt": r["registeredAt"],
        "orders": [
            [
                o["orderId"],
                o["buyerId"],
                o["placedAt"],
                o["amount"],
                o["deliveredAt"],
                o["refundedAt"],
                o["refundReason"],
                o["returned"],
                *_outcomes(o),
                o["ruling"],
                o["ruledAt"],
            ]  # fmt: skip
            for o in r["orders"] or ()
        ],
        "buyers": [
            [
                b["buyerId"],
                b["weight"],
                b["level"],
                b["credibility"],
                b["targets"],
                b["registeredAt"],
                b["ringTargets"],
                b["targetCredibility"],
            ]  # fmt: skip
            for b in r["buyers"] or ()
        ],
        "penalties": [[p["at"], p["severity"], p["code"]] for p in r["penalties"] or ()],
        "reports": list(r["reports"] or ()),
        "rights": r["rights"],
        "standing": None
        if standing is None
        else [standing["asOf"], standing["state"], standing["previousState"]],
    }


def evaluate_entity_batches(
    batches: Iterator[pa.RecordBatch], kind: str, policy: Policy, as_of: int
) -> Iterator[pa.RecordBatch]:
    """mapInArrow over shop or host rows: one Standing row each."""
    for batch in batches:
        records = [entity_record(entity_facts_row(r), kind) for r in batch.to_pylist()]
        _, results = evaluate_standings(records, kind, policy, as_of)
        yield pa.RecordBatch.from_pylist(
            [
                {
                    "kind": kind,
                    "entityId": s.entity_id,
                    "badges": list(s.record["badges"]),
                    "tier": s.record["tier"],
                    "row": _dumps(s.record),
                }
                for s in results
            ],
            schema=_STANDING_RESULT,
        )
