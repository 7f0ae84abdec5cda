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

Policy v1 lets an account whose orders span ``established_span_days`` or more weigh fully,
whatever else. A fraudster who read that waits a month (the red team's patient throwaways, slow
trickle and aged sleepers did), so from v2 on the weight is over the account's whole life and is
*earned* by evidence a script does not produce for free (v2 leaves ``established_span_days`` out):

* ``history_days``: an account that interacted (watched, commented, followed, joined a fan club)
  on at least this many distinct days has a history, and NEW_ACCOUNT, ONE_TARGET, BUNCHED and
  NEVER_DISPUTED no longer fire (an honest buyer who bought on its first day and watches its
  rooms week after week is not a throwaway). NO_INTERACTION and CHEAP are never cleared.
* ``OUT_OF_ROOM`` (``out_of_room_penalty``): fewer than ``min_in_room_share`` of the orders were
  placed inside a watch session of the order's own live room (a WATCHED event records when the
  buyer left and how many minutes it stayed). In live-stream commerce the order is placed in the
  room; an order attributed to a room the buyer was not in came from a script or a link passed
  around, whatever else the account did months before (aged sleepers watch for two months and
  then order from outside).
* ``credibility`` (``unproven_claim_factor``): the weight of the buyer's *claims* against a shop
  or host (for-cause refunds, complaints, bad reviews) is the weight times this factor for an
  account without a history, so a one-order account with no life on the platform cannot take a
  badge away (review bombing) for the price of one order.

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
from scoring.policy_reader import PolicyError, PolicyTable, check_range

__all__ = [
    "BuyerWeight",
    "BuyerWeightPolicy",
    "SIGNALS",
    "buyer_weight",
    "load_buyer_weight_policy",
]

SIGNALS = (
    "NO_INTERACTION",
    "NEW_ACCOUNT",
    "ONE_TARGET",
    "BUNCHED",
    "CHEAP",
    "NEVER_DISPUTED",
    "OUT_OF_ROOM",
)
# The signals a history (``history_days``) clears: they describe an account with no life yet.
CLEARED_BY_HISTORY = frozenset({"NEW_ACCOUNT", "ONE_TARGET", "BUNCHED", "NEVER_DISPUTED"})


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
    established_span_days: float | None  # v1: a month of orders wipes every signal; v2: None
    bad_review_max_stars: int
    history_days: int | None = None
    out_of_room_penalty: float | None = None
    min_in_room_share: float | None = None
    unproven_claim_factor: float | None = None

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
        for name in ("new_account_days", "bunched_days", "cheap_order_yuan"):
            check_range(getattr(self, name), p + name, ge=0)
        if self.established_span_days is not None:
            check_range(self.established_span_days, p + "established_span_days", ge=0)
        if self.history_days is not None:
            check_range(self.history_days, p + "history_days", ge=1)
        for name in ("out_of_room_penalty", "min_in_room_share", "unproven_claim_factor"):
            value = getattr(self, name)
            if value is not None:
                check_range(value, p + name, ge=0, le=1)
        if (self.out_of_room_penalty is None) != (self.min_in_room_share is None):
            raise PolicyError(
                p + "out_of_room_penalty",
                "and buyers.min_in_room_share go together: set both or neither",
            )
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
    # The v2 keys are optional: a v1 file has none of them, and each one off means v1's rule.
    return buyers.build(
        BuyerWeightPolicy,
        bad_review_max_stars=2 if stars is None else stars,
        established_span_days=buyers.optional("established_span_days", buyers.number, ge=0),
        history_days=buyers.optional("history_days", buyers.integer, ge=1),
        out_of_room_penalty=buyers.optional("out_of_room_penalty", buyers.number, ge=0, le=1),
        min_in_room_share=buyers.optional("min_in_room_share", buyers.number, ge=0, le=1),
        unproven_claim_factor=buyers.optional("unproven_claim_factor", buyers.number, ge=0, le=1),
    )


@dataclass(frozen=True, slots=True)
class BuyerWeight:
    """A buyer's anti-gaming weight as of ``as_of`` and the signals that lowered it."""

    buyer_id: str
    weight: float
    signals: tuple[str, ...]  # in SIGNALS order
    reasons: tuple[tuple[str, str], ...]  # (code, sentence) per signal
    # How much the buyer's claims against a shop or host count (see ``unproven_claim_factor``);
    # None: as much as its evidence, ``weight``.
    credibility: float | None = None
    # How many shops and hosts the account bought from (as of): 1 is a single-target account,
    # whose orders a shop's or host's badge may count only up to a share (policy v2).
    shops: int = 0
    hosts: int = 0
    # A group member's claims against the shops and hosts its group was found at (the Buyer's
    # ``ringTargets``): its own claim weight, before the group's cap (policy v3,
    # ``rings.own_claims_at_targets``); None: as ``claim_weight``.
    target_credibility: float | None = None
    # A group member's weight before the group's cap: what the group detectors weigh it at, so
    # that a detection judges the account's own evidence and not the previous detection's mark
    # (with the cap, a flagged account weighs 0.05 and every later detection finds it again).
    # None: not capped, ``weight``.
    own_weight: float | None = None

    @property
    def claim_weight(self) -> float:
        return self.weight if self.credibility is None else self.credibility

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


def _in_room_share(placed: list[OrderFact], sessions: Iterable[tuple[str, int, float]]) -> float:
    """The share of ``placed`` placed inside a watch session of the order's own host: a session
    is (host, left at, minutes), so it covers [left - minutes, left]."""
    by_host: dict[str, list[tuple[int, int]]] = {}
    for host, left, minutes in sessions:
        by_host.setdefault(host, []).append((left - int(minutes * 60_000), left))
    inside = 0
    for o in placed:
        t = o.placed_at
        if any(start <= t <= end for start, end in by_host.get(o.host_id, ())):
            inside += 1
    return inside / len(placed)


def buyer_weight(
    buyer_id: str,
    registered_at: int | None,
    orders: Iterable[OrderFact],
    interaction_times: Iterable[int],
    policy: BuyerWeightPolicy,
    as_of: int,
    *,
    watch_sessions: Iterable[tuple[str, int, float]] = (),
) -> BuyerWeight:
    """The weight of one buyer's evidence from ALL of the buyer's orders (toward any host or shop)
    and the times of ALL of the buyer's interactions (watch sessions, comments, follow and
    fan-club changes), as of ``as_of``; ``watch_sessions`` (host, left at, minutes) are needed by
    ``OUT_OF_ROOM`` only. A buyer without orders has nothing to weigh: weight 1."""
    placed = sorted(
        (o for o in orders if o.placed_at <= as_of), key=lambda o: (o.placed_at, o.order_id)
    )
    if not placed:
        return BuyerWeight(buyer_id, 1.0, (), ())
    n_shops, n_hosts = len({o.shop_id for o in placed}), len({o.host_id for o in placed})
    first, last = placed[0].placed_at, placed[-1].placed_at
    span = policy.established_span_days
    if span is not None and last - first >= span * MS_PER_DAY:
        return BuyerWeight(buyer_id, 1.0, (), (), None, n_shops, n_hosts)
    interaction_days = {t // MS_PER_DAY for t in interaction_times if t <= as_of}
    history = policy.history_days is not None and len(interaction_days) >= policy.history_days
    fired: list[tuple[str, float, str]] = []
    n = len(placed)
    if not interaction_days:
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
    if policy.out_of_room_penalty is not None and policy.min_in_room_share is not None:
        share = _in_room_share(placed, (s for s in watch_sessions if s[1] <= as_of))
        if share < policy.min_in_room_share:
            fired.append(
                (
                    "OUT_OF_ROOM",
                    policy.out_of_room_penalty,
                    f"{share:.0%} of {n} orders placed while watching the order's live room "
                    f"(fewer than {policy.min_in_room_share:.0%})",
                )
            )
    if history:
        fired = [f for f in fired if f[0] not in CLEARED_BY_HISTORY]
    factor = policy.unproven_claim_factor
    if not fired:
        weight = 1.0
    else:
        penalty = sum(p for _, p, _ in fired)
        weight = max(policy.min_weight, round(1.0 - penalty, 12))  # round: 1 - 0.35 - 0.2 ...
    credibility = None if factor is None or history else round(weight * factor, 12)
    return BuyerWeight(
        buyer_id,
        weight,
        tuple(code for code, _, _ in fired),
        tuple((code, f"{message} (-{p:g})") for code, p, message in fired),
        credibility,
        n_shops,
        n_hosts,
    )
