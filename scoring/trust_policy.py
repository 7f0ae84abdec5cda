"""The buyer-host / buyer-shop trust policy: every weight, threshold and window of the pair model.

The numbers live in the ``[trust]`` table of the versioned policy file (``scoring/policies/``),
each with a comment giving its default and why. This module only types and validates them:
``load_trust_policy(document)`` takes the already-parsed file (reading it is the caller's job,
``scoring`` does no I/O) and returns a frozen :class:`TrustPolicy`. Every section checks its
own ranges in ``__post_init__``, so a policy built directly or with ``dataclasses.replace`` is
held to the same rules, and every error names the key path ("trust.decay.half_life_days must
be > 0"), so a typo in the file fails at load time rather than skewing scores in production.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from scoring.facts import MS_PER_DAY

_MS_PER_HOUR = 3_600_000


def _check(ok: bool, path: str, rule: str) -> None:
    if not ok:
        raise ValueError(f"{path} {rule}")


def _positive(value: float, path: str) -> None:
    _check(value > 0, path, f"must be > 0 (got {value!r})")


def _non_negative(value: float, path: str) -> None:
    _check(value >= 0, path, f"must be >= 0 (got {value!r})")


def _unit(value: float, path: str) -> None:
    _check(0.0 <= value <= 1.0, path, f"must be in [0, 1] (got {value!r})")


@dataclass(frozen=True, slots=True)
class ModelPolicy:
    """Subjective logic constants (Jøsang): prior weight W and the neutral base rate a."""

    prior_weight: float
    neutral_base_rate: float

    def __post_init__(self) -> None:
        _positive(self.prior_weight, "trust.model.prior_weight")
        _unit(self.neutral_base_rate, "trust.model.neutral_base_rate")


@dataclass(frozen=True, slots=True)
class DecayPolicy:
    """Evidence weight 2^(-(as_of - t) / half_life) = exp((t - as_of) * rate_per_ms)."""

    half_life_days: float
    half_life_ms: float = field(init=False)
    rate_per_ms: float = field(init=False)  # ln 2 / half-life: exp() is the cheaper call per fact

    def __post_init__(self) -> None:
        _positive(self.half_life_days, "trust.decay.half_life_days")
        object.__setattr__(self, "half_life_ms", float(self.half_life_days) * MS_PER_DAY)
        object.__setattr__(self, "rate_per_ms", math.log(2.0) / self.half_life_ms)


@dataclass(frozen=True, slots=True)
class CalendarPolicy:
    """Where calendar months and same-item periods start (the platform's local time)."""

    utc_offset_hours: float
    utc_offset_ms: int = field(init=False)

    def __post_init__(self) -> None:
        _check(-12 <= self.utc_offset_hours <= 14, "trust.calendar.utc_offset_hours", "must be in [-12, 14]")
        object.__setattr__(self, "utc_offset_ms", round(self.utc_offset_hours * _MS_PER_HOUR))


@dataclass(frozen=True, slots=True)
class PositivePolicy:
    """Weights of the evidence FOR trust (units of r), with the caps that bound cheap signals."""

    satisfied_order: float
    good_review: float
    good_review_min_stars: int
    distinct_month: float
    spend_weight: float
    spend_unit_yuan: float
    spend_cap: float
    watch_weight: float
    watch_unit_minutes: float
    watch_cap: float
    comment_weight: float
    comment_cap: float
    follow_weight: float
    follow_full_days: float
    fan_tier_weight: float
    fan_tier_full: int

    def __post_init__(self) -> None:
        p = "trust.positive."
        _positive(self.satisfied_order, p + "satisfied_order")
        for name in ("good_review", "distinct_month", "spend_weight", "spend_cap", "watch_weight",
                     "watch_cap", "comment_weight", "comment_cap", "follow_weight", "fan_tier_weight"):
            _non_negative(getattr(self, name), p + name)
        for name in ("spend_unit_yuan", "watch_unit_minutes", "follow_full_days"):
            _positive(getattr(self, name), p + name)
        _check(1 <= self.good_review_min_stars <= 5, p + "good_review_min_stars", "must be in 1..5")
        _check(self.fan_tier_full >= 1, p + "fan_tier_full", "must be >= 1")


@dataclass(frozen=True, slots=True)
class NegativePolicy:
    """Weights of the evidence AGAINST trust (units of s)."""

    refund_for_cause: float
    complaint_for_cause: float
    bad_review: float
    bad_review_max_stars: int
    confirmed_report: float

    def __post_init__(self) -> None:
        p = "trust.negative."
        for name in ("refund_for_cause", "complaint_for_cause", "bad_review", "confirmed_report"):
            _non_negative(getattr(self, name), p + name)
        _check(1 <= self.bad_review_max_stars <= 5, p + "bad_review_max_stars", "must be in 1..5")


@dataclass(frozen=True, slots=True)
class AntiGamingPolicy:
    """First-line caps on positive order credit (Taobao's per-pair rules)."""

    same_item_window_days: int
    max_orders_per_month: int

    def __post_init__(self) -> None:
        p = "trust.anti_gaming."
        _check(self.same_item_window_days >= 1, p + "same_item_window_days", "must be >= 1")
        _check(self.max_orders_per_month >= 1, p + "max_orders_per_month", "must be >= 1")


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    """What a level needs: all four at once (score, confidence and plain counts)."""

    name: str
    min_score: float
    min_confidence: float
    min_satisfied_orders: int
    min_distinct_months: int

    def __post_init__(self) -> None:
        p = f"trust.levels.{self.name.lower()}."
        # Score 1 and confidence 1 both need u = 0, which finite evidence never reaches: the level
        # would be empty.
        _check(0.0 <= self.min_score < 1.0, p + "min_score", "must be in [0, 1)")
        _check(0.0 <= self.min_confidence < 1.0, p + "min_confidence", "must be in [0, 1)")
        _non_negative(self.min_satisfied_orders, p + "min_satisfied_orders")
        _non_negative(self.min_distinct_months, p + "min_distinct_months")
        _check(self.min_distinct_months <= max(self.min_satisfied_orders, 1), p + "min_distinct_months",
               "must be <= min_satisfied_orders (each month needs an order)")


@dataclass(frozen=True, slots=True)
class DistrustPolicy:
    """When a pair is flagged as distrust rather than merely unknown."""

    min_disbelief: float

    def __post_init__(self) -> None:
        _check(0.0 < self.min_disbelief <= 1.0, "trust.distrust.min_disbelief", "must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class PlatformPolicy:
    """Platform trust toward a shop from its trust rights (the base rate of a stranger)."""

    base: float
    max: float
    rights: Mapping[str, float]

    def __post_init__(self) -> None:
        p = "trust.platform."
        _unit(self.base, p + "base")
        _check(self.base <= self.max <= 1.0, p + "max", "must be in [base, 1]")
        for right, weight in self.rights.items():
            _check(0.0 <= weight < 1.0, f"{p}rights.{right}", "must be in [0, 1)")
        # A read-only, key-sorted copy: the caller's dict can't change a frozen policy afterwards.
        object.__setattr__(self, "rights", _FrozenMap(sorted(self.rights.items())))


class _FrozenMap(dict[str, float]):
    """A dict that refuses writes (policies are shared between threads and calls)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("policy mappings are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """The whole ``[trust]`` table, plus the version of the policy file it came from."""

    version: str
    model: ModelPolicy
    decay: DecayPolicy
    calendar: CalendarPolicy
    positive: PositivePolicy
    negative: NegativePolicy
    anti_gaming: AntiGamingPolicy
    acquaintance: LevelPolicy
    regular: LevelPolicy
    distrust: DistrustPolicy
    platform: PlatformPolicy

    def __post_init__(self) -> None:
        _check(bool(self.version), "version", "must be a non-empty string")
        a, r = self.acquaintance, self.regular
        # Levels are nested: a REGULAR pair must also qualify as ACQUAINTANCE, else the ladder skips.
        for name in ("min_score", "min_confidence", "min_satisfied_orders", "min_distinct_months"):
            _check(getattr(r, name) >= getattr(a, name), f"trust.levels.regular.{name}",
                   f"must be >= trust.levels.acquaintance.{name}")
        _check(self.negative.bad_review_max_stars < self.positive.good_review_min_stars,
               "trust.negative.bad_review_max_stars", "must be < trust.positive.good_review_min_stars")


# --- loading from the parsed policy file --------------------------------------------------------

_INT = "int"
_NUM = "number"

_SECTIONS: dict[str, tuple[type, dict[str, str]]] = {
    "model": (ModelPolicy, {"prior_weight": _NUM, "neutral_base_rate": _NUM}),
    "decay": (DecayPolicy, {"half_life_days": _NUM}),
    "calendar": (CalendarPolicy, {"utc_offset_hours": _NUM}),
    "positive": (PositivePolicy, {
        "satisfied_order": _NUM, "good_review": _NUM, "good_review_min_stars": _INT,
        "distinct_month": _NUM, "spend_weight": _NUM, "spend_unit_yuan": _NUM, "spend_cap": _NUM,
        "watch_weight": _NUM, "watch_unit_minutes": _NUM, "watch_cap": _NUM, "comment_weight": _NUM,
        "comment_cap": _NUM, "follow_weight": _NUM, "follow_full_days": _NUM, "fan_tier_weight": _NUM,
        "fan_tier_full": _INT,
    }),
    "negative": (NegativePolicy, {
        "refund_for_cause": _NUM, "complaint_for_cause": _NUM, "bad_review": _NUM,
        "bad_review_max_stars": _INT, "confirmed_report": _NUM,
    }),
    "anti_gaming": (AntiGamingPolicy, {"same_item_window_days": _INT, "max_orders_per_month": _INT}),
    "distrust": (DistrustPolicy, {"min_disbelief": _NUM}),
}
_LEVEL_KEYS = {"min_score": _NUM, "min_confidence": _NUM, "min_satisfied_orders": _INT, "min_distinct_months": _INT}
_LEVELS = ("acquaintance", "regular")


def _table(value: Any, path: str) -> Mapping[str, Any]:
    _check(value is not None, path, "is missing")
    _check(isinstance(value, Mapping), path, "must be a table")
    return value


def _only_keys(table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    _check(not unknown, f"{path}.{unknown[0] if unknown else ''}",
           f"is not a known key (known: {', '.join(sorted(allowed))})")


def _value(table: Mapping[str, Any], key: str, kind: str, path: str) -> float | int:
    full = f"{path}.{key}"
    _check(key in table, full, "is missing")
    value = table[key]
    # bool is an int in Python, but `true` for a weight is a typo, not a number.
    ok = isinstance(value, int) if kind == _INT else isinstance(value, (int, float))
    expected = "an integer" if kind == _INT else "a number"
    _check(ok and not isinstance(value, bool), full, f"must be {expected} (got {value!r})")
    return value


def _fields(table: Mapping[str, Any], spec: Mapping[str, str], path: str) -> dict[str, float | int]:
    _only_keys(table, spec, path)
    return {key: _value(table, key, kind, path) for key, kind in spec.items()}


def load_trust_policy(document: Mapping[str, Any], *, version: str | None = None) -> TrustPolicy:
    """Build and validate the trust policy from a parsed policy file (e.g. ``tomllib.load``).

    ``document`` is the whole file: its ``trust`` table holds the policy, its top-level
    ``version`` names it (``version=`` overrides, for drafts and what-if runs). Missing, unknown
    or out-of-range keys raise ``ValueError`` naming the key path.
    """
    version = version if version is not None else document.get("version")
    _check(isinstance(version, (str, int)) and not isinstance(version, bool) and str(version) != "",
           "version", "is missing: set it at the top of the policy file or pass version=")
    trust = _table(document.get("trust"), "trust")
    _only_keys(trust, [*_SECTIONS, "levels", "platform"], "trust")
    built: dict[str, Any] = {}
    for name, (cls, spec) in _SECTIONS.items():
        path = f"trust.{name}"
        built[name] = cls(**_fields(_table(trust.get(name), path), spec, path))
    levels = _table(trust.get("levels"), "trust.levels")
    _only_keys(levels, _LEVELS, "trust.levels")
    for name in _LEVELS:
        path = f"trust.levels.{name}"
        built[name] = LevelPolicy(name=name.upper(), **_fields(_table(levels.get(name), path), _LEVEL_KEYS, path))
    platform = _table(trust.get("platform"), "trust.platform")
    _only_keys(platform, ("base", "max", "rights"), "trust.platform")
    rights_table = _table(platform.get("rights"), "trust.platform.rights")
    rights = {right: float(_value(rights_table, right, _NUM, "trust.platform.rights")) for right in rights_table}
    built["platform"] = PlatformPolicy(
        base=_value(platform, "base", _NUM, "trust.platform"),
        max=_value(platform, "max", _NUM, "trust.platform"),
        rights=rights,
    )
    return TrustPolicy(version=str(version), **built)


def with_changes(policy: TrustPolicy, section: str, **changes: Any) -> TrustPolicy:
    """A copy of ``policy`` with some keys of one section changed (validated): what-if runs, tests."""
    return dataclasses.replace(policy, **{section: dataclasses.replace(getattr(policy, section), **changes)})
