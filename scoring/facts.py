"""The facts scoring works from: plain frozen values, filled from the graph by the store.

Nothing here knows Neo4j. Times are integers, epoch milliseconds UTC, exactly as the graph stores
them (see docs/graph-model.md); ``as_of`` arguments are in the same unit. A fact whose time is
after ``as_of`` must be ignored by every scoring function, so the same facts answer "as of" any
past date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

MS_PER_DAY = 86_400_000

# Refund and complaint reasons that are the seller's fault; BUYER_REMORSE and OTHER are not
# held against a shop or host (a 7-day no-reason return is a right, not a defect).
FOR_CAUSE_REASONS = frozenset(
    {
        "DEFECT",
        "NOT_AS_DESCRIBED",
        "NOT_DELIVERED",
        "FAKE_GOODS",
        "LATE_SHIPPING",
        "FAKE_SHIPPING",
        "RUDE_SERVICE",
    }
)


@dataclass(frozen=True, slots=True)
class Complaint:
    at: int
    reason: str


@dataclass(frozen=True, slots=True)
class Inspection:
    at: int
    kind: str  # AUTHENTICITY or DEVICE
    passed: bool


@dataclass(frozen=True, slots=True)
class OrderFact:
    """One order with its outcome timeline."""

    order_id: str
    buyer_id: str
    host_id: str
    shop_id: str
    placed_at: int
    amount: float
    item_id: str | None = None
    category: str | None = None
    delivered_at: int | None = None
    refunded_at: int | None = None
    refund_reason: str | None = None
    returned: bool | None = None  # False: refund without return
    rating: int | None = None  # the latest review's stars, 1..5
    reviewed_at: int | None = None
    complaints: tuple[Complaint, ...] = ()
    inspections: tuple[Inspection, ...] = ()
    # The platform's verdict on a dispute about the order: FOR_BUYER or FOR_SELLER (and when).
    ruling: str | None = None
    ruled_at: int | None = None


class TimedValue(NamedTuple):
    """A value that changed at ``at``: follow state (1 or 0), fan-club tier, watch minutes.
    (A NamedTuple: a buyer's record builds one per interaction, hundreds for an active viewer,
    and a frozen dataclass costs several times more to build; it orders by (at, value).)"""

    at: int
    value: float


@dataclass(frozen=True, slots=True)
class PairFacts:
    """Everything one buyer did toward one host or one shop.

    For a shop, the interactions (watching, comments, follows, fan club) are those with the hosts
    that sell for it in the orders' live rooms; the store decides and documents which.
    """

    buyer_id: str
    target_id: str
    target_kind: str  # "HOST" or "SHOP"
    orders: tuple[OrderFact, ...] = ()
    watches: tuple[TimedValue, ...] = ()  # value: minutes
    comments: tuple[int, ...] = ()  # times
    follow_changes: tuple[TimedValue, ...] = ()  # value: 1 followed, 0 unfollowed
    tier_changes: tuple[TimedValue, ...] = ()  # value: fan-club tier 0..20
    confirmed_reports: tuple[
        int, ...
    ] = ()  # when this buyer's false-ad reports were confirmed (confirmedAt)


@dataclass(frozen=True, slots=True)
class BuyerProfile:
    """What scoring knows of a buyer beyond one pair, to spot throwaway accounts."""

    buyer_id: str
    registered_at: int | None
    first_order_at: int | None
    shops_ordered_from: int  # distinct shops over the buyer's whole history
    hosts_ordered_from: int
    orders: int
    interactions: int = 0  # watch sessions, comments and follows toward anyone


@dataclass(frozen=True, slots=True)
class Penalty:
    at: int
    severity: int  # 1..3
    code: str


@dataclass(frozen=True, slots=True)
class EntityFacts:
    """A shop's or host's record: its orders (with outcomes), reports, penalties, rights."""

    entity_id: str
    kind: str  # "SHOP" or "HOST"
    category: str | None
    orders: tuple[OrderFact, ...] = ()
    reports: tuple[TimedValue, ...] = ()  # value: 1 if confirmed (at: report time)
    penalties: tuple[Penalty, ...] = ()
    rights: tuple[str, ...] = ()  # a shop's trust rights as of the evaluation time
    registered_at: int | None = None
    buyer_weights: dict[str, float] = field(
        default_factory=dict
    )  # anti-gaming weight per buyer (default 1)
    # How much each buyer's claims (for-cause refunds, complaints, reviews) count, where that is
    # not its weight (policy v2: accounts without a history, scoring.buyer_weight; v3: members
    # of a group found at this entity, whose claims here keep their own weight, above the
    # group's cap).
    claim_weights: dict[str, float] = field(default_factory=dict)
    # Buyers whose orders all went to this shop or host, and buyers whose first order here came
    # within days of registering (policy v2's dependent share).
    single_target_buyers: frozenset[str] = frozenset()
    new_buyers: frozenset[str] = frozenset()
