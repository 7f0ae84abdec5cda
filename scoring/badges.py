"""Badge eligibility (with hysteresis) and the traffic boost of a shop or host.

``decide_badges`` turns :class:`~scoring.entity_metrics.EntityMetrics` into a
:class:`BadgeDecision`: for every badge of the policy, held or not, since when, the rules that
fired (a stable reason code and a sentence each) and, for a badge not held or at risk, what is
missing. ``decide_boost`` turns metrics and badges into a :class:`Boost`: a multiplier, a tier,
hourly-leaderboard eligibility and the reasons.

Rules follow the published seller programmes (docs/_trust-model-entities.md, ANCHORS.md):

* **minimum counts before a rate applies**: a volume gate (TikTok Shop SPS: >= 30 delivered
  orders in 90 days) for badges, and for a bad-outcome rate an allowance of affected buyers
  below which the rate is not held against the entity (eBay Top Rated Seller: defect rate
  <= 0.5% *and* <= 3 unique buyers: a shop with 2 orders and 1 refund is not "50% refunds");
* **hysteresis**: a held badge whose *soft* rules (volumes, rates, reviews) fail stays for
  ``grace_days`` from the first failing evaluation, so badges do not flap on noise (eBay
  re-evaluates Top Rated status monthly, so a slip shows only at the next evaluation); passing
  again resets the grace. *Hard* rules end a badge at once, because the badge would otherwise
  promise buyers something untrue: the required trust rights were withdrawn, the entity is no
  longer of the badge's kind or category, or it has a violation above the allowed severity
  (TikTok's Star Shop requires "no major violations");
* **repeat offenders punished harder** (累犯从严, Kuaishou's governance principle): the k-th
  violation in the violation window costs ``escalation_factor ** (k - 1)`` times its severity's
  cost.

``BadgeState`` is the small value the store persists between evaluations (per held badge:
``since`` and ``failing_since``). A previous state newer than ``as_of`` is ignored, so
replaying a past date never uses knowledge from after it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from scoring.entity_metrics import EntityMetrics
from scoring.entity_policy import BadgePolicy, EntityPolicy
from scoring.facts import MS_PER_DAY

__all__ = [
    "BadgeDecision",
    "BadgeResult",
    "BadgeState",
    "Boost",
    "HeldBadge",
    "Reason",
    "Tier",
    "decide_badges",
    "decide_boost",
]

Tier = Literal["SUPPRESSED", "NONE", "STANDARD", "PREFERRED"]


@dataclass(frozen=True, slots=True)
class Reason:
    """A rule that fired: a stable ``code`` clients can match on, and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class HeldBadge:
    """Hysteresis state of one held badge: held since ``since``; failing since ``failing_since``
    (``None`` while its rules pass)."""

    badge: str
    since: int
    failing_since: int | None = None


@dataclass(frozen=True, slots=True)
class BadgeState:
    """What the store keeps between two evaluations of one entity (badges not held are absent)."""

    as_of: int
    held: tuple[HeldBadge, ...] = ()  # sorted by badge name

    def get(self, badge: str) -> HeldBadge | None:
        for h in self.held:
            if h.badge == badge:
                return h
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of,
            "held": [
                {"badge": h.badge, "since": h.since, "failingSince": h.failing_since}
                for h in self.held
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BadgeState:
        held = (
            HeldBadge(
                str(h["badge"]),
                int(h["since"]),
                None if h.get("failingSince") is None else int(h["failingSince"]),
            )
            for h in data.get("held", ())
        )
        return cls(as_of=int(data["asOf"]), held=tuple(sorted(held, key=lambda h: h.badge)))


@dataclass(frozen=True, slots=True)
class BadgeResult:
    badge: str
    applicable: bool  # the entity's kind and category can hold this badge at all
    held: bool
    since: int | None
    failing_since: int | None  # set while held in grace
    grace_period_ends_at: int | None  # the badge is lost at this time unless its rules pass again
    reasons: tuple[Reason, ...]  # the lifecycle reason first, then every rule evaluated
    missing: tuple[Reason, ...]  # what to fix, for a badge not held or held in grace


@dataclass(frozen=True, slots=True)
class BadgeDecision:
    entity_id: str
    kind: str
    as_of: int
    policy_version: str
    badges: tuple[BadgeResult, ...]  # every badge of the policy, in policy order
    state: BadgeState  # persist this; pass it as ``previous`` next time

    @property
    def held(self) -> frozenset[str]:
        return frozenset(b.badge for b in self.badges if b.held)

    def result(self, badge: str) -> BadgeResult:
        for b in self.badges:
            if b.badge == badge:
                return b
        raise KeyError(badge)


@dataclass(frozen=True, slots=True)
class Boost:
    entity_id: str
    as_of: int
    policy_version: str
    multiplier: float
    tier: Tier
    leaderboard_eligible: bool
    reasons: tuple[Reason, ...]


# --- formatting ---------------------------------------------------------------------------------

_EPS = 1e-9


def _n(x: float) -> str:
    """A weighted count for people: 12, or 11.5 when buyer weights made it fractional."""
    r = round(x)
    return str(int(r)) if abs(x - r) < 1e-6 else f"{x:.1f}"


def _pct(r: float | None) -> str:
    return "n/a" if r is None else f"{r * 100:.1f}%"


def _more(have: float, need: float) -> int:
    return max(1, math.ceil(need - have - _EPS))


def _plural(k: float, word: str) -> str:
    return f"{_n(k)} {word}" if abs(k - 1) < 1e-6 else f"{_n(k)} {word}s"


def _date(ms: int, offset_hours: int) -> str:
    # Platform-time calendar date: sellers read their deadlines in Beijing time.
    return (
        datetime.fromtimestamp(ms / 1000, tz=timezone(timedelta(hours=offset_hours)))
        .date()
        .isoformat()
    )


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Check:
    rule: str
    passed: bool
    hard: bool
    message: str
    missing: str | None = None

    def reason(self) -> Reason:
        return Reason(f"{self.rule}_{'MET' if self.passed else 'NOT_MET'}", self.message)


def _min_count(rule: str, have: float, need: float, noun: str, days: int) -> _Check:
    """A volume gate; ``noun`` is singular ("delivered order")."""
    if have + _EPS >= need:
        return _Check(
            rule, True, False, f"{_plural(have, noun)} in {days} days (minimum {_n(need)})"
        )
    k = _more(have, need)
    return _Check(
        rule,
        False,
        False,
        f"only {_plural(have, noun)} in {days} days (minimum {_n(need)})",
        f"needs {k} more {noun}{'' if k == 1 else 's'} in {days} days",
    )


def _max_rate(
    rule: str,
    what: str,
    num: float,
    den: float,
    rate: float | None,
    buyers: float,
    max_rate: float,
    allowance: float,
    days: int,
) -> _Check:
    """A bad-outcome rate fails only above ``max_rate`` *and* above ``allowance`` buyers (eBay)."""
    head = (
        f"{what} {_pct(rate)} ({_n(num)} of {_n(den)} orders in {days} days, "
        f"{_plural(buyers, 'buyer')})"
    )
    if rate is None or rate <= max_rate + _EPS:
        return _Check(rule, True, False, f"{head} is within {_pct(max_rate)}")
    if buyers <= allowance + _EPS:
        return _Check(
            rule,
            True,
            False,
            f"{head} is above {_pct(max_rate)} but not held against it: "
            f"at most {_plural(allowance, 'buyer')} affected is allowed",
        )
    fixes = [f"at most {_plural(allowance, 'buyer')} affected"]
    if max_rate > 0:
        clean = _more(den, num / max_rate)
        fixes.insert(0, f"about {clean} more orders without one in {days} days")
    return _Check(
        rule,
        False,
        False,
        f"{head} is above {_pct(max_rate)} and affects more than {_plural(allowance, 'buyer')}",
        f"needs the {what} at or below {_pct(max_rate)}: {', or '.join(fixes)}",
    )


def _checks(
    b: BadgePolicy, m: EntityMetrics, policy: EntityPolicy, rights: frozenset[str]
) -> list[_Check]:
    out: list[_Check] = []
    days, as_days, v_days = m.window_days, m.after_sales_window_days, m.violation_window_days
    tz = policy.metrics.day_offset_hours
    if b.required_rights:
        lacking = sorted(b.required_rights - rights)
        if lacking:
            out.append(
                _Check(
                    "REQUIRED_RIGHTS",
                    False,
                    True,
                    f"lacks the required rights {', '.join(lacking)}",
                    f"needs the trust rights {', '.join(lacking)} opened",
                )
            )
        else:
            out.append(
                _Check(
                    "REQUIRED_RIGHTS",
                    True,
                    True,
                    f"has the required rights {', '.join(sorted(b.required_rights))}",
                )
            )
    if b.min_trust_rights is not None:
        have = sorted(b.trust_rights & rights)
        need = b.min_trust_rights
        listed = ", ".join(have) if have else "none"
        msg = f"{_plural(len(have), 'trust right')} open ({listed}; minimum {need})"
        if len(have) >= need:
            out.append(_Check("TRUST_RIGHTS", True, True, msg))
        else:
            k = need - len(have)
            out.append(
                _Check(
                    "TRUST_RIGHTS",
                    False,
                    True,
                    msg,
                    f"needs {k} more trust right{'s' if k > 1 else ''} opened "
                    f"(any of {', '.join(sorted(b.trust_rights - rights))})",
                )
            )
    if b.min_delivered_orders is not None:
        out.append(
            _min_count(
                "MIN_DELIVERED_ORDERS",
                m.delivered_orders,
                b.min_delivered_orders,
                "delivered order",
                days,
            )
        )
    if b.min_orders is not None:
        out.append(_min_count("MIN_ORDERS", m.orders, b.min_orders, "order", days))
    if b.min_repurchase_rate is not None and b.min_buyers is not None:
        if m.buyers + _EPS < b.min_buyers:
            k = _more(m.buyers, b.min_buyers)
            out.append(
                _Check(
                    "REPURCHASE_RATE",
                    False,
                    False,
                    f"only {_n(m.buyers)} buyers in {days} days: the repurchase rate needs "
                    f"{_n(b.min_buyers)} before it counts",
                    f"needs {k} more buyers in {days} days before the repurchase rate counts",
                )
            )
        else:
            rate = m.repurchase_rate or 0.0
            msg = (
                f"repurchase rate {_pct(rate)} ({_n(m.repeat_buyers)} of {_n(m.buyers)} buyers "
                f"ordered on two or more days in {days} days; minimum "
                f"{_pct(b.min_repurchase_rate)})"
            )
            if rate + _EPS >= b.min_repurchase_rate:
                out.append(_Check("REPURCHASE_RATE", True, False, msg))
            else:
                k = _more(m.repeat_buyers, b.min_repurchase_rate * m.buyers)
                out.append(
                    _Check(
                        "REPURCHASE_RATE",
                        False,
                        False,
                        msg,
                        f"needs {k} more of its {days}-day buyers to order again on another day",
                    )
                )
    elif b.min_buyers is not None:
        out.append(_min_count("MIN_BUYERS", m.buyers, b.min_buyers, "buyer", days))
    if b.max_for_cause_refund_rate is not None:
        out.append(
            _max_rate(
                "FOR_CAUSE_REFUND_RATE",
                "for-cause refund rate",
                m.for_cause_refunds,
                m.after_sales_orders,
                m.for_cause_refund_rate,
                m.for_cause_refund_buyers,
                b.max_for_cause_refund_rate,
                b.for_cause_refund_buyer_allowance,
                as_days,
            )
        )
    if b.max_complaint_rate is not None:
        out.append(
            _max_rate(
                "COMPLAINT_RATE",
                "for-cause complaint rate",
                m.complaint_orders,
                m.after_sales_orders,
                m.complaint_rate,
                m.complaint_buyers,
                b.max_complaint_rate,
                b.complaint_buyer_allowance,
                as_days,
            )
        )
    if m.claim_burst:
        # Say where the claims went: a shop reading its card must see why they do not count.
        note = (
            f"; the claims of {_plural(m.unproven_claimants, 'account')} without a history are "
            f"left out as a burst ({m.unproven_claimants} of {m.unproven_buyers} claimed, against "
            f"{_pct(m.proven_claim_rate or 0.0)} of the other buyers) until the platform rules"
        )
        out = [
            replace(c, message=c.message + note)
            if c.rule in ("FOR_CAUSE_REFUND_RATE", "COMPLAINT_RATE")
            else c
            for c in out
        ]
    if b.max_dependent_share is not None:
        share = m.dependent_share
        cap = b.max_dependent_share
        msg = (
            f"{_pct(share or 0.0)} of {_n(m.delivered_orders)} delivered orders in {days} days "
            f"from new or single-target accounts (maximum {_pct(cap)})"
        )
        if share is None or share <= cap + _EPS:
            out.append(_Check("DEPENDENT_SHARE", True, False, msg))
        else:
            # dependent / (delivered + k) <= cap: the orders of established buyers that would
            # bring the share down to the cap.
            hint = (
                f"needs {_more(m.delivered_orders, m.dependent_delivered_orders / cap)} more "
                f"delivered orders in {days} days from established buyers who also buy elsewhere"
                if cap > 0
                else "needs no orders from new or single-target accounts"
            )
            out.append(_Check("DEPENDENT_SHARE", False, False, msg, hint))
    if b.min_review_score is not None:
        target = b.min_review_score
        avg = "none" if m.review_average is None else f"{m.review_average:.2f}"
        msg = (
            f"review score {m.review_score:.2f} ({_plural(m.reviews, 'review')} in {as_days} "
            f"days, plain average {avg}, damped toward "
            f"{policy.metrics.review_prior_mean:.2f}; minimum {target:.2f})"
        )
        if m.review_score + _EPS >= target:
            out.append(_Check("REVIEW_SCORE", True, False, msg))
        else:
            weight = policy.metrics.review_prior_weight + m.reviews
            if target < 5.0:
                k = _more(0.0, (target - m.review_score) * weight / (5.0 - target))
                hint = f"needs about {k} more 5-star reviews in {as_days} days"
            else:
                hint = f"needs a review score of {target:.2f}"
            out.append(_Check("REVIEW_SCORE", False, False, msg, hint))
    if b.max_violation_severity is not None:
        worst = [p for p in m.violations if p.severity > b.max_violation_severity]
        if worst:
            last = worst[-1]
            ends = last.at + v_days * MS_PER_DAY
            out.append(
                _Check(
                    "VIOLATION_SEVERITY",
                    False,
                    True,
                    f"{_plural(len(worst), 'violation')} above severity "
                    f"{b.max_violation_severity} in {v_days} days (latest: {last.code}, severity "
                    f"{last.severity}, on {_date(last.at, tz)})",
                    f"needs no violation above severity {b.max_violation_severity} in {v_days} "
                    f"days: possible again after {_date(ends, tz)} if no other",
                )
            )
        else:
            out.append(
                _Check(
                    "VIOLATION_SEVERITY",
                    True,
                    True,
                    f"no violation above severity {b.max_violation_severity} in {v_days} days",
                )
            )
    if b.max_confirmed_false_ads is not None:
        k = m.confirmed_false_ads
        if k <= b.max_confirmed_false_ads:
            out.append(
                _Check(
                    "FALSE_ADS",
                    True,
                    False,
                    f"{_plural(k, 'confirmed false-ad report')} in {days} days "
                    f"(at most {b.max_confirmed_false_ads})",
                )
            )
        else:
            out.append(
                _Check(
                    "FALSE_ADS",
                    False,
                    False,
                    f"{_plural(k, 'confirmed false-ad report')} in {days} days "
                    f"(at most {b.max_confirmed_false_ads})",
                    f"needs at most {b.max_confirmed_false_ads} confirmed "
                    f"false-ad reports in {days} days",
                )
            )
    if b.min_inspections is not None:
        out.append(
            _min_count("MIN_INSPECTIONS", m.inspections, b.min_inspections, "inspection", days)
        )
    if b.min_inspection_pass_rate is not None:
        min_pass = b.min_inspection_pass_rate
        failed = m.inspections_failed
        pass_rate = m.inspection_pass_rate
        head = (
            f"inspection pass rate {_pct(pass_rate)} ({_n(m.inspections_passed)} of "
            f"{_n(m.inspections)} passed in {days} days; minimum {_pct(min_pass)})"
        )
        if pass_rate is None or pass_rate + _EPS >= min_pass:
            out.append(_Check("INSPECTION_PASS_RATE", True, False, head))
        elif failed <= b.inspection_failure_allowance + _EPS:
            out.append(
                _Check(
                    "INSPECTION_PASS_RATE",
                    True,
                    False,
                    f"{head}: not held against it, at most "
                    f"{_plural(b.inspection_failure_allowance, 'failure')} allowed",
                )
            )
        else:
            fixes = [f"at most {_plural(b.inspection_failure_allowance, 'failure')}"]
            if min_pass < 1.0:
                fixes.insert(
                    0,
                    f"about {_more(m.inspections, failed / (1.0 - min_pass))} more "
                    f"inspections passed in {days} days",
                )
            out.append(
                _Check(
                    "INSPECTION_PASS_RATE",
                    False,
                    False,
                    head,
                    "needs the inspection pass rate at or above "
                    f"{_pct(min_pass)}: {', or '.join(fixes)}",
                )
            )
    return out


def _applicable(b: BadgePolicy, kind: str, category: str | None) -> Reason | None:
    """Why the badge cannot apply to this entity at all, or None."""
    if kind not in b.kinds:
        return Reason(
            "NOT_APPLICABLE_KIND",
            f"{b.name} is for {' and '.join(sorted(b.kinds)).lower()}s, not {kind.lower()}s",
        )
    if b.categories is not None and (category or "").lower() not in b.categories:
        return Reason(
            "NOT_APPLICABLE_CATEGORY",
            f"{b.name} is for the categories {', '.join(sorted(b.categories))}; "
            f"this {kind.lower()}'s category is {category or 'unknown'}",
        )
    return None


def decide_badges(
    metrics: EntityMetrics,
    previous: BadgeState | None,
    policy: EntityPolicy,
    as_of: int,
    *,
    category: str | None,
    rights: Collection[str] = (),
) -> BadgeDecision:
    """Decide every badge of ``policy`` for one shop or host, as of ``as_of``.

    ``metrics`` must be computed for the same ``as_of``. ``previous`` is the state returned by
    the last evaluation (``decision.state``), or ``None`` the first time; it is ignored if it is
    newer than ``as_of``. ``category`` and ``rights`` are the entity's category and (for a shop)
    its open trust rights as of ``as_of``.

    Per badge: not applicable (kind or category) -> not held; all rules pass -> held (``since``
    kept from ``previous``, else ``as_of``); a hard rule fails -> not held; only soft rules fail
    -> held until ``failing_since + grace_days`` if it was held, else not held.
    """
    if metrics.as_of != as_of:
        raise ValueError(f"metrics are as of {metrics.as_of}, the decision is as of {as_of}")
    if previous is not None and previous.as_of > as_of:
        previous = None  # a state from the future is not evidence about the past
    rights_set = frozenset(rights)
    results: list[BadgeResult] = []
    held: list[HeldBadge] = []
    for b in policy.badges:
        prev = previous.get(b.name) if previous is not None else None
        if prev is not None and prev.since > as_of:
            prev = None
        not_applicable = _applicable(b, metrics.kind, category)
        if not_applicable is not None:
            lifecycle = (
                (
                    Reason(
                        "LOST_NOT_APPLICABLE",
                        f"{b.name} was held since "
                        f"{_date(prev.since, policy.metrics.day_offset_hours)} "
                        "and no longer applies",
                    ),
                    not_applicable,
                )
                if prev is not None
                else (not_applicable,)
            )
            results.append(BadgeResult(b.name, False, False, None, None, None, lifecycle, ()))
            continue
        checks = _checks(b, metrics, policy, rights_set)
        failed = [c for c in checks if not c.passed]
        rule_reasons = tuple(c.reason() for c in checks)
        missing = tuple(Reason(f"{c.rule}_MISSING", c.missing) for c in failed if c.missing)
        grace_ms = b.grace_days * MS_PER_DAY
        if not failed:
            if prev is None:
                life = Reason("GRANTED", f"{b.name} granted: every rule passes")
            elif prev.failing_since is not None:
                life = Reason(
                    "RECOVERED", f"{b.name} kept: its rules pass again, the grace period is reset"
                )
            else:
                life = Reason("KEPT", f"{b.name} kept: every rule passes")
            since = as_of if prev is None else prev.since
            held.append(HeldBadge(b.name, since))
            results.append(
                BadgeResult(b.name, True, True, since, None, None, (life, *rule_reasons), ())
            )
            continue
        hard = [c for c in failed if c.hard]
        if prev is None:
            life = Reason(
                "NOT_ELIGIBLE", f"{b.name} not granted: {len(failed)} of {len(checks)} rules fail"
            )
        elif hard:
            life = Reason(
                "LOST_HARD_RULE",
                f"{b.name} lost at once, without grace: "
                f"{', '.join(c.rule for c in hard)} must hold while the badge is shown",
            )
        else:
            failing_since = prev.failing_since if prev.failing_since is not None else as_of
            ends = failing_since + grace_ms
            tz = policy.metrics.day_offset_hours
            if as_of < ends:
                code = "GRACE_STARTED" if prev.failing_since is None else "IN_GRACE"
                life = Reason(
                    code,
                    f"{b.name} kept in its {b.grace_days}-day grace period: "
                    f"failing since {_date(failing_since, tz)}, lost on "
                    f"{_date(ends, tz)} unless its rules pass again",
                )
                held.append(HeldBadge(b.name, prev.since, failing_since))
                results.append(
                    BadgeResult(
                        b.name,
                        True,
                        True,
                        prev.since,
                        failing_since,
                        ends,
                        (life, *rule_reasons),
                        missing,
                    )
                )
                continue
            life = Reason(
                "LOST_GRACE_EXPIRED",
                f"{b.name} lost: failing since {_date(failing_since, tz)}, "
                f"beyond its {b.grace_days}-day grace period",
            )
        # Not held (never granted, or lost): ``life`` says why, ``missing`` what to fix.
        results.append(
            BadgeResult(b.name, True, False, None, None, None, (life, *rule_reasons), missing)
        )
    return BadgeDecision(
        entity_id=metrics.entity_id,
        kind=metrics.kind,
        as_of=as_of,
        policy_version=policy.version,
        badges=tuple(results),
        state=BadgeState(as_of, tuple(sorted(held, key=lambda h: h.badge))),
    )


# --- boost --------------------------------------------------------------------------------------


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def decide_boost(
    metrics: EntityMetrics, badges: BadgeDecision, policy: EntityPolicy, as_of: int
) -> Boost:
    """The traffic multiplier, tier and leaderboard eligibility of one shop or host.

    ``multiplier = clamp(1 + sum(badge bonuses) - violation costs - false-ad cost
    - below-standard cost, min_multiplier, max_multiplier)``, where

    * a held badge (in grace too: that is what grace is for) adds its bonus; DOMAIN.md: badge
      holders get extra public-domain traffic;
    * the k-th violation of the violation window, in time order, costs
      ``severity_cost[severity] * escalation_factor ** (k - 1)`` (累犯从严: a repeat offence
      costs more than a first one of the same severity);
    * each confirmed false-ad report in the evidence window costs ``false_ad_cost``, up to
      ``false_ad_cost_cap`` (many buyers often report the same claim; the penalty for the claim
      itself is a violation);
    * a for-cause refund rate above ``below_standard_for_cause_refund_rate`` with more than
      ``below_standard_buyer_allowance`` buyers affected costs ``below_standard_cost`` (eBay's
      Below Standard: > 2% defects and >= 5 buyers ranks lower).

    Every term is monotone: more refunds or more penalties never raise the multiplier.
    The tier follows from the multiplier; the hourly leaderboard (卖货小时榜) needs a listed
    badge, a multiplier at least ``leaderboard.min_multiplier`` and no violation above
    ``leaderboard.max_recent_severity`` in the last ``leaderboard.clean_days``.
    """
    if metrics.as_of != as_of or badges.as_of != as_of:
        raise ValueError(
            f"metrics ({metrics.as_of}) and badges ({badges.as_of}) must be as of {as_of}"
        )
    bp = policy.boost
    tz = policy.metrics.day_offset_hours
    reasons: list[Reason] = []
    held = badges.held
    value = 1.0
    for name, bonus in bp.badge_bonus:
        if name in held and bonus > 0:
            value += bonus
            reasons.append(Reason("BADGE_BONUS", f"holds {name}: +{bonus:.2f}"))
    for k, p in enumerate(metrics.violations):
        sev = min(3, max(1, p.severity))
        base = bp.severity_cost[sev - 1]
        cost = base * bp.escalation_factor**k
        if cost <= 0:
            continue
        value -= cost
        if k == 0:
            msg = (
                f"{_ordinal(k + 1)} violation in {metrics.violation_window_days} days ({p.code}, "
                f"severity {sev}, {_date(p.at, tz)}): -{cost:.2f}"
            )
            reasons.append(Reason("VIOLATION", msg))
        else:
            msg = (
                f"{_ordinal(k + 1)} violation in {metrics.violation_window_days} days ({p.code}, "
                f"severity {sev}, {_date(p.at, tz)}): -{cost:.2f} ({base:.2f} x "
                f"{bp.escalation_factor:g}^{k}, repeat offence)"
            )
            reasons.append(Reason("REPEAT_VIOLATION", msg))
    if metrics.confirmed_false_ads > 0 and bp.false_ad_cost > 0:
        cost = min(bp.false_ad_cost_cap, bp.false_ad_cost * metrics.confirmed_false_ads)
        value -= cost
        reasons.append(
            Reason(
                "FALSE_ADS",
                f"{_plural(metrics.confirmed_false_ads, 'confirmed false-ad report')} "
                f"in {metrics.window_days} days: -{cost:.2f}",
            )
        )
    rate = metrics.for_cause_refund_rate
    if (
        rate is not None
        and rate > bp.below_standard_for_cause_refund_rate + _EPS
        and metrics.for_cause_refund_buyers > bp.below_standard_buyer_allowance + _EPS
    ):
        value -= bp.below_standard_cost
        reasons.append(
            Reason(
                "BELOW_STANDARD",
                f"for-cause refund rate {_pct(rate)} above "
                f"{_pct(bp.below_standard_for_cause_refund_rate)} with "
                f"{_plural(metrics.for_cause_refund_buyers, 'buyer')} affected: "
                f"-{bp.below_standard_cost:.2f}",
            )
        )
    clamped = min(bp.max_multiplier, max(bp.min_multiplier, value))
    if clamped != value:
        reasons.append(
            Reason(
                "CLAMPED", f"{value:.2f} held to [{bp.min_multiplier:.2f}, {bp.max_multiplier:.2f}]"
            )
        )
    multiplier = round(clamped, 4)

    t = bp.tiers
    tier: Tier
    if multiplier < t.suppressed_below:
        tier = "SUPPRESSED"
    elif multiplier >= t.preferred_from:
        tier = "PREFERRED"
    elif multiplier >= t.standard_from:
        tier = "STANDARD"
    else:
        tier = "NONE"
    reasons.append(Reason(f"TIER_{tier}", f"multiplier {multiplier:.2f}: tier {tier}"))

    lb = bp.leaderboard
    recent_from = as_of - lb.clean_days * MS_PER_DAY
    recent = [
        p for p in metrics.violations if p.at > recent_from and p.severity > lb.max_recent_severity
    ]
    blockers: list[Reason] = []
    if not held & lb.requires_any_badge:
        blockers.append(
            Reason(
                "LEADERBOARD_NEEDS_BADGE",
                f"hourly leaderboard needs one of {', '.join(sorted(lb.requires_any_badge))}",
            )
        )
    if multiplier < lb.min_multiplier:
        blockers.append(
            Reason(
                "LEADERBOARD_LOW_MULTIPLIER",
                f"hourly leaderboard needs a multiplier of at least {lb.min_multiplier:.2f}",
            )
        )
    if recent:
        blockers.append(
            Reason(
                "LEADERBOARD_RECENT_VIOLATION",
                f"hourly leaderboard needs no violation above severity {lb.max_recent_severity} in "
                f"{lb.clean_days} days (latest: {recent[-1].code} on {_date(recent[-1].at, tz)})",
            )
        )
    eligible = not blockers
    if eligible:
        reasons.append(Reason("LEADERBOARD_ELIGIBLE", "eligible for the hourly sales leaderboard"))
    reasons.extend(blockers)
    return Boost(
        entity_id=metrics.entity_id,
        as_of=as_of,
        policy_version=policy.version,
        multiplier=multiplier,
        tier=tier,
        leaderboard_eligible=eligible,
        reasons=tuple(reasons),
    )
