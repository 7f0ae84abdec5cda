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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from scoring.facts import MS_PER_DAY
from scoring.policy_reader import (
    PolicyTable,
    check,
    check_range,
    keys_of,
    policy_version,
)

_MS_PER_HOUR = 3_600_000


@dataclass(frozen=True, slots=True)
class ModelPolicy:
    """Subjective logic constants (Jøsang): prior weight W and the neutral base rate a."""

    prior_weight: float
    neutral_base_rate: float

    def __post_init__(self) -> None:
        check_range(self.prior_weight, "trust.model.prior_weight", gt=0)
        check_range(self.neutral_base_rate, "trust.model.neutral_base_rate", ge=0, le=1)


@dataclass(frozen=True, slots=True)
class DecayPolicy:
    """Evidence weight 2^(-(as_of - t) / half_life) = exp((t - as_of) * rate_per_ms)."""

    half_life_days: float
    half_life_ms: float = field(init=False)
    rate_per_ms: float = field(init=False)  # ln 2 / half-life: exp() is the cheaper call per fact

    def __post_init__(self) -> None:
        check_range(self.half_life_days, "trust.decay.half_life_days", gt=0)
        object.__setattr__(self, "half_life_ms", float(self.half_life_days) * MS_PER_DAY)
        object.__setattr__(self, "rate_per_ms", math.log(2.0) / self.half_life_ms)


@dataclass(frozen=True, slots=True)
class CalendarPolicy:
    """Where calendar months and same-item periods start (the platform's local time)."""

    utc_offset_hours: float
    utc_offset_ms: int = field(init=False)

    def __post_init__(self) -> None:
        check_range(self.utc_offset_hours, "trust.calendar.utc_offset_hours", ge=-12, le=14)
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
        check_range(self.satisfied_order, p + "satisfied_order", gt=0)
        for name in (
            "good_review",
            "distinct_month",
            "spend_weight",
            "spend_cap",
            "watch_weight",
            "watch_cap",
            "comment_weight",
            "comment_cap",
            "follow_weight",
            "fan_tier_weight",
        ):
            check_range(getattr(self, name), p + name, ge=0)
        for name in ("spend_unit_yuan", "watch_unit_minutes", "follow_full_days"):
            check_range(getattr(self, name), p + name, gt=0)
        check_range(self.good_review_min_stars, p + "good_review_min_stars", ge=1, le=5)
        check_range(self.fan_tier_full, p + "fan_tier_full", ge=1)


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
            check_range(getattr(self, name), p + name, ge=0)
        check_range(self.bad_review_max_stars, p + "bad_review_max_stars", ge=1, le=5)


@dataclass(frozen=True, slots=True)
class AntiGamingPolicy:
    """First-line caps on positive order credit (Taobao's per-pair rules)."""

    same_item_window_days: int
    max_orders_per_month: int

    def __post_init__(self) -> None:
        p = "trust.anti_gaming."
        check_range(self.same_item_window_days, p + "same_item_window_days", ge=1)
        check_range(self.max_orders_per_month, p + "max_orders_per_month", ge=1)


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
        check_range(self.min_score, p + "min_score", ge=0, lt=1)
        check_range(self.min_confidence, p + "min_confidence", ge=0, lt=1)
        check_range(self.min_satisfied_orders, p + "min_satisfied_orders", ge=0)
        check_range(self.min_distinct_months, p + "min_distinct_months", ge=0)
        check(
            self.min_distinct_months <= max(self.min_satisfied_orders, 1),
            p + "min_distinct_months",
            "must be <= min_satisfied_orders (each month needs an order), got "
            f"{self.min_distinct_months!r} > {self.min_satisfied_orders!r}",
        )


@dataclass(frozen=True, slots=True)
class DistrustPolicy:
    """When a pair is flagged as distrust rather than merely unknown."""

    min_disbelief: float

    def __post_init__(self) -> None:
        check_range(self.min_disbelief, "trust.distrust.min_disbelief", gt=0, le=1)


@dataclass(frozen=True, slots=True)
class PlatformPolicy:
    """Platform trust toward a shop from its trust rights (the base rate of a stranger)."""

    base: float
    max: float
    rights: Mapping[str, float]

    def __post_init__(self) -> None:
        p = "trust.platform."
        check_range(self.base, p + "base", ge=0, le=1)
        check(
            self.base <= self.max <= 1.0,
            p + "max",
            f"must be in [base, 1], got {self.max!r} (base {self.base!r})",
        )
        for right, weight in self.rights.items():
            check_range(weight, f"{p}rights.{right}", ge=0, lt=1)
        # A read-only, key-sorted copy: the caller's dict can't change a frozen policy afterwards.
        object.__setattr__(self, "rights", _FrozenMap(sorted(self.rights.items())))


class _FrozenMap(dict[str, float]):
    """A dict that refuses writes (policies are shared between threads and calls)."""

    def __setitem__(self, *args: object) -> NoReturn:
        raise _read_only()

    def __delitem__(self, *args: object) -> NoReturn:
        raise _read_only()

    # mypy wants `|=` to return what `|` returns; a read-only map's `|=` can only refuse.
    def __ior__(self, *args: object) -> NoReturn:  # type: ignore[misc]
        raise _read_only()

    def clear(self, *args: object) -> NoReturn:
        raise _read_only()

    def pop(self, *args: object) -> NoReturn:
        raise _read_only()

    def popitem(self, *args: object) -> NoReturn:
        raise _read_only()

    def setdefault(self, *args: object) -> NoReturn:
        raise _read_only()

    def update(self, *args: object, **kwargs: object) -> NoReturn:
        raise _read_only()

    # Pickled as its items (a dict subclass unpickles item by item through __setitem__): the
    # Spark rebuild ships the policy to its Python workers.
    def __reduce__(self) -> tuple[type[_FrozenMap], tuple[list[tuple[str, float]]]]:
        return (_FrozenMap, (list(self.items()),))

    # typeshed declares dict.__hash__ = None (a dict can change); this one cannot, so it hashes.
    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))


def _read_only() -> TypeError:
    return TypeError("policy mappings are read-only")


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
        check(bool(self.version), "version", "must be a non-empty string")
        a, r = self.acquaintance, self.regular
        # Levels are nested: a REGULAR pair must also qualify as ACQUAINTANCE,
        # else the ladder skips.
        for name in ("min_score", "min_confidence", "min_satisfied_orders", "min_distinct_months"):
            check(
                getattr(r, name) >= getattr(a, name),
                f"trust.levels.regular.{name}",
                f"must be >= trust.levels.acquaintance.{name}, got "
                f"{getattr(r, name)!r} < {getattr(a, name)!r}",
            )
        stars, good = self.negative.bad_review_max_stars, self.positive.good_review_min_stars
        check(
            stars < good,
            "trust.negative.bad_review_max_stars",
            f"must be < trust.positive.good_review_min_stars, got {stars!r} >= {good!r}",
        )


# --- loading from the parsed policy file --------------------------------------------------------

_TRUST_KEYS = (
    "model",
    "decay",
    "calendar",
    "positive",
    "negative",
    "anti_gaming",
    "levels",
    "distrust",
    "platform",
)
_LEVELS = ("acquaintance", "regular")


def load_trust_policy(document: Mapping[str, object], *, version: str | None = None) -> TrustPolicy:
    """Build and validate the trust policy from a parsed policy file (e.g. ``tomllib.load``).

    ``document`` is the whole file: its ``trust`` table holds the policy, its top-level
    ``version`` names it (``version=`` overrides, for drafts and what-if runs). Missing, unknown
    or out-of-range keys raise :class:`~scoring.policy_reader.PolicyError` (a ``ValueError``)
    naming the key path.
    """
    root = PolicyTable(document)
    version = policy_version(root, version)
    trust = root.table("trust", _TRUST_KEYS)
    # The sections' dataclasses check the ranges; a number keeps the file's type (180 stays an int).
    model = trust.table("model").build(ModelPolicy, keep_int=True)
    decay = trust.table("decay").build(DecayPolicy, keep_int=True)
    calendar = trust.table("calendar").build(CalendarPolicy, keep_int=True)
    positive = trust.table("positive").build(PositivePolicy, keep_int=True)
    negative = trust.table("negative").build(NegativePolicy, keep_int=True)
    anti_gaming = trust.table("anti_gaming").build(AntiGamingPolicy, keep_int=True)
    distrust = trust.table("distrust").build(DistrustPolicy, keep_int=True)
    levels_t = trust.table("levels", _LEVELS)
    levels = {
        name: levels_t.table(name).build(LevelPolicy, keep_int=True, name=name.upper())
        for name in _LEVELS
    }
    platform_t = trust.table("platform", keys_of(PlatformPolicy))
    rights_t = platform_t.table("rights")
    platform = PlatformPolicy(
        base=platform_t.number("base", finite=False, keep_int=True),
        max=platform_t.number("max", finite=False, keep_int=True),
        rights={right: rights_t.number(right, finite=False) for right in rights_t},
    )
    return TrustPolicy(
        version=version,
        model=model,
        decay=decay,
        calendar=calendar,
        positive=positive,
        negative=negative,
        anti_gaming=anti_gaming,
        acquaintance=levels["acquaintance"],
        regular=levels["regular"],
        distrust=distrust,
        platform=platform,
    )


def with_changes(policy: TrustPolicy, section: str, **changes: object) -> TrustPolicy:
    """A copy of ``policy`` with some keys of one section changed (validated):
    what-if runs, tests."""
    return dataclasses.replace(
        policy, **{section: dataclasses.replace(getattr(policy, section), **changes)}
    )
