"""Ingestion: validated events -> facts in the graph, idempotently, one transaction per batch.

A batch goes through three steps, all inside one write transaction (see
:func:`graph_api.ingest.ingester.write_checked`):

1. look up which of its event ids, order ids and report ids the graph already holds;
2. :func:`plan_batch` decides, event by event: a replay (same ``eventId``, same content) is a
   *duplicate* and changes nothing; a reused ``eventId`` with different content, an order event
   for an order the graph does not know, a second ``ORDER_PLACED`` for one order are *rejected*
   alone; the rest are *accepted*;
3. the accepted events are written with one ``UNWIND`` query per event type, in an order that
   puts every node before the events that hang off it, plus one ``Event`` node each (the log
   whose uniqueness constraint makes replays detectable, even between concurrent writers).

Events for an order must arrive in the same batch as its ``ORDER_PLACED`` or after it; earlier
ones are rejected with ``UNKNOWN_ORDER`` and, since nothing of them was recorded, can simply be
sent again later. Buyers, hosts and shops need no registration first: a reference creates the
node and the registration event fills it in whenever it comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_api import events as ev
from graph_api.derive.results import DeriveResult
from graph_api.events import Rejection


@dataclass(frozen=True)
class GraphChecks:
    """What the graph already holds of the ids a batch mentions."""

    event_hashes: dict[str, str]  # recorded eventId -> content hash
    orders: frozenset[str]
    reports: frozenset[str]


Writes = list[tuple[str, list[dict[str, Any]]]]  # (query name, rows) in the order to run


# (event type, query) in write order: nodes before what hangs off them, reports before their
# confirmations. FOLLOWED/UNFOLLOWED share one query so a follow and an unfollow in one batch
# are applied in time order; VIOLATION_PENALIZED splits by its target.
_WRITE_ORDER: tuple[tuple[str, str], ...] = (
    ("BUYER_REGISTERED", "ingest/buyer_registered"),
    ("HOST_REGISTERED", "ingest/host_registered"),
    ("SHOP_REGISTERED", "ingest/shop_registered"),
    ("HOST_SELLS_FOR_SHOP", "ingest/host_sells_for_shop"),
    ("SHOP_RIGHTS_CHANGED", "ingest/shop_rights_changed"),
    ("ORDER_PLACED", "ingest/order_placed"),
    ("ORDER_DELIVERED", "ingest/order_delivered"),
    ("ORDER_REFUNDED", "ingest/order_refunded"),
    ("REVIEW_POSTED", "ingest/review_posted"),
    ("COMPLAINT_FILED", "ingest/complaint_filed"),
    ("INSPECTION_RECORDED", "ingest/inspection_recorded"),
    ("DISPUTE_RULED", "ingest/dispute_ruled"),
    ("FALSE_AD_REPORTED", "ingest/false_ad_reported"),
    ("FALSE_AD_CONFIRMED", "ingest/false_ad_confirmed"),
    ("FOLLOW", "ingest/follow_changed"),
    ("COMMENTED", "ingest/commented"),
    ("WATCHED", "ingest/watched"),
    ("FAN_CLUB_TIER_SET", "ingest/fan_club_tier_set"),
    ("HOST_PENALTY", "ingest/host_penalized"),
    ("SHOP_PENALTY", "ingest/shop_penalized"),
)
_QUERY_OF = dict(_WRITE_ORDER)
assert set(ev.EVENT_TYPES) - {"FOLLOWED", "UNFOLLOWED", "VIOLATION_PENALIZED"} <= set(_QUERY_OF)


def write_queries() -> tuple[str, ...]:
    """Every query a plan may name, in write order (the bulk loader mirrors each one)."""
    return (*(q for _, q in _WRITE_ORDER), "ingest/record_events", "ingest/advance_clock")


def _group_of(event: dict[str, Any]) -> str:
    kind = event["type"]
    if kind in ("FOLLOWED", "UNFOLLOWED"):
        return "FOLLOW"
    if kind == "VIOLATION_PENALIZED":
        return "HOST_PENALTY" if event["hostId"] is not None else "SHOP_PENALTY"
    return kind


def _row(event: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in event.items() if k not in ("type", "hash")}
    if event["type"] in ("FOLLOWED", "UNFOLLOWED"):
        row["active"] = event["type"] == "FOLLOWED"
    return row


@dataclass(frozen=True)
class _Keyed:
    """Something with its own id that one event type creates and others refer to."""

    field: str
    creator: str
    referrers: frozenset[str]
    noun: str
    verb: str
    duplicate: str  # rejection code for a second creator
    unknown: str  # rejection code for a reference to an id the graph does not know


_KEYED = (
    _Keyed(
        "orderId",
        "ORDER_PLACED",
        ev.ORDER_REFERENCING,
        "order",
        "placed",
        ev.DUPLICATE_ORDER,
        ev.UNKNOWN_ORDER,
    ),
    _Keyed(
        "reportId",
        "FALSE_AD_REPORTED",
        frozenset({"FALSE_AD_CONFIRMED"}),
        "report",
        "filed",
        ev.DUPLICATE_REPORT,
        ev.UNKNOWN_REPORT,
    ),
)


@dataclass
class BatchResult:
    accepted: list[dict[str, Any]] = field(default_factory=list)  # the events now recorded
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    derived: list[DeriveResult] = field(default_factory=list)  # the rescoring each batch caused
    # The ingest log's position of the last batch that accepted anything (None: nothing was);
    # derived state includes the batch once the derived position reaches it.
    position: int | None = None

    def merge(self, other: BatchResult) -> None:
        self.accepted.extend(other.accepted)
        if other.position is not None:
            self.position = max(self.position or 0, other.position)
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.derived.extend(other.derived)


def plan_batch(
    items: Sequence[tuple[int, dict[str, Any]]], checks: GraphChecks
) -> tuple[list[tuple[str, list[dict[str, Any]]]], BatchResult]:
    """Decide what to write for validated events ``(index, event)``, given what the graph holds.

    Pure: the same items and checks always give the same plan.
    """
    result = BatchResult()
    in_graph = {"orderId": checks.orders, "reportId": checks.reports}
    # Everything created in this batch may be referred to from anywhere in it: writes run
    # creators first (see _WRITE_ORDER).
    known = {
        k.field: in_graph[k.field] | {e[k.field] for _, e in items if e["type"] == k.creator}
        for k in _KEYED
    }
    created: dict[str, set[str]] = {k.field: set() for k in _KEYED}
    seen: dict[str, str] = {}  # eventId -> hash, for events earlier in this batch

    def reject(index: int, e: dict[str, Any], code: str, fld: str, message: str) -> None:
        result.rejected.append(Rejection(index, e["eventId"], code, fld, message))

    for index, e in items:
        event_id, kind = e["eventId"], e["type"]
        prior = seen.get(event_id, checks.event_hashes.get(event_id))
        if prior is not None:
            if prior == e["hash"]:
                result.duplicates += 1
            else:
                reject(
                    index,
                    e,
                    ev.EVENT_ID_CONFLICT,
                    "eventId",
                    f"eventId {event_id!r} was already recorded with different content",
                )
            continue
        for k in _KEYED:
            if kind == k.creator:
                key = e[k.field]
                if key in in_graph[k.field] or key in created[k.field]:
                    reject(
                        index,
                        e,
                        k.duplicate,
                        k.field,
                        f"{k.noun} {key!r} was already {k.verb} by another event",
                    )
                    break
                created[k.field].add(key)
            elif kind in k.referrers and e[k.field] not in known[k.field]:
                reject(
                    index,
                    e,
                    k.unknown,
                    k.field,
                    f"{k.noun} {e[k.field]!r} is not in the graph; send its {k.creator} first",
                )
                break
        else:
            seen[event_id] = e["hash"]
            result.accepted.append(e)

    groups: dict[str, list[dict[str, Any]]] = {}
    for e in result.accepted:
        groups.setdefault(_group_of(e), []).append(e)
    writes: list[tuple[str, list[dict[str, Any]]]] = []
    for group, name in _WRITE_ORDER:
        batch = groups.get(group)
        if batch:
            # Time order within a type, ties by eventId: current-state relationships (FOLLOWS,
            # FAN_OF) then end in the same state whatever order the events arrived in.
            batch.sort(key=lambda e: (e["at"], e["eventId"]))
            writes.append((name, [_row(e) for e in batch]))
    if result.accepted:
        writes.append(
            (
                "ingest/record_events",
                [
                    {"eventId": e["eventId"], "type": e["type"], "at": e["at"], "hash": e["hash"]}
                    for e in result.accepted
                ],
            )
        )
        writes.append(("ingest/advance_clock", [{"at": max(e["at"] for e in result.accepted)}]))
    return writes, result
