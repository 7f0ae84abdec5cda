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
from typing import Any, NamedTuple

from scoring.facts import Complaint, Inspection, OrderFact, Penalty
from scoring.pair_trust import HOST

# Interaction kinds of ``features/pair_facts`` (the relationship types, as the query names them).
WATCHED = "WATCHED"
COMMENTED = "COMMENTED"
FOLLOW_CHANGE = "FOLLOW_CHANGE"  # value 1: followed, 0: unfollowed
TIER_CHANGE = "TIER_CHANGE"  # value: the fan-club tier from then on


class Interaction(NamedTuple):
    """One of a buyer's interactions with a host's live room. (A NamedTuple: a buyer has hundreds,
    and a frozen dataclass costs several times more to build.)"""

    host_id: str
    kind: str  # WATCHED, COMMENTED, FOLLOW_CHANGE, TIER_CHANGE
    at: int
    value: float  # minutes watched, 1/0 for a follow change, the tier; 0 for a comment


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
    # The shops and hosts of its ring or group ("SHOP:id", "HOST:id"), as the Buyer holds them:
    # what a shop's record says of the buyer when the rebuild builds it (graph_api.derive.windows).
    ring_targets: tuple[str, ...] = ()


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
    credibility: float | None = None  # how much its claims count (None: as much as ``weight``)
    targets: int | None = None  # shops (of a shop's buyer) or hosts (of a host's) it bought from
    registered_at: int | None = None
    # The shops and hosts ("SHOP:id", "HOST:id") of the ring or group it was found in, and how
    # much its claims against them count (policy v3; None: as ``credibility``).
    ring_targets: tuple[str, ...] = ()
    target_credibility: float | None = None


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


Outcomes = tuple[int | None, int | None, tuple[Complaint, ...], tuple[Inspection, ...]]


def _outcomes(reviews: list[Any], complaints: list[Any], inspections: list[Any]) -> Outcomes:
    """An order's (rating, reviewed_at, complaints, inspections), the last four OrderFact fields,
    from ``[[at, rating, reviewId]]``, ``[[at, reason]]`` and ``[[at, kind, passed]]``. The latest
    review counts; on a tie in time the highest review id (deterministic)."""
    rating = reviewed_at = None
    if reviews:
        at, stars, _ = max(reviews, key=lambda r: (r[0], r[2]))
        rating, reviewed_at = stars, at
    # Most orders have neither: skip the sorting machinery for them.
    found: tuple[Complaint, ...] = ()
    if complaints:
        found = tuple(sorted((Complaint(at, why) for at, why in complaints), key=_complaint_key))
    checked: tuple[Inspection, ...] = ()
    if inspections:
        checked = tuple(
            sorted((Inspection(at, k, ok) for at, k, ok in inspections), key=_inspection_key)
        )
    return rating, reviewed_at, found, checked


def _complaint_key(c: Complaint) -> tuple[int, str]:
    return (c.at, c.reason)


def _inspection_key(i: Inspection) -> tuple[int, str, bool]:
    return (i.at, i.kind, i.passed)


def _first(row: list[Any]) -> Any:
    return row[0]


def _order_key(o: OrderFact) -> tuple[int, str]:
    return (o.placed_at, o.order_id)


# An order's list, by position (the .cypher files say the same), is decoded straight into
# OrderFact's fields in their order, without building keyword dicts: a rebuild decodes millions.


def _buyer_order(row: list[Any], buyer_id: str) -> OrderFact:
    """``features/pair_facts``: [orderId, hostId, shopId, placedAt, amount, itemId, category,
    deliveredAt, refundedAt, refundReason, returned, reviews, complaints, inspections, ruling,
    ruledAt]; the ruling may be left off (the Spark rebuild's rows: pair trust does not read it)."""
    rating, reviewed_at, complaints, inspections = _outcomes(row[11], row[12], row[13])
    ruling, ruled_at = (row[14], row[15]) if len(row) > 14 else (None, None)
    return OrderFact(
        row[0], buyer_id, row[1], row[2], row[3], float(row[4]), row[5], row[6], row[7], row[8],
        row[9], row[10], rating, reviewed_at, complaints, inspections, ruling, ruled_at,
    )  # fmt: skip


def _entity_order(row: list[Any], host_id: str, shop_id: str) -> OrderFact:
    """``features/shop_facts``, ``host_facts``: [orderId, buyerId, placedAt, amount, deliveredAt,
    refundedAt, refundReason, returned, reviews, complaints, inspections, ruling, ruledAt]. The
    entity is the shop or the host; the other side is left empty (metrics do not read it)."""
    rating, reviewed_at, complaints, inspections = _outcomes(row[8], row[9], row[10])
    return OrderFact(
        row[0], row[1], host_id, shop_id, row[2], float(row[3]), None, None, row[4], row[5],
        row[6], row[7], rating, reviewed_at, complaints, inspections, row[11], row[12],
    )  # fmt: skip


def buyer_record(row: dict[str, Any]) -> BuyerRecord:
    """One record of ``features/pair_facts``."""
    buyer_id = row["buyerId"]
    return BuyerRecord(
        buyer_id=buyer_id,
        registered_at=row.get("registeredAt"),
        ring_id=row.get("ringId"),
        orders=tuple(sorted((_buyer_order(o, buyer_id) for o in row["orders"]), key=_order_key)),
        interactions=tuple(
            Interaction(h, kind, at, 0.0 if value is None else float(value))
            for h, kind, at, value in row["interactions"]
        ),
        confirmed_reports=tuple((h, at) for h, at in row["reports"]),
        shop_rights={shop_id: tuple(sorted(r or ())) for shop_id, r in row["shops"]},
        ring_targets=tuple(row.get("ringTargets") or ()),
    )


def entity_record(row: dict[str, Any], kind: str) -> EntityRecord:
    """One record of ``features/shop_facts`` (``kind`` SHOP) or ``host_facts`` (HOST)."""
    entity_id = row["id"]
    stored = row["standing"]
    host_id, shop_id = (entity_id, "") if kind == HOST else ("", entity_id)
    return EntityRecord(
        entity_id=entity_id,
        kind=kind,
        category=row["category"],
        registered_at=row["registeredAt"],
        orders=tuple(
            sorted((_entity_order(o, host_id, shop_id) for o in row["orders"]), key=_order_key)
        ),
        # By id, as every other list is sorted (and as the rebuild's records list them:
        # graph_api.derive.windows), not in the order Neo4j collected them.
        buyers=tuple(
            EntityBuyer(
                b,
                None if w is None else float(w),
                level,
                None if c is None else float(c),
                None if n is None else int(n),
                None if reg is None else int(reg),
                tuple(targets or ()),
                None if tc is None else float(tc),
            )
            for b, w, level, c, n, reg, targets, tc in sorted(row["buyers"], key=_first)
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
