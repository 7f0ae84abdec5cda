"""Hints for the right eyes: what a caller is told about how a shop or host could gain a badge,
and how a buyer-host or buyer-shop pair could reach its next trust level.

The scoring writes exact hints ("needs 9 more delivered orders in 90 days", "STRANGER:
ACQUAINTANCE needs score 0.55 (has 0.50)"). They go to ADMIN and to the MERCHANT whose key is
bound to that shop or host (:meth:`graph_api.auth.Caller.sees_exact_hints`). Everyone else gets
the coarse form, which names the rule that fails and the direction of the fix, never a count, a
rate, a threshold, a gap or a date, so that nobody can read the exact size of the job off a
competitor's or a target's card:

* a badge's ``missing`` hint (``<RULE>_MISSING``) and the sentence of a failed rule
  (``<RULE>_NOT_MET``) keep their codes; their message is a fixed sentence per rule
  (:data:`BADGE_RULES`, e.g. "needs more delivered orders"), or "needs <RULE> met" and "<RULE>
  not met" for a rule this table does not know. Passed rules (``_MET``) and lifecycle reasons
  are unchanged: they say what holds, not how far a failing rule is from passing;
* a pair's ``nextLevel`` and its ``LEVEL_STRANGER`` reason name the level's requirements that
  are short, in :data:`LEVEL_SHORTFALLS` order ("more satisfied orders and orders in more
  months to become REGULAR"), computed from the pair's score, confidence and counts against the
  policy in force.

There is deliberately no "close" / "far" bucket: the refund-hiding attack
(``graph_api.seed.attacks``) starts by picking the shop that fails a rule most narrowly, and a
closeness bucket on every public card would pick it for the attacker. The coarse form is a pure
function of the rule codes (and, for pairs, of the policy's thresholds), so it is deterministic.
"""

from __future__ import annotations

from typing import Any

from schema.types.common import Reason, reasons
from scoring.pair_trust import ACQUAINTANCE, REGULAR, STRANGER, PairTrust
from scoring.trust_policy import LevelPolicy, TrustPolicy

NOT_MET = "_NOT_MET"
MISSING = "_MISSING"

# Per badge rule (scoring/badges.py): (the coarse sentence of the failed rule, the coarse hint).
BADGE_RULES: dict[str, tuple[str, str]] = {
    "REQUIRED_RIGHTS": (
        "lacks a trust right the badge requires",
        "needs the trust rights the badge requires opened",
    ),
    "TRUST_RIGHTS": ("fewer trust rights open than the badge needs", "needs more trust rights"),
    "MIN_DELIVERED_ORDERS": (
        "fewer delivered orders than the badge needs",
        "needs more delivered orders",
    ),
    "MIN_ORDERS": ("fewer orders than the badge needs", "needs more orders"),
    "MIN_BUYERS": ("fewer buyers than the badge needs", "needs more buyers"),
    "REPURCHASE_RATE": (
        "fewer returning buyers than the badge needs",
        "needs more buyers who order again",
    ),
    "FOR_CAUSE_REFUND_RATE": (
        "for-cause refund rate above what the badge allows",
        "needs fewer for-cause refunds",
    ),
    "COMPLAINT_RATE": (
        "for-cause complaint rate above what the badge allows",
        "needs fewer for-cause complaints",
    ),
    "REVIEW_SCORE": ("review score below what the badge needs", "needs better reviews"),
    "DEPENDENT_SHARE": (
        "more of its orders from new or single-target accounts than the badge allows",
        "needs more orders from established buyers who also buy elsewhere",
    ),
    "VIOLATION_SEVERITY": (
        "a violation above the severity the badge allows",
        "needs time without a violation above the severity the badge allows",
    ),
    "FALSE_ADS": (
        "more confirmed false-ad reports than the badge allows",
        "needs fewer confirmed false-ad reports",
    ),
    "MIN_INSPECTIONS": ("fewer inspections than the badge needs", "needs more inspections"),
    "INSPECTION_PASS_RATE": (
        "inspection pass rate below what the badge needs",
        "needs more inspections passed",
    ),
}


def _rule(code: str, suffix: str) -> str | None:
    return code[: -len(suffix)] if code.endswith(suffix) and len(code) > len(suffix) else None


def coarse_badge_reason(code: str, message: str) -> Reason:
    """One reason of a badge as a caller without exact hints sees it: a failed rule's sentence
    and a missing hint become the rule's fixed sentence; anything else is unchanged."""
    rule = _rule(code, NOT_MET)
    if rule is not None:
        return Reason(code=code, message=BADGE_RULES.get(rule, (f"{rule} not met", ""))[0])
    rule = _rule(code, MISSING)
    if rule is not None:
        return Reason(code=code, message=BADGE_RULES.get(rule, ("", f"needs {rule} met"))[1])
    return Reason(code=code, message=message)


def badge_reasons(items: Any, exact: bool) -> list[Reason]:
    """A badge's reasons or missing hints (stored dicts), exact or coarse."""
    found = reasons(items)
    return found if exact else [coarse_badge_reason(r.code, r.message) for r in found]


# A pair's level requirements (scoring.trust_policy.LevelPolicy), in the order the exact hint
# names them: what falls short, in words.
LEVEL_SHORTFALLS = (
    "a higher score",
    "more evidence",
    "more satisfied orders",
    "orders in more months",
)

_NEXT = {STRANGER: ACQUAINTANCE, ACQUAINTANCE: REGULAR}


def _shortfalls(t: PairTrust, lp: LevelPolicy) -> list[str]:
    score, confidence, satisfied, months = LEVEL_SHORTFALLS
    short = []
    if t.score < lp.min_score:
        short.append(score)
    if t.confidence < lp.min_confidence:
        short.append(confidence)
    if t.satisfied_orders < lp.min_satisfied_orders:
        short.append(satisfied)
    if t.distinct_months < lp.min_distinct_months:
        short.append(months)
    return short


def _needs(t: PairTrust, policy: TrustPolicy | None) -> tuple[str, str] | None:
    """(next level's name, what falls short in words), or None at REGULAR. With another policy
    than the one that scored the pair, the thresholds are unknown: "more evidence"."""
    nxt = _NEXT.get(t.level)
    if nxt is None:
        return None
    short: list[str] = []
    if policy is not None and policy.version == t.policy_version:
        short = _shortfalls(t, policy.acquaintance if nxt == ACQUAINTANCE else policy.regular)
    return nxt, _listed(short or ["more evidence"])


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def pair_next_level(t: PairTrust, policy: TrustPolicy | None, exact: bool) -> str | None:
    """What would move the pair up a level, exact or coarse; None at REGULAR."""
    if exact or t.next_level is None:
        return t.next_level
    needs = _needs(t, policy)
    return None if needs is None else f"{needs[1]} to become {needs[0]}"


def pair_reasons(t: PairTrust, policy: TrustPolicy | None, exact: bool) -> list[Reason]:
    """The pair's reasons, exact or coarse: coarse, the ``LEVEL_STRANGER`` reason (the one
    that says what the next level needs) names what falls short without figures."""
    found = reasons(t.reasons)
    if exact:
        return found
    return [_coarse_pair_reason(r, t, policy) for r in found]


def _coarse_pair_reason(r: Reason, t: PairTrust, policy: TrustPolicy | None) -> Reason:
    if r.code != f"LEVEL_{STRANGER}":
        return r
    needs = _needs(t, policy)
    nxt, short = needs if needs is not None else (ACQUAINTANCE, "more evidence")
    return Reason(code=r.code, message=f"{STRANGER}: {nxt} needs {short}")
