"""Feature rows decoded once, here, into the typed facts that derivation, reads and research share.

The feature queries (``cypher/features/pair_facts``, ``shop_facts``, ``host_facts``) answer in ONE
record per buyer or per shop/host with nested lists, because the Python driver pays per record
and lists are cheaper to pack than maps (the files say the shape). Nothing above this module
reads those lists by position: :func:`buyer_record` and :func:`entity_record` turn a row into a
:class:`BuyerRecord` or :class:`EntityRecord`, with every list sorted so that what scoring sees
does not depend on the order in which Neo4j listed things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoring.facts import Complaint, Inspection, OrderFact, Penalty
from scoring.pair_trust import HOST, SHOP

# Interaction kinds of ``features/pair_facts`` (the relationship types, as the query names them).
WATCHED = "WATCHED"
COMMENTED = "COMMENTED"
FOLLOW_CHANGE = "FOLLOW_CHANGE"  # value 1: followed, 0: unfollowed
TIER_CHANGE = "TIER_CHANGE"  # value: the fan-club tier from then on


@dataclass(frozen=True, slots=True)
class Interaction:
    """One of a buyer's interactions with a host's live room."""

    host_id: str
    kind: str  # WATCHED, COMMENTED, FOLLOW_CHANGE, TIER_CHANGE
    at: int
    value: float | None  # minutes watched, 1/0 for a follow change, the tier; None for a comment


@dataclass(frozen=True, slots=True)
class BuyerRecord:
    """Everything pair trust and the buyer's weight are computed from (``features/pair_facts``)."""

    buyer_id: str
    registered_at: int | None
    ring_id: str | None  # the brushing ring it was found in (``trustgraph rings --apply``)
    orders: tuple[OrderFact, ...]  # by (placed_at, order_id)
    interactions: tuple[Interaction, ...]  # as the query listed them (scoring sorts per pair)
    confirmed_reports: tuple[tuple[str, int], ...]  # (host id, confirmed at)
    shop_rights: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # as of the query's asOf, sorted


@dataclass(frozen=True, slots=True)
class StoredStanding:
    """What a shop's or host's Standing node holds of its last evaluation (badge hysteresis)."""

    as_of: int | None
    state: str | None  # the badge state that evaluation produced (JSON)
    previous_state: str | None  # the state it started from (JSON)


@dataclass(frozen=True, slots=True)
class EntityBuyer:
    """A buyer of a shop's or host's orders, as the shop's metrics weigh it."""

    buyer_id: str
    weight: float | None  # the stored anti-gaming weight (None: never weighed, counts 1.0)
    level: str | None  # the buyer's stored trust level toward the shop or host


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """Everything a shop's or host's standing is computed from (``features/shop_facts`` or
    ``host_facts``): orders in the policy's windows, their buyers, penalties, reports, rights."""

    entity_id: str
    kind: str  # SHOP or HOST
    category: str | None
    registered_at: int | None
    orders: tuple[OrderFact, ...]  # by (placed_at, order_id)
    buyers: tuple[EntityBuyer, ...]
    penalties: tuple[Penalty, ...]  # by (at, severity, code)
    reports: tuple[int, ...]  # confirmation times of confirmed false-ad reports (hosts), sorted
    rights: tuple[str, ...]  # open trust rights (shops), sorted
    standing: StoredStanding | None


def _outcomes(reviews: list[Any], complaints: list[Any], inspections: list[Any]) -> dict[str, Any]:
    """An order's outcomes as OrderFact fields, from ``[[at, rating, reviewId]]``, ``[[at,
    reason]]`` and ``[[at, kind, passed]]``. The latest review counts; on a tie in time the highest
    review id (deterministic)."""
    rating = reviewed_at = None
    if reviews:
        at, stars, _ = max(reviews, key=lambda r: (r[0], r[2]))
        rating, reviewed_at = stars, at
    return {
        "rating": rating,
        "reviewed_at": reviewed_at,
        "complaints": tuple(
            sorted(
                (Complaint(at, reason) for at, reason in complaints), key=lambda c: (c.at, c.reason)
            )
        ),
        "inspections": tuple(
            sorted(
                (Inspection(at, kind, passed) for at, kind, passed in inspections),
                key=lambda i: (i.at, i.kind, i.passed),
            )
        ),
    }


def _order_key(o: OrderFact) -> tuple[int, str]:
    return (o.placed_at, o.order_id)


# The positions of an order's list in each feature query (the .cypher files say the same), then
# the outcome lists: reviews, complaints, inspections.
_BUYER_ORDER = ("order_id", "host_id", "shop_id", "placed_at", "amount", "item_id", "category",
                "delivered_at", "refunded_at", "refund_reason", "returned")  # fmt: skip
_ENTITY_ORDER = ("order_id", "buyer_id", "placed_at", "amount", "delivered_at", "refunded_at",
                 "refund_reason", "returned")  # fmt: skip


def _order(row: list[Any], columns: tuple[str, ...], **known: Any) -> OrderFact:
    """One order's list, by the positions of ``columns``; ``known``: the fields the query leaves
    out because the record says them (the buyer of a buyer's order, the shop of a shop's)."""
    n = len(columns)
    fields: dict[str, Any] = dict(zip(columns, row[:n], strict=True))
    fields["amount"] = float(fields["amount"])
    reviews, complaints, inspections = row[n:]
    return OrderFact(**fields, **known, **_outcomes(reviews, complaints, inspections))


def buyer_record(row: dict[str, Any]) -> BuyerRecord:
    """One record of ``features/pair_facts``."""
    buyer_id = row["buyerId"]
    return BuyerRecord(
        buyer_id=buyer_id,
        registered_at=row.get("registeredAt"),
        ring_id=row.get("ringId"),
        orders=tuple(
            sorted(
                (_order(o, _BUYER_ORDER, buyer_id=buyer_id) for o in row["orders"]), key=_order_key
            )
        ),
        interactions=tuple(
            Interaction(h, kind, at, None if value is None else float(value))
            for h, kind, at, value in row["interactions"]
        ),
        confirmed_reports=tuple((h, at) for h, at in row["reports"]),
        shop_rights={shop_id: tuple(sorted(r or ())) for shop_id, r in row["shops"]},
    )


def entity_record(row: dict[str, Any], kind: str) -> EntityRecord:
    """One record of ``features/shop_facts`` (``kind`` SHOP) or ``host_facts`` (HOST)."""
    entity_id = row["id"]
    stored = row["standing"]
    # The entity's side of each order is the entity; the other side is not read (metrics do not
    # need it), so it stays empty.
    side = {
        "host_id": entity_id if kind == HOST else "",
        "shop_id": entity_id if kind == SHOP else "",
    }
    return EntityRecord(
        entity_id=entity_id,
        kind=kind,
        category=row["category"],
        registered_at=row["registeredAt"],
        orders=tuple(
            sorted((_order(o, _ENTITY_ORDER, **side) for o in row["orders"]), key=_order_key)
        ),
        buyers=tuple(
            EntityBuyer(b, None if w is None else float(w), level) for b, w, level in row["buyers"]
        ),
        penalties=tuple(
            sorted(
                (Penalty(at, severity, code) for at, severity, code in row["penalties"]),
                key=lambda p: (p.at, p.severity, p.code),
            )
        ),
        reports=tuple(sorted(row["reports"])),
        rights=tuple(sorted(row["rights"] or ())),
        standing=StoredStanding(*stored) if stored else None,
    )
