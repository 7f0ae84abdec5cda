"""How far one buyer trusts one host or one shop: score, confidence, level, reasons, next step.

Model: subjective logic over beta reputation (Jøsang & Ismail, "The Beta Reputation System",
2002; Jøsang, "Subjective Logic", 2016). Decayed evidence FOR (r) and AGAINST (s) the pair gives
an opinion

    b = r / (r + s + W),  d = s / (r + s + W),  u = W / (r + s + W),  score E = b + a * u

with prior weight W and base rate a: the neutral rate for a host, the shop's platform trust
(from its trust rights, :func:`platform_trust`) for a shop. Confidence is 1 - u. A stranger
(no evidence: u = 1, score = a) stays distinguishable from a buyer who distrusts (high d).
Levels STRANGER / ACQUAINTANCE / REGULAR need policy thresholds on score AND confidence AND
plain counts (eBay-style minimums), so every level has a reason a person can read.

Anti-gaming, first line (Taobao's per-pair rules, ANCHORS.md): repeat purchases of the same item
in one short period count once, a pair earns order credit for a few orders a month at most, and
``buyer_weight`` (throwaway-account detection, done elsewhere) scales the buyer's positive
evidence. Every rule is chosen so that one more satisfied order can never lower the score
(fixed periods rather than sliding windows; a month keeps its best credits).

Pure: no clock (``as_of`` is an argument, epoch ms UTC), no I/O; facts dated after ``as_of`` are
ignored, so the same facts answer "as of" any past date. Float sums use ``math.fsum`` (correctly
rounded, hence independent of the order of the facts), so equal inputs give identical outputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from scoring.facts import FOR_CAUSE_REASONS, MS_PER_DAY, OrderFact, PairFacts, TimedValue
from scoring.trust_policy import LevelPolicy, TrustPolicy

STRANGER = "STRANGER"
ACQUAINTANCE = "ACQUAINTANCE"
REGULAR = "REGULAR"
LEVELS = (STRANGER, ACQUAINTANCE, REGULAR)  # ascending

HOST = "HOST"
SHOP = "SHOP"

_MAX_HINT_ORDERS = 1000

_fsum = math.fsum
_exp = math.exp
_log2 = math.log2


@dataclass(frozen=True, slots=True)
class PairTrust:
    """The trust of one buyer toward one host or shop as of ``as_of``, and why.

    ``score`` is the expectation with the pair's base rate (platform trust for a shop);
    ``personal_score`` the same opinion with the neutral base rate, i.e. what the buyer's own
    evidence says. ``evidence_for`` / ``evidence_against`` are r (after ``buyer_weight``) and s.
    """

    buyer_id: str
    target_id: str
    target_kind: str
    level: str
    score: float
    confidence: float
    belief: float
    disbelief: float
    uncertainty: float
    distrust: bool
    personal_score: float
    platform_trust: float | None
    reasons: tuple[tuple[str, str], ...]
    next_level: str | None
    satisfied_orders: int
    distinct_months: int
    evidence_for: float
    evidence_against: float
    as_of: int
    policy_version: str


def platform_trust(rights: Iterable[str], policy: TrustPolicy) -> float:
    """The platform's trust toward a shop from its trust rights: a stranger's base rate.

    Noisy-OR: ``min(max, 1 - (1 - base) * prod(1 - w[right]))``, each right removing a share of
    the remaining doubt (diminishing returns, order-free). It is the base rate ``a`` of the
    subjective-logic opinion (Jøsang), so a stranger's score toward a shop equals the platform's
    guarantee, and the buyer's own evidence takes over as it accumulates ("from trusting the
    platform to trusting the seller", Kuaishou 信任购 2021, docs DOMAIN.md). Rights the policy
    does not weigh count 0; duplicates count once.
    """
    p = policy.platform
    doubt = 1.0 - p.base
    for right in sorted(set(rights)):  # sorted: the float product is the same for any input order
        doubt *= 1.0 - p.rights.get(right, 0.0)
    return min(p.max, 1.0 - doubt)


@lru_cache(maxsize=4096)
def _month_of_day(day: int) -> int:
    """Calendar month index (year * 12 + month - 1) of a day count since 1970-01-01.

    Hinnant's civil_from_days: integer arithmetic, no datetime objects in the hot loop; days
    repeat a lot across pairs, hence the small cache.
    """
    z = day + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    return year * 12 + month - 1


class _Evidence:
    """What one pass over the facts found: decayed evidence terms and plain counts."""

    __slots__ = (
        "order_credit",
        "month_credit",
        "spend_credit",
        "watch_credit",
        "comment_credit",
        "follow_credit",
        "tier_credit",
        "satisfied",
        "satisfied_raw",
        "months",
        "over_cap",
        "neutral_refunds",
        "pending",
        "refunds_for_cause",
        "refund_reasons",
        "complaints",
        "bad_reviews",
        "good_reviews",
        "reports",
        "spend",
        "watch_minutes",
        "comments",
        "follow_days",
        "tier",
        "anything",
    )

    def __init__(self) -> None:
        self.order_credit = self.month_credit = self.spend_credit = 0.0
        self.watch_credit = self.comment_credit = self.follow_credit = self.tier_credit = 0.0
        self.satisfied = self.satisfied_raw = self.months = self.over_cap = 0
        self.neutral_refunds = self.pending = self.refunds_for_cause = 0
        self.complaints = self.bad_reviews = self.good_reviews = self.reports = 0
        self.refund_reasons: tuple[str, ...] = ()
        self.spend = self.watch_minutes = 0.0
        self.comments = 0
        self.follow_days: float | None = None
        self.tier = 0.0
        self.anything = False

    @property
    def positive(self) -> float:
        # A fixed number of terms in a fixed order: deterministic without fsum.
        return (
            self.order_credit
            + self.month_credit
            + self.spend_credit
            + self.watch_credit
            + self.comment_credit
            + self.follow_credit
            + self.tier_credit
        )


def _orders(
    orders: tuple[OrderFact, ...],
    policy: TrustPolicy,
    as_of: int,
    ev: _Evidence,
    negative: list[float],
) -> None:
    """Order evidence: satisfied-order credit (same-item and monthly caps), months, spend, and
    refunds / complaints / bad reviews against. Hot loop: attributes read once into locals."""
    k = policy.decay.rate_per_ms  # weight 2^(-age/half_life) = exp(-age * k)
    offset = policy.calendar.utc_offset_ms
    window = policy.anti_gaming.same_item_window_days
    pos, neg = policy.positive, policy.negative
    w_order, w_good, good_min = pos.satisfied_order, pos.good_review, pos.good_review_min_stars
    w_refund, w_complaint = neg.refund_for_cause, neg.complaint_for_cause
    w_bad, bad_max = neg.bad_review, neg.bad_review_max_stars
    for_cause = FOR_CAUSE_REASONS
    exp = _exp
    # Same-item rule: one credit per (item, month, fixed period) key, the best one. Fixed periods
    # (not "14 days after the previous order") so an extra order never shifts or merges others.
    best: dict[tuple[object, int, int], float] = {}
    month_latest: dict[int, int] = {}
    spend_terms: list[float] = []
    spend_raw: list[float] = []
    reasons: set[str] = set()
    seen = satisfied_raw = pending = neutral_refunds = refunds = complaints = bad_reviews = (
        good_reviews
    ) = 0
    for o in orders:
        placed = o.placed_at
        if placed > as_of:
            continue
        seen += 1
        refunded_at = o.refunded_at
        refunded = False
        if refunded_at is not None and refunded_at <= as_of:
            refunded = True
            reason = o.refund_reason
            if reason in for_cause:
                refunds += 1
                reasons.add(reason)
                negative.append(w_refund * exp((refunded_at - as_of) * k))
            else:
                neutral_refunds += 1
        complained = False
        for c in o.complaints:
            if c.at <= as_of:
                complained = True
                if c.reason in for_cause:
                    complaints += 1
                    negative.append(w_complaint * exp((c.at - as_of) * k))
        # A rating without its date can't be placed in time, so it is not used (see facts gaps).
        reviewed_at = o.reviewed_at
        if reviewed_at is not None and reviewed_at <= as_of:
            rating, review_age = o.rating, reviewed_at - as_of
        else:
            rating, review_age = None, 0
        if rating is not None and rating <= bad_max:
            bad_reviews += 1
            negative.append(w_bad * exp(review_age * k))
            continue
        delivered_at = o.delivered_at
        if delivered_at is None or delivered_at > as_of:
            if not refunded:
                pending += 1
            continue
        if refunded or complained:
            continue
        # Satisfied: credit dated at delivery (when the buyer had the goods); a good review adds
        # its own, dated credit to the same order so the caps below limit both.
        satisfied_raw += 1
        w = exp((delivered_at - as_of) * k)
        credit = w_order * w
        if rating is not None and rating >= good_min:
            good_reviews += 1
            credit += w_good * exp(review_age * k)
        day = (placed + offset) // MS_PER_DAY
        month = _month_of_day(day)
        item = o.item_id
        key = (item, month, day // window) if item is not None else ((o.order_id,), month, 0)
        if credit > best.get(key, -1.0):
            best[key] = credit
        if delivered_at > month_latest.get(month, -1 << 62):
            month_latest[month] = delivered_at
        amount = o.amount
        spend_terms.append(amount * w)
        spend_raw.append(amount)

    ev.anything = ev.anything or seen > 0
    ev.satisfied_raw, ev.pending, ev.neutral_refunds = satisfied_raw, pending, neutral_refunds
    ev.refunds_for_cause, ev.complaints = refunds, complaints
    ev.bad_reviews, ev.good_reviews = bad_reviews, good_reviews
    ev.refund_reasons = tuple(sorted(reasons))
    if not best:
        return
    # Monthly cap: a month keeps its best few credits. "Sum of the k largest" can only grow when
    # an order is added, which keeps the score monotone in satisfied orders.
    per_month: dict[int, list[float]] = {}
    for (_, month, _), credit in best.items():
        per_month.setdefault(month, []).append(credit)
    cap = policy.anti_gaming.max_orders_per_month
    kept: list[float] = []
    for credits in per_month.values():
        if len(credits) > cap:
            credits.sort(reverse=True)
            ev.over_cap += len(credits) - cap
            kept.extend(credits[:cap])
        else:
            kept.extend(credits)
    ev.order_credit = _fsum(kept)
    ev.satisfied = len(best)
    ev.months = len(month_latest)
    ev.month_credit = pos.distinct_month * _fsum(
        [exp((t - as_of) * k) for t in month_latest.values()]
    )
    ev.spend = _fsum(spend_raw)
    ev.spend_credit = min(
        pos.spend_cap, pos.spend_weight * _log2(1.0 + _fsum(spend_terms) / pos.spend_unit_yuan)
    )


def _as_of_value(changes: tuple[TimedValue, ...], as_of: int) -> TimedValue | None:
    """The latest change at or before ``as_of``; on a tie in time the lower value wins
    (unfollow over follow, lower tier over higher: the cautious reading of an ambiguous log)."""
    latest: TimedValue | None = None
    for c in changes:
        if c.at <= as_of and (
            latest is None or c.at > latest.at or (c.at == latest.at and c.value < latest.value)
        ):
            latest = c
    return latest


def _follow_order(c: TimedValue) -> tuple[int, float]:
    return (c.at, -c.value)  # at one instant the unfollow applies last: the cautious reading


def _follow_since(changes: tuple[TimedValue, ...], as_of: int) -> int | None:
    """Start of the follow current at ``as_of`` (a repeated FOLLOWED keeps the first start)."""
    seen = [c for c in changes if c.at <= as_of]
    if len(seen) == 1:  # the common case: one follow, never undone
        return seen[0].at if seen[0].value > 0 else None
    since: int | None = None
    for c in sorted(seen, key=_follow_order):
        if c.value > 0:
            if since is None:
                since = c.at
        else:
            since = None
    return since


def _interactions(
    facts: PairFacts, policy: TrustPolicy, as_of: int, ev: _Evidence, negative: list[float]
) -> None:
    """Watch time, comments, follow age, fan-club tier (for) and confirmed reports (against)."""
    k = policy.decay.rate_per_ms  # weight 2^(-age/half_life) = exp(-age * k)
    pos = policy.positive
    if facts.watches:
        seen = [v for v in facts.watches if v.at <= as_of]
        if seen:
            ev.anything = True
            ev.watch_minutes = _fsum([v.value for v in seen])
            decayed = _fsum([v.value * _exp((v.at - as_of) * k) for v in seen])
            ev.watch_credit = min(
                pos.watch_cap, pos.watch_weight * _log2(1.0 + decayed / pos.watch_unit_minutes)
            )
    if facts.comments:
        weights = [_exp((t - as_of) * k) for t in facts.comments if t <= as_of]
        if weights:
            ev.anything = True
            ev.comments = len(weights)
            ev.comment_credit = min(
                pos.comment_cap, pos.comment_weight * _log2(1.0 + _fsum(weights))
            )
    if facts.follow_changes:
        since = _follow_since(facts.follow_changes, as_of)
        ev.anything = ev.anything or any(c.at <= as_of for c in facts.follow_changes)
        if since is not None:
            days = (as_of - since) / MS_PER_DAY
            ev.follow_days = days
            ev.follow_credit = pos.follow_weight * min(1.0, days / pos.follow_full_days)
    if facts.tier_changes:
        latest = _as_of_value(facts.tier_changes, as_of)
        if latest is not None:
            ev.anything = True
            ev.tier = max(0.0, latest.value)
            ev.tier_credit = (
                pos.fan_tier_weight * min(ev.tier, pos.fan_tier_full) / pos.fan_tier_full
            )
    # A confirmed false-ad report is against the host who made the claim; the store may list
    # reports for shop pairs too, but they do not say the shop misled anyone.
    if facts.confirmed_reports and facts.target_kind == HOST:
        w_report = policy.negative.confirmed_report
        for t in facts.confirmed_reports:
            if t <= as_of:
                ev.anything = True
                ev.reports += 1
                negative.append(w_report * _exp((t - as_of) * k))


def _meets(lp: LevelPolicy, score: float, confidence: float, satisfied: int, months: int) -> bool:
    return (
        score >= lp.min_score
        and confidence >= lp.min_confidence
        and satisfied >= lp.min_satisfied_orders
        and months >= lp.min_distinct_months
    )


def trust_level(
    score: float,
    confidence: float,
    satisfied_orders: int,
    distinct_months: int,
    policy: TrustPolicy,
) -> str:
    """STRANGER, ACQUAINTANCE or REGULAR: the highest level whose every threshold is met.

    Thresholds on score, confidence and plain counts at once (eBay-style minimum counts), so the
    level is monotone in each of them and always has a readable reason.
    """
    if _meets(policy.regular, score, confidence, satisfied_orders, distinct_months):
        return REGULAR
    if _meets(policy.acquaintance, score, confidence, satisfied_orders, distinct_months):
        return ACQUAINTANCE
    return STRANGER


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _shortfalls(
    lp: LevelPolicy, score: float, confidence: float, satisfied: int, months: int
) -> str:
    missing = []
    if score < lp.min_score:
        missing.append(f"score {lp.min_score:.2f} (has {score:.2f})")
    if confidence < lp.min_confidence:
        missing.append(f"confidence {lp.min_confidence:.2f} (has {confidence:.2f})")
    if satisfied < lp.min_satisfied_orders:
        missing.append(f"{_plural(lp.min_satisfied_orders, 'satisfied order')} (has {satisfied})")
    if months < lp.min_distinct_months:
        missing.append(f"{_plural(lp.min_distinct_months, 'distinct month')} (has {months})")
    return " and ".join(missing)


@lru_cache(maxsize=64)
def _thresholds(lp: LevelPolicy) -> str:
    """The level's requirements as text, once per policy rather than once per pair."""
    return (
        f"needs score {lp.min_score:.2f}, confidence {lp.min_confidence:.2f}, "
        f"{_plural(lp.min_satisfied_orders, 'satisfied order')} "
        f"over {_plural(lp.min_distinct_months, 'month')}"
    )


def _level_reason(
    lp: LevelPolicy | None,
    acquaintance: LevelPolicy,
    score: float,
    confidence: float,
    satisfied: int,
    months: int,
) -> tuple[str, str]:
    if lp is None:
        return (
            "LEVEL_STRANGER",
            "STRANGER: ACQUAINTANCE needs "
            + _shortfalls(acquaintance, score, confidence, satisfied, months),
        )
    return (
        "LEVEL_" + lp.name,
        f"{lp.name}: score {score:.2f}, confidence {confidence:.2f}, "
        f"{_plural(satisfied, 'satisfied order')} over {_plural(months, 'month')} ("
        + _thresholds(lp)
        + ")",
    )


def _next_level(
    lp: LevelPolicy,
    r: float,
    s: float,
    w: float,
    a: float,
    satisfied: int,
    months: int,
    credit_per_order: float,
) -> str:
    """What would reach level ``lp``: how many fresh satisfied orders, and in how many new months.

    Each fresh order is taken to be worth ``credit_per_order`` of r (its order and new-month
    credit; spend, reviews and interactions are left out, so the hint errs toward asking for more)
    and the thresholds are solved for r: confidence 1 - W/(r+s+W) >= c  <=>  r >= W*c/(1-c) - s;
    score (r + a*W)/(r+s+W) >= e  <=>  r >= (e*(s+W) - a*W)/(1-e).
    """
    for_counts = max(lp.min_satisfied_orders - satisfied, 0)
    new_months = max(lp.min_distinct_months - months, 0)
    orders = max(for_counts, new_months)
    c, e = lp.min_confidence, lp.min_score
    extra_r = max(0.0, w * c / (1.0 - c) - s - r, (e * (s + w) - a * w) / (1.0 - e) - r)
    if extra_r > 1e-12:
        if credit_per_order <= 0.0:
            return f"no path to {lp.name}: positive evidence from this account is weighted 0"
        needed = extra_r / credit_per_order
        if needed > _MAX_HINT_ORDERS:  # a near-zero buyer weight: a count would be meaningless
            return (
                f"no practical path to {lp.name}: over {_MAX_HINT_ORDERS} more satisfied orders "
                "at this account's weight"
            )
        for_evidence = math.ceil(needed - 1e-9)
        if for_evidence > orders:
            # The credit assumed a new month per order, so say so.
            orders = new_months = for_evidence
    orders = max(orders, 1)  # float edge: all thresholds met within rounding
    if new_months == 0 or (orders == 1 and months == 0):
        what = _plural(orders, "more satisfied order")
    elif new_months == orders:
        what = (
            "1 more satisfied order in a new month"
            if orders == 1
            else f"{orders} more satisfied orders in different months"
        )
    else:
        where = (
            "1 of them in a new month" if new_months == 1 else f"{new_months} of them in new months"
        )
        what = f"{orders} more satisfied orders, {where}"
    return f"{what} to become {lp.name}"


def _evidence_reasons(
    ev: _Evidence, policy: TrustPolicy, buyer_weight: float
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not ev.anything:
        out.append(
            ("NO_HISTORY", "no orders, interactions or reports yet: trust rests on the base rate")
        )
        return out
    if ev.satisfied_raw:
        out.append(
            (
                "SATISFIED_ORDERS",
                f"{_plural(ev.satisfied, 'satisfied order')} over {_plural(ev.months, 'month')}",
            )
        )
        repeats = ev.satisfied_raw - ev.satisfied
        if repeats:
            out.append(
                (
                    "SAME_ITEM_REPEATS",
                    f"{_plural(repeats, 'repeat purchase')} of the same item in the same "
                    f"{policy.anti_gaming.same_item_window_days}-day period counted once",
                )
            )
        if ev.over_cap:
            out.append(
                (
                    "MONTHLY_CAP",
                    f"{_plural(ev.over_cap, 'order')} beyond "
                    f"{policy.anti_gaming.max_orders_per_month} a month earned no order credit",
                )
            )
        out.append(("SPEND", f"{ev.spend:.0f} yuan spent on satisfied orders"))
    if ev.good_reviews:
        out.append(
            (
                "GOOD_REVIEWS",
                f"{_plural(ev.good_reviews, 'review')} of "
                f"{policy.positive.good_review_min_stars} stars or more",
            )
        )
    if ev.pending:
        out.append(
            ("PENDING_ORDERS", f"{_plural(ev.pending, 'order')} not delivered yet (neutral)")
        )
    if ev.neutral_refunds:
        out.append(
            (
                "NO_FAULT_REFUNDS",
                f"{_plural(ev.neutral_refunds, 'refund')} for buyer remorse or other "
                "reasons (neutral)",
            )
        )
    if ev.refunds_for_cause:
        out.append(
            (
                "REFUNDS_FOR_CAUSE",
                f"{_plural(ev.refunds_for_cause, 'refund')} for cause "
                f"({', '.join(ev.refund_reasons)})",
            )
        )
    if ev.complaints:
        out.append(("COMPLAINTS", f"{_plural(ev.complaints, 'complaint')} for cause"))
    if ev.bad_reviews:
        out.append(
            (
                "BAD_REVIEWS",
                f"{_plural(ev.bad_reviews, 'review')} of "
                f"{policy.negative.bad_review_max_stars} stars or fewer",
            )
        )
    if ev.reports:
        out.append(
            (
                "CONFIRMED_REPORTS",
                f"{_plural(ev.reports, 'false-advertising report')} by this buyer "
                "confirmed against the host",
            )
        )
    if ev.watch_minutes:
        out.append(("WATCH_TIME", f"{ev.watch_minutes:.0f} minutes watched"))
    if ev.comments:
        out.append(("COMMENTS", _plural(ev.comments, "comment")))
    if ev.follow_days is not None:
        out.append(("FOLLOWING", f"following for {ev.follow_days:.0f} days"))
    if ev.tier:
        out.append(("FAN_CLUB", f"fan-club tier {ev.tier:g}"))
    if buyer_weight < 1.0:
        out.append(
            (
                "BUYER_WEIGHT",
                f"positive evidence weighted {buyer_weight:.2f} (account looks throwaway)",
            )
        )
    return out


def score_pair(
    facts: PairFacts,
    policy: TrustPolicy,
    as_of: int,
    *,
    platform_base_rate: float | None = None,
    buyer_weight: float = 1.0,
) -> PairTrust:
    """Score one buyer's trust toward one host or shop as of ``as_of`` (epoch ms UTC).

    Subjective logic over beta reputation (Jøsang & Ismail 2002): decayed evidence for (r) and
    against (s), weight 2^(-age/half_life), opinion b, d, u with prior weight W, score
    E = b + a*u. ``a`` is the policy's neutral base rate for a host and ``platform_base_rate``
    (see :func:`platform_trust`; default: the policy's platform base) for a shop.
    ``buyer_weight`` in [0, 1] scales the buyer's positive evidence (throwaway-account detection).
    Caps from Taobao's per-pair rules (same item within a short period once, a monthly cap) and
    eBay-style minimum counts for levels; see docs/trust-model.md.
    """
    kind = facts.target_kind
    if kind == SHOP:
        a = policy.platform.base if platform_base_rate is None else platform_base_rate
        if not 0.0 <= a <= 1.0:
            raise ValueError(f"platform_base_rate must be in [0, 1] (got {platform_base_rate!r})")
    elif kind == HOST:
        if platform_base_rate is not None:
            raise ValueError(
                "platform_base_rate applies to SHOP pairs only (a host has no trust rights)"
            )
        a = policy.model.neutral_base_rate
    else:
        raise ValueError(f"target_kind must be HOST or SHOP (got {kind!r})")
    if not 0.0 <= buyer_weight <= 1.0:
        raise ValueError(f"buyer_weight must be in [0, 1] (got {buyer_weight!r})")

    ev = _Evidence()
    negative: list[float] = []
    if facts.orders:
        _orders(facts.orders, policy, as_of, ev, negative)
    _interactions(facts, policy, as_of, ev, negative)

    w = policy.model.prior_weight
    r = buyer_weight * ev.positive
    s = _fsum(negative)
    total = r + s + w
    belief, disbelief, uncertainty = r / total, s / total, w / total
    score = min(1.0, belief + a * uncertainty)  # b + u can round to 1 + 1 ulp when a = 1
    confidence = 1.0 - uncertainty
    distrust = disbelief >= policy.distrust.min_disbelief and disbelief > belief

    acq, reg = policy.acquaintance, policy.regular
    n, m = ev.satisfied, ev.months
    level = trust_level(score, confidence, n, m, policy)
    if level == REGULAR:
        level_policy, target = reg, None
    elif level == ACQUAINTANCE:
        level_policy, target = acq, reg
    else:
        level_policy, target = None, acq

    reasons = _evidence_reasons(ev, policy, buyer_weight)
    if kind == SHOP:
        reasons.append(
            (
                "PLATFORM_TRUST",
                f"platform trust {a:.2f} (from the shop's trust rights) fills the "
                f"{uncertainty:.0%} of the opinion the buyer's own evidence leaves open",
            )
        )
    if distrust:
        reasons.append(
            (
                "DISTRUST",
                f"disbelief {disbelief:.2f} outweighs belief {belief:.2f}: evidence against",
            )
        )
    reasons.append(_level_reason(level_policy, acq, score, confidence, n, m))
    next_level = (
        None
        if target is None
        else _next_level(
            target,
            r,
            s,
            w,
            a,
            n,
            m,
            (policy.positive.satisfied_order + policy.positive.distinct_month) * buyer_weight,
        )
    )

    return PairTrust(
        buyer_id=facts.buyer_id,
        target_id=facts.target_id,
        target_kind=kind,
        level=level,
        score=score,
        confidence=confidence,
        belief=belief,
        disbelief=disbelief,
        uncertainty=uncertainty,
        distrust=distrust,
        personal_score=min(1.0, belief + policy.model.neutral_base_rate * uncertainty),
        platform_trust=a if kind == SHOP else None,
        reasons=tuple(reasons),
        next_level=next_level,
        satisfied_orders=n,
        distinct_months=m,
        evidence_for=r,
        evidence_against=s,
        as_of=as_of,
        policy_version=policy.version,
    )
