"""Throwaway-account detection: how much of a buyer's evidence counts (anti-gaming, first line).

Brushing (刷单) buys reputation with throwaway accounts: registered a day before, no history but
one shop, a few cheap orders bunched in a few days, every one delivered and praised, never a
dispute, and no interaction with any live room. Each of those traits is common on its own (a new
buyer's first purchases look like this too), so none of them excludes a buyer; together they do.
The weight is

    w = max(min_weight, 1 - sum(penalty of every signal that fires))

with one policy penalty per signal (``[buyers]`` in the policy file):

* ``NO_INTERACTION``: never watched, commented on, followed or joined the fan club of any host.
  In live-stream commerce a purchase comes out of a live room; a buyer who never was in one is
  the strongest single sign of a scripted account.
* ``NEW_ACCOUNT``: the first order came less than ``new_account_days`` after registration (or
  before it: the registration arrived late).
* ``ONE_TARGET``: at least ``one_target_min_orders`` orders, all at one shop ("no history but one
  shop").
* ``BUNCHED``: at least two orders, all within ``bunched_days``.
* ``CHEAP``: the median order is below ``cheap_order_yuan`` (brushing pays for what it buys).
* ``NEVER_DISPUTED``: at least two orders and never a refund, complaint or low review: weak on its
  own (most honest buyers never dispute), which is why its penalty is small.

An account whose orders span ``established_span_days`` or more has a history and weighs fully,
whatever else: a throwaway account is used for one job, and the signals above describe a buyer
with no history yet (a new honest buyer who comes back a month later is fully trusted from then).

Where it applies: pair trust scales the buyer's positive evidence by ``w``
(:func:`scoring.pair_trust.score_pair`), and shop and host metrics count each order as ``w`` of
an order and leave out buyers below ``metrics.min_buyer_weight`` (as TikTok Shop's performance
score leaves out fake orders). Sources: Taobao's and TikTok's published anti-brushing rules
(ANCHORS.md); the traits are those of the sybil / brushing literature (SybilRank, Cao et al. 2012,
for the "new, isolated, one target" shape). A graph-level ring detector can lower ``w`` further
later; this is the first line, computed from one buyer's own facts.

Pure: a function of the buyer's facts up to ``as_of`` (facts after it are ignored), so the same
facts answer "as of" any past date, and a buyer's weight only changes when the buyer does
something.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.facts import FOR_CAUSE_REASONS, MS_PER_DAY, OrderFact
from scoring.policy_reader import PolicyTable, check_range

__all__ = [
    "BuyerWeight",
    "BuyerWeightPolicy",
    "SIGNALS",
    "buyer_weight",
    "load_buyer_weight_policy",
]

SIGNALS = ("NO_INTERACTION", "NEW_ACCOUNT", "ONE_TARGET", "BUNCHED", "CHEAP", "NEVER_DISPUTED")


@dataclass(frozen=True, slots=True)
class BuyerWeightPolicy:
    min_weight: float
    no_interaction_penalty: float
    new_account_days: float
    new_account_penalty: float
    one_target_min_orders: int
    one_target_penalty: float
    bunched_days: float
    bunched_penalty: float
    cheap_order_yuan: float
    cheap_penalty: float
    never_disputed_penalty: float
    established_span_days: float
    bad_review_max_stars: int

    def __post_init__(self) -> None:
        p = "buyers."
        check_range(self.min_weight, p + "min_weight", gt=0, le=1)
        for name in (
            "no_interaction_penalty",
            "new_account_penalty",
            "one_target_penalty",
            "bunched_penalty",
            "cheap_penalty",
            "never_disputed_penalty",
        ):
            check_range(getattr(self, name), p + name, ge=0, le=1)
        for name in (
            "new_account_days",
            "bunched_days",
            "cheap_order_yuan",
            "established_span_days",
        ):
            check_range(getattr(self, name), p + name, ge=0)
        check_range(self.one_target_min_orders, p + "one_target_min_orders", ge=1)
        # Read from [trust.negative] (one definition of a bad review), so named by that path.
        check_range(self.bad_review_max_stars, "trust.negative.bad_review_max_stars", ge=1, le=5)


def load_buyer_weight_policy(document: Mapping[str, object]) -> BuyerWeightPolicy:
    """The ``[buyers]`` table of a parsed policy file (every key required, none unknown).
    ``bad_review_max_stars`` is shared with ``[trust.negative]`` (one definition of a bad
    review): 2 if the document has none."""
    root = PolicyTable(document)
    buyers = root.table("buyers")
    trust = root.optional("trust", root.table)
    negative = trust.optional("negative", trust.table) if trust is not None else None
    stars = (
        negative.optional("bad_review_max_stars", negative.integer)
        if negative is not None
        else None
    )
    return buyers.build(BuyerWeightPolicy, bad_review_max_stars=2 if stars is None else stars)


@dataclass(frozen=True, slots=True)
class BuyerWeight:
    """A buyer's anti-gaming weight as of ``as_of`` and the signals that lowered it."""

    buyer_id: str
    weight: float
    signals: tuple[str, ...]  # in SIGNALS order
    reasons: tuple[tuple[str, str], ...]  # (code, sentence) per signal

    @property
    def full(self) -> bool:
        return self.weight >= 1.0


def _disputed(o: OrderFact, as_of: int, bad_stars: int) -> bool:
    if (
        o.refunded_at is not None
        and o.refunded_at <= as_of
        and o.refund_reason in FOR_CAUSE_REASONS
    ):
        return True
    if any(c.at <= as_of for c in o.complaints):
        return True
    return (
        o.rating is not None
        and o.rating <= bad_stars
        and (o.reviewed_at is None or o.reviewed_at <= as_of)
    )


def buyer_weight(
    buyer_id: str,
    registered_at: int | None,
    orders: Iterable[OrderFact],
    interaction_times: Iterable[int],
    policy: BuyerWeightPolicy,
    as_of: int,
) -> BuyerWeight:
    """The weight of one buyer's evidence from ALL of the buyer's orders (toward any host or shop)
    and the times of ALL of the buyer's interactions (watch sessions, comments, follow and
    fan-club changes), as of ``as_of``. A buyer without orders has nothing to weigh: weight 1."""
    placed = sorted(
        (o for o in orders if o.placed_at <= as_of), key=lambda o: (o.placed_at, o.order_id)
    )
    if not placed:
        return BuyerWeight(buyer_id, 1.0, (), ())
    first, last = placed[0].placed_at, placed[-1].placed_at
    if last - first >= policy.established_span_days * MS_PER_DAY:
        return BuyerWeight(buyer_id, 1.0, (), ())
    fired: list[tuple[str, float, str]] = []
    n = len(placed)
    if not any(t <= as_of for t in interaction_times):
        fired.append(
            (
                "NO_INTERACTION",
                policy.no_interaction_penalty,
                "never watched, commented on, followed or joined a fan club of any live room",
            )
        )
    if registered_at is not None and first - registered_at < policy.new_account_days * MS_PER_DAY:
        fired.append(
            (
                "NEW_ACCOUNT",
                policy.new_account_penalty,
                f"first order within {policy.new_account_days:g} days of registering",
            )
        )
    shops = {o.shop_id for o in placed}
    if n >= policy.one_target_min_orders and len(shops) == 1:
        fired.append(("ONE_TARGET", policy.one_target_penalty, f"all {n} orders at one shop"))
    if n >= 2 and last - first < policy.bunched_days * MS_PER_DAY:
        fired.append(
            (
                "BUNCHED",
                policy.bunched_penalty,
                f"all {n} orders within {policy.bunched_days:g} days",
            )
        )
    amounts = sorted(o.amount for o in placed)
    median = amounts[n // 2] if n % 2 else (amounts[n // 2 - 1] + amounts[n // 2]) / 2
    if median < policy.cheap_order_yuan:
        fired.append(
            (
                "CHEAP",
                policy.cheap_penalty,
                f"median order {median:.2f} yuan, below {policy.cheap_order_yuan:g}",
            )
        )
    if n >= 2 and not any(_disputed(o, as_of, policy.bad_review_max_stars) for o in placed):
        fired.append(
            (
                "NEVER_DISPUTED",
                policy.never_disputed_penalty,
                f"{n} orders and never a refund for cause, complaint or low review",
            )
        )
    if not fired:
        return BuyerWeight(buyer_id, 1.0, (), ())
    penalty = sum(p for _, p, _ in fired)
    weight = max(policy.min_weight, round(1.0 - penalty, 12))  # round: 1 - 0.35 - 0.2 ... exactly
    return BuyerWeight(
        buyer_id,
        weight,
        tuple(code for code, _, _ in fired),
        tuple((code, f"{message} (-{p:g})") for code, p, message in fired),
    )
