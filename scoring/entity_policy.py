"""The shop/host part of the scoring policy: windows, badge rules and boost weights.

``load_entity_policy(mapping)`` builds an :class:`EntityPolicy` from an already-parsed policy
(``tomllib.load`` of ``scoring/policies/v1.toml``, done by the caller: this package does no I/O).
It reads the top-level tables ``[metrics]``, ``[badges]`` and ``[boost]`` and the top-level
``version``; other top-level tables belong to other parts of the policy and are ignored.

Every number lives in the policy file, with its default and the reason for it; this module holds
no default values, so a missing key fails at load time instead of silently taking a constant
that nobody reviewed. Inside the three tables an unknown key is an error too (a typo such as
``max_refund_rate`` would otherwise switch a rule off). Errors are
:class:`~scoring.policy_reader.PolicyError` (re-exported here), a ``ValueError`` whose message
starts with the key path (``badges.QUALITY_MERCHANT.grace_days: ...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scoring.policy_reader import PolicyError, PolicyTable, keys_of, policy_version

__all__ = [
    "BadgePolicy",
    "BoostPolicy",
    "EntityPolicy",
    "LeaderboardPolicy",
    "MetricsPolicy",
    "PolicyError",
    "TierPolicy",
    "load_entity_policy",
]

ENTITY_KINDS = frozenset({"SHOP", "HOST"})
_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class MetricsPolicy:
    window_days: int
    after_sales_window_days: int
    violation_window_days: int
    day_offset_hours: int
    min_buyer_weight: float
    review_prior_mean: float
    review_prior_weight: float
    # Policy v3: a burst of claims from accounts without a history is left out when the chance
    # that as many of them claim, at the rate the shop's other buyers claim, is at most this
    # (scoring.entity_metrics, "Claims"); None: no burst test (v1, v2).
    claim_burst_max_p_value: float | None = None


@dataclass(frozen=True, slots=True)
class BadgePolicy:
    """One badge's rules. A rule whose threshold is ``None`` is not part of this badge."""

    name: str
    kinds: frozenset[str]
    categories: frozenset[str] | None  # lower-case; None: any category
    grace_days: int
    required_rights: frozenset[str] = frozenset()
    trust_rights: frozenset[str] = frozenset()
    min_trust_rights: int | None = None
    min_delivered_orders: float | None = None
    min_orders: float | None = None
    min_buyers: float | None = None
    min_repurchase_rate: float | None = None
    max_for_cause_refund_rate: float | None = None
    for_cause_refund_buyer_allowance: float = 0.0
    max_complaint_rate: float | None = None
    complaint_buyer_allowance: float = 0.0
    min_review_score: float | None = None
    max_violation_severity: int | None = None
    max_confirmed_false_ads: int | None = None
    min_inspections: float | None = None
    min_inspection_pass_rate: float | None = None
    inspection_failure_allowance: float = 0.0
    max_dependent_share: float | None = None


@dataclass(frozen=True, slots=True)
class TierPolicy:
    suppressed_below: float
    standard_from: float
    preferred_from: float


@dataclass(frozen=True, slots=True)
class LeaderboardPolicy:
    requires_any_badge: frozenset[str]
    min_multiplier: float
    clean_days: int
    max_recent_severity: int


@dataclass(frozen=True, slots=True)
class BoostPolicy:
    min_multiplier: float
    max_multiplier: float
    badge_bonus: tuple[tuple[str, float], ...]  # in badge order
    severity_cost: tuple[float, float, float]  # severity 1, 2, 3
    escalation_factor: float
    false_ad_cost: float
    false_ad_cost_cap: float
    below_standard_for_cause_refund_rate: float
    below_standard_buyer_allowance: float
    below_standard_cost: float
    tiers: TierPolicy
    leaderboard: LeaderboardPolicy


@dataclass(frozen=True, slots=True)
class EntityPolicy:
    version: str
    metrics: MetricsPolicy
    badges: tuple[BadgePolicy, ...]  # in the policy file's order, which is the display order
    boost: BoostPolicy

    def badge(self, name: str) -> BadgePolicy:
        for b in self.badges:
            if b.name == name:
                return b
        raise KeyError(name)


# --- reading ------------------------------------------------------------------------------------


_BADGE_KEYS = keys_of(BadgePolicy, exclude={"name"})


def _metrics(t: PolicyTable) -> MetricsPolicy:
    return MetricsPolicy(
        window_days=t.integer("window_days", ge=1, le=3660),
        after_sales_window_days=t.integer("after_sales_window_days", ge=1, le=3660),
        violation_window_days=t.integer("violation_window_days", ge=1, le=3660),
        day_offset_hours=t.integer("day_offset_hours", ge=-12, le=14),
        min_buyer_weight=t.number("min_buyer_weight", ge=0, le=1),
        review_prior_mean=t.number("review_prior_mean", ge=1, le=5),
        review_prior_weight=t.number("review_prior_weight", ge=0),
        claim_burst_max_p_value=t.optional("claim_burst_max_p_value", t.number, gt=0, lt=1),
    )


def _badge(name: str, t: PolicyTable) -> BadgePolicy:
    if not _NAME_RE.match(name):
        raise t.error("is not an UPPER_SNAKE_CASE badge name")
    kinds = t.names("kinds", ENTITY_KINDS)
    if not kinds:
        raise t.error("must name at least one of SHOP, HOST", "kinds")
    b = BadgePolicy(
        name=name,
        kinds=kinds,
        categories=t.optional("categories", t.names, lower=True),
        grace_days=t.integer("grace_days", ge=0, le=3660),
        required_rights=t.optional("required_rights", t.names) or frozenset(),
        trust_rights=t.optional("trust_rights", t.names) or frozenset(),
        min_trust_rights=t.optional("min_trust_rights", t.integer, ge=1),
        min_delivered_orders=t.optional("min_delivered_orders", t.number, ge=0),
        min_orders=t.optional("min_orders", t.number, ge=0),
        min_buyers=t.optional("min_buyers", t.number, ge=0),
        min_repurchase_rate=t.optional("min_repurchase_rate", t.number, ge=0, le=1),
        max_for_cause_refund_rate=t.optional("max_for_cause_refund_rate", t.number, ge=0, le=1),
        for_cause_refund_buyer_allowance=t.optional(
            "for_cause_refund_buyer_allowance", t.number, ge=0
        )
        or 0.0,
        max_complaint_rate=t.optional("max_complaint_rate", t.number, ge=0, le=1),
        complaint_buyer_allowance=t.optional("complaint_buyer_allowance", t.number, ge=0) or 0.0,
        min_review_score=t.optional("min_review_score", t.number, ge=1, le=5),
        max_violation_severity=t.optional("max_violation_severity", t.integer, ge=0, le=3),
        max_confirmed_false_ads=t.optional("max_confirmed_false_ads", t.integer, ge=0),
        min_inspections=t.optional("min_inspections", t.number, ge=0),
        min_inspection_pass_rate=t.optional("min_inspection_pass_rate", t.number, ge=0, le=1),
        inspection_failure_allowance=t.optional("inspection_failure_allowance", t.number, ge=0)
        or 0.0,
        max_dependent_share=t.optional("max_dependent_share", t.number, ge=0, le=1),
    )
    # Pairs that only make sense together: half a rule is a policy bug, not a lenient rule.
    pairs = (
        ("min_trust_rights", b.min_trust_rights is not None, "trust_rights", bool(b.trust_rights)),
        (
            "min_repurchase_rate",
            b.min_repurchase_rate is not None,
            "min_buyers",
            bool(b.min_buyers),
        ),
        (
            "for_cause_refund_buyer_allowance",
            "for_cause_refund_buyer_allowance" in t,
            "max_for_cause_refund_rate",
            bool(b.max_for_cause_refund_rate),
        ),
        (
            "complaint_buyer_allowance",
            "complaint_buyer_allowance" in t,
            "max_complaint_rate",
            bool(b.max_complaint_rate),
        ),
        (
            "min_inspection_pass_rate",
            b.min_inspection_pass_rate is not None,
            "min_inspections",
            bool(b.min_inspections),
        ),
        (
            "inspection_failure_allowance",
            "inspection_failure_allowance" in t,
            "min_inspection_pass_rate",
            bool(b.min_inspection_pass_rate),
        ),
    )
    for key, given, needs, other in pairs:
        if given and not other:
            raise t.error(f"needs {t.key_path(needs)}", key)
    if b.min_trust_rights is not None and b.min_trust_rights > len(b.trust_rights):
        raise t.error(
            f"is more than the {len(b.trust_rights)} trust_rights listed, got {b.min_trust_rights}",
            "min_trust_rights",
        )
    return b


def _boost(t: PolicyTable, badges: tuple[BadgePolicy, ...]) -> BoostPolicy:
    names = [b.name for b in badges]
    lo = t.number("min_multiplier", ge=0, le=1)
    hi = t.number("max_multiplier", ge=1, le=10)
    # Every badge of [badges] and no other; a badge without a bonus line earns nothing: say 0.0
    # explicitly rather than forget it.
    bonus_t = t.table("badge_bonus", names)
    bonus = tuple((name, bonus_t.number(name, ge=0, le=hi)) for name in names)
    sev_t = t.table("severity_cost", ("1", "2", "3"))
    sev = (sev_t.number("1", ge=0), sev_t.number("2", ge=0), sev_t.number("3", ge=0))
    if not sev[0] <= sev[1] <= sev[2]:
        raise sev_t.error(f"must not fall as severity rises, got {sev!r}")
    tiers_t = t.table("tiers", keys_of(TierPolicy))
    tiers = TierPolicy(
        suppressed_below=tiers_t.number("suppressed_below", ge=0, le=10),
        standard_from=tiers_t.number("standard_from", ge=0, le=10),
        preferred_from=tiers_t.number("preferred_from", ge=0, le=10),
    )
    if not tiers.suppressed_below <= 1.0 < tiers.standard_from <= tiers.preferred_from:
        raise tiers_t.error(
            f"must have suppressed_below <= 1.0 < standard_from <= preferred_from, got "
            f"{tiers.suppressed_below!r}, {tiers.standard_from!r}, {tiers.preferred_from!r}"
        )
    lb_t = t.table("leaderboard", keys_of(LeaderboardPolicy))
    lb = LeaderboardPolicy(
        requires_any_badge=lb_t.names("requires_any_badge", names),
        min_multiplier=lb_t.number("min_multiplier", ge=0, le=10),
        clean_days=lb_t.integer("clean_days", ge=0, le=3660),
        max_recent_severity=lb_t.integer("max_recent_severity", ge=0, le=3),
    )
    return BoostPolicy(
        min_multiplier=lo,
        max_multiplier=hi,
        badge_bonus=bonus,
        severity_cost=sev,
        # >= 1 so a later offence never costs less than an earlier one of the same severity
        # (and adding a penalty can never raise a multiplier).
        escalation_factor=t.number("escalation_factor", ge=1, le=10),
        false_ad_cost=t.number("false_ad_cost", ge=0),
        false_ad_cost_cap=t.number("false_ad_cost_cap", ge=0),
        below_standard_for_cause_refund_rate=t.number(
            "below_standard_for_cause_refund_rate", ge=0, le=1
        ),
        below_standard_buyer_allowance=t.number("below_standard_buyer_allowance", ge=0),
        below_standard_cost=t.number("below_standard_cost", ge=0),
        tiers=tiers,
        leaderboard=lb,
    )


def load_entity_policy(
    mapping: Mapping[str, object], *, version: str | None = None
) -> EntityPolicy:
    """Build and validate the shop/host policy from a parsed policy mapping.

    ``version`` defaults to the mapping's top-level ``version``; it is recorded in every badge
    and boost decision so a decision can be traced to the rules that made it.
    """
    root = PolicyTable(mapping)
    version = policy_version(root, version)
    metrics = _metrics(root.table("metrics", keys_of(MetricsPolicy)))
    badges_t = root.table("badges")
    badges = tuple(_badge(name, badges_t.table(name, _BADGE_KEYS)) for name in badges_t)
    if not badges:
        raise badges_t.error("must define at least one badge")
    boost = _boost(root.table("boost", keys_of(BoostPolicy)), badges)
    return EntityPolicy(version=version, metrics=metrics, badges=badges, boost=boost)
