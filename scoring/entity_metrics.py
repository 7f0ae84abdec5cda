"""A shop's or host's record over the policy's windows: the evidence badges and boosts use.

One pass over the orders (linear, a few dict look-ups per order), as of ``as_of``: a fact whose
time is after ``as_of`` is ignored, so the same facts answer "as of" any past date.

Windows (all half-open, ``(as_of - days, as_of]``):

* the **evidence window** (``metrics.window_days``, 90 d as TikTok Shop's SPS volume gate) holds
  orders, delivered orders, buyers, repurchase, regulars, inspections and confirmed false-ad
  reports;
* the **after-sales window** (``metrics.after_sales_window_days``, 60 d as TikTok's refund and
  negative-review metrics and Amazon's order defect rate) holds refunds, returns, complaints and
  reviews;
* the **violation window** (``metrics.violation_window_days``, 365 d) holds penalties, long
  enough that a repeat offender cannot space offences out to always look like a first one.

Order-linked rates are *cohort* rates, as eBay's transaction defect rate: the denominator is the
orders placed in the window and the numerator those of them with the outcome (refund, return,
complaint) recorded by ``as_of``. Each order counts once whatever the number of complaints, so
every rate lies in [0, 1]. Recent orders have had less time to be refunded; that bias is the same
for every shop, and the alternative (counting refunds by their own date) lets a shop whose sales
collapsed show a rate above 100%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scoring.entity_policy import EntityPolicy
from scoring.facts import FOR_CAUSE_REASONS, MS_PER_DAY, EntityFacts, OrderFact, Penalty

__all__ = ["EntityMetrics", "binomial_tail", "compute_metrics", "is_regular"]

_REGULAR = "REGULAR"


@dataclass(frozen=True, slots=True)
class EntityMetrics:
    """Weighted evidence about one shop or host as of ``as_of``.

    Counts named as plain nouns (``orders``, ``buyers``, ``refunds`` ...) are *weighted* sums,
    so they may be fractional (see :func:`compute_metrics`); ``raw_orders`` and
    ``excluded_orders`` are plain counts. A rate is ``None`` when its denominator is zero: no
    evidence is not a perfect record.
    """

    entity_id: str
    kind: str
    as_of: int
    window_days: int
    after_sales_window_days: int
    violation_window_days: int
    # evidence window
    raw_orders: int  # orders placed in the window, low-weight buyers included
    excluded_orders: int  # of those, orders from buyers below metrics.min_buyer_weight
    orders: float
    delivered_orders: float  # delivered by as_of
    buyers: float
    repeat_buyers: float  # ordered on >= 2 distinct platform-time days in the window
    repurchase_rate: float | None
    regular_buyers: float | None  # None when no levels were given
    regular_share: float | None
    inspections: float
    inspections_passed: float
    inspection_pass_rate: float | None
    confirmed_false_ads: int
    # Of the delivered orders, those from single-target accounts (every order at this entity)
    # and new ones (a first order here within buyers.new_account_days of registering, passed as
    # ``facts.new_buyers``), weighted, and their share.
    dependent_delivered_orders: float
    dependent_share: float | None
    # after-sales window
    after_sales_orders: float
    refunds: float
    refund_rate: float | None
    for_cause_refunds: float
    for_cause_refund_rate: float | None
    for_cause_refund_buyers: float  # distinct buyers with a for-cause refund, weighted
    returns: float
    return_rate: float | None
    complaint_orders: float  # orders with at least one for-cause complaint
    complaint_rate: float | None
    complaint_buyers: float
    reviews: float
    review_average: float | None  # plain weighted mean of stars
    review_score: float  # Bayesian average, damped toward metrics.review_prior_mean
    # violation window
    violations: tuple[Penalty, ...]  # sorted by (at, severity, code)
    max_violation_severity: int  # 0 when none
    # The claim-burst test (policy v3): of the after-sales window's buyers without a history
    # (claims counted below their weight), how many there were and how many claimed, the
    # others' claim rate, the test's p-value (None: not tested), and whether their claims were
    # left out as a burst.
    unproven_buyers: int = 0
    unproven_claimants: int = 0
    proven_claim_rate: float | None = None
    claim_burst_p_value: float | None = None
    claim_burst: bool = False
    # Policy v3 (rings.own_claims_at_targets): members of a group found at this entity, left out
    # as evidence, whose claims here count at their own credibility (see compute_metrics, Claims).
    group_witnesses: int = 0

    @property
    def inspections_failed(self) -> float:
        return self.inspections - self.inspections_passed


def is_regular(level: object) -> bool:
    """True for the ``REGULAR`` trust level, given as a string or an enum member."""
    if level == _REGULAR:
        return True
    return getattr(level, "name", None) == _REGULAR or getattr(level, "value", None) == _REGULAR


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (no cancellation for tiny tails)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    lgn = math.lgamma(n + 1)
    total = 0.0
    for i in range(k, n + 1):
        term = math.exp(lgn - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq)
        total += term
        if term < total * 1e-17:
            break
    return min(1.0, total)


def _rate(num: float, den: float) -> float | None:
    # min(): weighted float sums can overshoot 1 by an ulp.
    return min(1.0, num / den) if den > 0 else None


def _ruling(o: OrderFact, as_of: int) -> str | None:
    """The platform's ruling on the order's dispute in force at ``as_of`` (None: none yet)."""
    return o.ruling if o.ruled_at is None or o.ruled_at <= as_of else None


def _claims(o: OrderFact, as_of: int) -> bool:
    """Whether the order carries a for-cause claim by ``as_of`` that no ruling threw out."""
    if _ruling(o, as_of) == "FOR_SELLER":
        return False
    r = o.refunded_at
    if r is not None and r <= as_of and o.refund_reason in FOR_CAUSE_REASONS:
        return True
    return any(c.at <= as_of and c.reason in FOR_CAUSE_REASONS for c in o.complaints)


def _witnesses(facts: EntityFacts, min_w: float, as_start: int, as_of: int) -> dict[str, float]:
    """The group members whose claims count here (see compute_metrics, Witnesses): buyer ->
    its own credibility."""
    bw = facts.buyer_weights
    members = {
        b: c for b, c in facts.claim_weights.items() if c >= min_w and bw.get(b, 1.0) < min_w
    }
    if not members:
        return {}
    present: set[str] = set()
    claimers: set[str] = set()
    for o in facts.orders:
        b = o.buyer_id
        if b in members and as_start < o.placed_at <= as_of:
            present.add(b)
            if _claims(o, as_of):
                claimers.add(b)
    if 2 * len(claimers) > len(present):
        return {}  # most of them claim: a crowd against the entity, not buyers swept in
    return {b: min(1.0, members[b]) for b in sorted(claimers)}


def compute_metrics(
    facts: EntityFacts,
    policy: EntityPolicy,
    as_of: int,
    *,
    levels: Mapping[str, object] | None = None,
) -> EntityMetrics:
    """Compute an entity's metrics over the policy's windows, as of ``as_of`` (epoch ms UTC).

    Parameters
    ----------
    facts:
        The entity's orders (with outcomes), reports and penalties.
    policy:
        The loaded policy; only ``policy.metrics`` is read.
    as_of:
        Evaluation time. Orders placed after it, and outcomes, reviews, complaints,
        inspections, reports and penalties dated after it, are ignored.
    levels:
        Optional ``buyer_id -> trust level`` toward this entity, computed elsewhere (the pair
        model). ``regular_share`` is the weighted share of the window's buyers at ``REGULAR``;
        without it, ``regular_buyers`` and ``regular_share`` are ``None``.

    Anti-gaming weights
    -------------------
    Each order counts with its buyer's weight ``w = facts.buyer_weights.get(buyer, 1.0)``,
    clipped to [0, 1]. A buyer with ``w < metrics.min_buyer_weight`` is excluded outright, as
    TikTok Shop leaves fake, sample and gift orders out of its Shop Performance Score; above the
    cut-off an order is ``w`` of an order, so a half-trusted account's purchase is half the
    evidence. Every count (orders, delivered orders, buyers, refunds, reviews, inspections ...)
    is such a weighted sum, minimum counts included, so brushing cannot fill a volume gate, and
    a rate is a weighted numerator over a weighted denominator. A review counts ``w`` times its
    stars in the Bayesian average; a buyer counts once (with ``w``) in ``buyers`` whatever its
    number of orders.

    Repurchase
    ----------
    ``repurchase_rate`` is the weighted share of the evidence window's buyers who ordered from
    this entity on at least two distinct days, days taken in platform time (UTC +
    ``metrics.day_offset_hours``, +8 for Beijing), within the window; as the seed report and
    Kuaishou's published repurchase figures define it. Two orders the same evening are one visit.

    Reviews
    -------
    ``review_score = (C*m + sum(w*stars)) / (C + sum(w))`` with prior mean ``m`` and prior weight
    ``C`` (a Bayesian average): a shop with three 5-star reviews scores near ``m``, not 5.0.

    Claims
    ------
    For-cause refunds, complaints and reviews are the buyer's word against the shop's. They count
    with the buyer's *claim weight* ``facts.claim_weights.get(buyer, w)`` (policy v2: lower for an
    account without a history on the platform), and not at all below ``min_buyer_weight``, while
    the order itself still counts ``w`` in the denominators: a crowd of one-order accounts cannot
    file a shop out of its badge (review bombing). A platform ruling on the order's dispute
    (``DISPUTE_RULED``, by ``as_of``) replaces the claim's credibility with a verdict: FOR_BUYER
    counts the claims at the buyer's full weight ``w`` (verified, not claimed), FOR_SELLER not at
    all.

    A *burst* (policy v3, ``metrics.claim_burst_max_p_value``): the claims of accounts without a
    history count a fifth, but a crowd of them still adds up (review bombing by accounts that
    sit in the room). When more of the window's accounts without a history claim (a for-cause
    refund or complaint) than the rate at which the entity's other buyers claim explains
    (binomial tail at most the policy's p-value; the others' rate with one claim as a prior), the
    claims and reviews of every account without a history are left out of the window's counts,
    and the metrics say so; rulings still count.

    *Witnesses* (policy v3, ``rings.own_claims_at_targets``): a member of a ring or group found at
    this entity weighs below ``min_buyer_weight`` and is left out, but its claims here carry the
    account's own credibility (in ``claim_weights``, above its weight). A shill does not complain
    about the shop it pumps: when the members who claimed are at most half of the group's members
    in the after-sales window, they are honest buyers the group swept in (refund hiding arrives
    beside the shop's complainers to take them out of the rate), and their after-sales orders,
    claims and reviews count at that credibility, inside the burst test; their orders still add
    nothing to volume, buyers or inspections. A group most of whose members claim is a bombing
    crowd, and stays out.

    Complexity: O(orders + complaints + inspections + reports + penalties), one pass.
    """
    mp = policy.metrics
    start = as_of - mp.window_days * MS_PER_DAY
    as_start = as_of - mp.after_sales_window_days * MS_PER_DAY
    v_start = as_of - mp.violation_window_days * MS_PER_DAY
    offset = mp.day_offset_hours * 3_600_000
    min_w = mp.min_buyer_weight
    bw = facts.buyer_weights
    cws = facts.claim_weights
    for_cause = FOR_CAUSE_REASONS

    first_day: dict[str, int] = {}  # buyer -> first day seen; -1 once a second day is seen
    single = facts.single_target_buyers
    new = facts.new_buyers
    dependent = 0.0
    # buyer -> the weight its claims counted with (a ruling can make one order count more)
    fc_buyers: dict[str, float] = {}
    cp_buyers: dict[str, float] = {}
    raw = excluded = 0
    n = delivered = 0.0
    insp = insp_ok = 0.0
    as_n = refunds = fc_refunds = returns = complained = 0.0
    rev_n = rev_sum = 0.0
    # What the claims of accounts without a history add (left out in a burst), and
    # who placed after-sales orders and claimed, with and without a history.
    u_fc_refunds = u_complained = u_rev_n = u_rev_sum = 0.0
    unproven: set[str] = set()
    proven: set[str] = set()
    u_claimants: set[str] = set()
    p_claimants: set[str] = set()
    witnesses = _witnesses(facts, min_w, as_start, as_of) if cws and bw else {}

    for o in facts.orders:
        t = o.placed_at
        if t > as_of or t <= start:
            continue
        raw += 1
        b = o.buyer_id
        # Most buyers have no recorded weight: look them up in the (small) weights mapping rather
        # than caching every buyer, which costs a second large-dict access per order.
        w = bw.get(b) if bw else None
        witness = False
        if w is None:
            w = 1.0
        elif w < min_w:
            excluded += 1
            w = witnesses.get(b) if witnesses else None
            if w is None or t <= as_start:
                continue
            witness = True  # after-sales only, at its own credibility
        elif w > 1.0:
            w = 1.0
        if not witness:
            n += w
            d = o.delivered_at
            if d is not None and d <= as_of:
                delivered += w
                if b in single or b in new:
                    dependent += w
            day = (t + offset) // MS_PER_DAY
            fd = first_day.get(b)
            if fd is None:
                first_day[b] = day
            elif fd != day:
                first_day[b] = -1
            if o.inspections:
                for i in o.inspections:
                    if i.at <= as_of:
                        insp += w
                        if i.passed:
                            insp_ok += w
            if t <= as_start:
                continue
        as_n += w
        cw = w
        doubted = False  # a claim of an account without a history, not ruled on
        ruling = _ruling(o, as_of)
        if ruling is not None:
            cw = w if ruling == "FOR_BUYER" else 0.0
        elif witness:
            doubted = w < 1.0
        elif cws:
            c_w = cws.get(b)
            if c_w is not None:
                cw = min(w, c_w) if c_w >= min_w else 0.0
                doubted = c_w < w
        (unproven if doubted else proven).add(b)
        claimed = False
        r = o.refunded_at
        if r is not None and r <= as_of:
            refunds += w
            if o.refund_reason in for_cause and cw > 0.0:
                if doubted:
                    u_fc_refunds += cw
                else:
                    fc_refunds += cw
                fc_buyers[b] = max(cw, fc_buyers.get(b, 0.0))
                claimed = True
            if o.returned:
                returns += w
        if o.complaints and cw > 0.0:
            for c in o.complaints:
                if c.at <= as_of and c.reason in for_cause:
                    if doubted:
                        u_complained += cw
                    else:
                        complained += cw
                    cp_buyers[b] = max(cw, cp_buyers.get(b, 0.0))
                    claimed = True
                    break
        if claimed:
            (u_claimants if doubted else p_claimants).add(b)
        s = o.rating
        if s is not None and cw > 0.0:
            ra = o.reviewed_at
            if ra is None or ra <= as_of:
                if doubted:
                    u_rev_n += cw
                    u_rev_sum += cw * s
                else:
                    rev_n += cw
                    rev_sum += cw * s

    # The burst test, over accounts (a buyer with a history on one order is proven on all).
    unproven -= proven
    u_claimants -= p_claimants
    proven_rate: float | None = None
    burst_p: float | None = None
    burst = False
    if mp.claim_burst_max_p_value is not None and len(u_claimants) >= 2:
        proven_rate = (len(p_claimants) + 1) / (len(proven) + 2)
        burst_p = binomial_tail(len(u_claimants), len(unproven), proven_rate)
        burst = burst_p <= mp.claim_burst_max_p_value
    # Kept apart and added only when there is no burst: subtracting them again left float noise.
    if not burst:
        fc_refunds += u_fc_refunds
        complained += u_complained
        rev_n += u_rev_n
        rev_sum += u_rev_sum
    else:
        for b in u_claimants:
            fc_buyers.pop(b, None)
            cp_buyers.pop(b, None)

    def weight(b: str) -> float:  # only for buyers seen in the window, hence not excluded
        return min(1.0, bw.get(b, 1.0))

    buyers = repeat = 0.0
    if bw:
        for b, fd in first_day.items():
            w = weight(b)
            buyers += w
            if fd == -1:
                repeat += w
    else:
        buyers = float(len(first_day))
        repeat = float(sum(1 for fd in first_day.values() if fd == -1))
    regular_buyers: float | None = None
    if levels is not None:
        regular_buyers = 0.0
        for b in first_day:
            lv = levels.get(b)
            if lv is not None and is_regular(lv):
                regular_buyers += weight(b)

    false_ads = 0
    for rep in facts.reports:
        if start < rep.at <= as_of and rep.value >= 1:
            false_ads += 1

    violations = tuple(
        sorted(
            (p for p in facts.penalties if v_start < p.at <= as_of),
            key=lambda p: (p.at, p.severity, p.code),
        )
    )

    prior_w = mp.review_prior_weight
    return EntityMetrics(
        entity_id=facts.entity_id,
        kind=facts.kind,
        as_of=as_of,
        window_days=mp.window_days,
        after_sales_window_days=mp.after_sales_window_days,
        violation_window_days=mp.violation_window_days,
        raw_orders=raw,
        excluded_orders=excluded,
        orders=n,
        delivered_orders=delivered,
        buyers=buyers,
        repeat_buyers=repeat,
        repurchase_rate=_rate(repeat, buyers),
        regular_buyers=regular_buyers,
        regular_share=None if regular_buyers is None else _rate(regular_buyers, buyers),
        inspections=insp,
        inspections_passed=insp_ok,
        inspection_pass_rate=_rate(insp_ok, insp),
        confirmed_false_ads=false_ads,
        dependent_delivered_orders=dependent,
        dependent_share=_rate(dependent, delivered),
        after_sales_orders=as_n,
        refunds=refunds,
        refund_rate=_rate(refunds, as_n),
        for_cause_refunds=fc_refunds,
        for_cause_refund_rate=_rate(fc_refunds, as_n),
        for_cause_refund_buyers=sum(fc_buyers[b] for b in sorted(fc_buyers)),
        returns=returns,
        return_rate=_rate(returns, as_n),
        complaint_orders=complained,
        complaint_rate=_rate(complained, as_n),
        complaint_buyers=sum(cp_buyers[b] for b in sorted(cp_buyers)),
        reviews=rev_n,
        review_average=(rev_sum / rev_n) if rev_n > 0 else None,
        review_score=(prior_w * mp.review_prior_mean + rev_sum) / (prior_w + rev_n)
        if prior_w + rev_n > 0
        else mp.review_prior_mean,
        violations=violations,
        unproven_buyers=len(unproven),
        unproven_claimants=len(u_claimants),
        proven_claim_rate=proven_rate,
        claim_burst_p_value=burst_p,
        claim_burst=burst,
        group_witnesses=len(witnesses),
        max_violation_severity=max((p.severity for p in violations), default=0),
    )
