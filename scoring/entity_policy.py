"""The shop/host part of the scoring policy: windows, badge rules and boost weights.

``load_entity_policy(mapping)`` builds an :class:`EntityPolicy` from an already-parsed policy
(``tomllib.load`` of ``scoring/policies/v1.toml``, done by the caller: this package does no I/O).
It reads the top-level tables ``[metrics]``, ``[badges]`` and ``[boost]`` and the top-level
``version``; other top-level tables belong to other parts of the policy and are ignored.

Every number lives in the policy file, with its default and the reason for it; this module holds
no default values, so a missing key fails at load time instead of silently taking a constant
that nobody reviewed. Inside the three tables an unknown key is an error too (a typo such as
``max_refund_rate`` would otherwise switch a rule off). Errors are :class:`PolicyError`, a
``ValueError`` whose message starts with the key path (``badges.QUALITY_MERCHANT.grace_days``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

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


class PolicyError(ValueError):
    """A policy value is missing, of the wrong type or out of range; ``path`` names the key."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True, slots=True)
class MetricsPolicy:
    window_days: int
    after_sales_window_days: int
    violation_window_days: int
    day_offset_hours: int
    min_buyer_weight: float
    review_prior_mean: float
    review_prior_weight: float


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


class _Table:
    """Typed reads from one TOML table; :meth:`done` rejects keys nobody read."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise PolicyError(path, f"must be a table, got {type(value).__name__}")
        self.data = value
        self.path = path
        self.seen: set[str] = set()

    def _p(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise PolicyError(self._p(key), "is required")
        self.seen.add(key)
        return self.data[key]

    def table(self, key: str) -> _Table:
        return _Table(self.raw(key), self._p(key))

    def number(self, key: str, lo: float, hi: float = math.inf) -> float:
        v = self.raw(key)
        # bool is an int in Python; "true" for a rate is a mistake, not 1.0.
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise PolicyError(self._p(key), f"must be a number, got {v!r}")
        if not lo <= v <= hi:
            raise PolicyError(self._p(key), f"must be in [{lo}, {hi}], got {v!r}")
        return float(v)

    def integer(self, key: str, lo: int, hi: int | None = None) -> int:
        v = self.raw(key)
        if isinstance(v, bool) or not isinstance(v, int):
            raise PolicyError(self._p(key), f"must be an integer, got {v!r}")
        if v < lo or (hi is not None and v > hi):
            raise PolicyError(self._p(key), f"must be in [{lo}, {hi if hi is not None else 'inf'}], got {v!r}")
        return v

    def rate(self, key: str) -> float:
        return self.number(key, 0.0, 1.0)

    def names(self, key: str, allowed: frozenset[str] | None = None, *, lower: bool = False) -> frozenset[str]:
        v = self.raw(key)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            raise PolicyError(self._p(key), f"must be a list of non-empty strings, got {v!r}")
        if allowed is not None:
            unknown = sorted(set(v) - allowed)
            if unknown:
                raise PolicyError(self._p(key), f"unknown {unknown!r}; allowed: {sorted(allowed)!r}")
        return frozenset(x.lower() for x in v) if lower else frozenset(v)

    def opt(self, key: str, read: Any, *args: Any) -> Any:
        return read(key, *args) if key in self.data else None

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise PolicyError(self._p(str(unknown[0])), f"unknown key (known keys here: {sorted(self.seen)!r})")


def _metrics(t: _Table) -> MetricsPolicy:
    m = MetricsPolicy(
        window_days=t.integer("window_days", 1, 3660),
        after_sales_window_days=t.integer("after_sales_window_days", 1, 3660),
        violation_window_days=t.integer("violation_window_days", 1, 3660),
        day_offset_hours=t.integer("day_offset_hours", -12, 14),
        min_buyer_weight=t.rate("min_buyer_weight"),
        review_prior_mean=t.number("review_prior_mean", 1.0, 5.0),
        review_prior_weight=t.number("review_prior_weight", 0.0),
    )
    t.done()
    return m


def _badge(name: str, t: _Table) -> BadgePolicy:
    if not _NAME_RE.match(name):
        raise PolicyError(t.path, "a badge name must be UPPER_SNAKE_CASE")
    kinds = t.names("kinds", ENTITY_KINDS)
    if not kinds:
        raise PolicyError(f"{t.path}.kinds", "must name at least one of SHOP, HOST")
    b = BadgePolicy(
        name=name,
        kinds=kinds,
        categories=t.opt("categories", lambda k: t.names(k, lower=True)),
        grace_days=t.integer("grace_days", 0, 3660),
        required_rights=t.opt("required_rights", t.names) or frozenset(),
        trust_rights=t.opt("trust_rights", t.names) or frozenset(),
        min_trust_rights=t.opt("min_trust_rights", t.integer, 1),
        min_delivered_orders=t.opt("min_delivered_orders", t.number, 0.0),
        min_orders=t.opt("min_orders", t.number, 0.0),
        min_buyers=t.opt("min_buyers", t.number, 0.0),
        min_repurchase_rate=t.opt("min_repurchase_rate", t.rate),
        max_for_cause_refund_rate=t.opt("max_for_cause_refund_rate", t.rate),
        for_cause_refund_buyer_allowance=t.opt("for_cause_refund_buyer_allowance", t.number, 0.0) or 0.0,
        max_complaint_rate=t.opt("max_complaint_rate", t.rate),
        complaint_buyer_allowance=t.opt("complaint_buyer_allowance", t.number, 0.0) or 0.0,
        min_review_score=t.opt("min_review_score", t.number, 1.0, 5.0),
        max_violation_severity=t.opt("max_violation_severity", t.integer, 0, 3),
        max_confirmed_false_ads=t.opt("max_confirmed_false_ads", t.integer, 0),
        min_inspections=t.opt("min_inspections", t.number, 0.0),
        min_inspection_pass_rate=t.opt("min_inspection_pass_rate", t.rate),
        inspection_failure_allowance=t.opt("inspection_failure_allowance", t.number, 0.0) or 0.0,
    )
    # Pairs that only make sense together: half a rule is a policy bug, not a lenient rule.
    pairs = (
        ("min_trust_rights", b.min_trust_rights, "trust_rights", b.trust_rights),
        ("min_repurchase_rate", b.min_repurchase_rate, "min_buyers", b.min_buyers),
        ("for_cause_refund_buyer_allowance", t.has("for_cause_refund_buyer_allowance") or None,
         "max_for_cause_refund_rate", b.max_for_cause_refund_rate),
        ("complaint_buyer_allowance", t.has("complaint_buyer_allowance") or None,
         "max_complaint_rate", b.max_complaint_rate),
        ("min_inspection_pass_rate", b.min_inspection_pass_rate, "min_inspections", b.min_inspections),
        ("inspection_failure_allowance", t.has("inspection_failure_allowance") or None,
         "min_inspection_pass_rate", b.min_inspection_pass_rate),
    )
    for key, value, needs, other in pairs:
        if value is not None and not other:
            raise PolicyError(f"{t.path}.{key}", f"needs {t.path}.{needs}")
    if b.min_trust_rights is not None and b.min_trust_rights > len(b.trust_rights):
        raise PolicyError(f"{t.path}.min_trust_rights", f"is more than the {len(b.trust_rights)} trust_rights listed")
    t.done()
    return b


def _boost(t: _Table, badges: tuple[BadgePolicy, ...]) -> BoostPolicy:
    names = frozenset(b.name for b in badges)
    lo = t.number("min_multiplier", 0.0, 1.0)
    hi = t.number("max_multiplier", 1.0, 10.0)
    bonus_t = t.table("badge_bonus")
    for key in bonus_t.data:
        if key not in names:
            raise PolicyError(f"{bonus_t.path}.{key}", f"is not a badge of [badges] ({sorted(names)!r})")
    # A badge without a bonus line earns nothing: say 0.0 explicitly rather than forget it.
    bonus = tuple((b.name, bonus_t.number(b.name, 0.0, hi)) for b in badges)
    bonus_t.done()
    sev_t = t.table("severity_cost")
    sev = (sev_t.number("1", 0.0), sev_t.number("2", 0.0), sev_t.number("3", 0.0))
    sev_t.done()
    if not sev[0] <= sev[1] <= sev[2]:
        raise PolicyError(sev_t.path, f"costs must not fall as severity rises, got {sev!r}")
    tiers_t = t.table("tiers")
    tiers = TierPolicy(
        suppressed_below=tiers_t.number("suppressed_below", 0.0, 10.0),
        standard_from=tiers_t.number("standard_from", 0.0, 10.0),
        preferred_from=tiers_t.number("preferred_from", 0.0, 10.0),
    )
    tiers_t.done()
    if not tiers.suppressed_below <= 1.0 < tiers.standard_from <= tiers.preferred_from:
        raise PolicyError(tiers_t.path, "need suppressed_below <= 1.0 < standard_from <= preferred_from")
    lb_t = t.table("leaderboard")
    lb = LeaderboardPolicy(
        requires_any_badge=lb_t.names("requires_any_badge", names),
        min_multiplier=lb_t.number("min_multiplier", 0.0, 10.0),
        clean_days=lb_t.integer("clean_days", 0, 3660),
        max_recent_severity=lb_t.integer("max_recent_severity", 0, 3),
    )
    lb_t.done()
    boost = BoostPolicy(
        min_multiplier=lo,
        max_multiplier=hi,
        badge_bonus=bonus,
        severity_cost=sev,
        # >= 1 so a later offence never costs less than an earlier one of the same severity
        # (and adding a penalty can never raise a multiplier).
        escalation_factor=t.number("escalation_factor", 1.0, 10.0),
        false_ad_cost=t.number("false_ad_cost", 0.0),
        false_ad_cost_cap=t.number("false_ad_cost_cap", 0.0),
        below_standard_for_cause_refund_rate=t.rate("below_standard_for_cause_refund_rate"),
        below_standard_buyer_allowance=t.number("below_standard_buyer_allowance", 0.0),
        below_standard_cost=t.number("below_standard_cost", 0.0),
        tiers=tiers,
        leaderboard=lb,
    )
    t.done()
    return boost


def load_entity_policy(mapping: Mapping[str, Any], *, version: str | None = None) -> EntityPolicy:
    """Build and validate the shop/host policy from a parsed policy mapping.

    ``version`` defaults to the mapping's top-level ``version``; it is recorded in every badge
    and boost decision so a decision can be traced to the rules that made it.
    """
    root = _Table(mapping, "")
    if version is None:
        raw = root.raw("version")
        if isinstance(raw, bool) or not isinstance(raw, (str, int)) or raw == "":
            raise PolicyError("version", f"must be a non-empty string or an integer, got {raw!r}")
        version = str(raw)
    metrics = _metrics(root.table("metrics"))
    badges_t = root.table("badges")
    badges = tuple(_badge(str(name), badges_t.table(str(name))) for name in badges_t.data)
    if not badges:
        raise PolicyError("badges", "must define at least one badge")
    boost = _boost(root.table("boost"), badges)
    return EntityPolicy(version=version, metrics=metrics, badges=badges, boost=boost)
