"""The stranger -> acquaintance -> regular funnel: how pairs move between levels over time.

Pure aggregation over each pair's level path (:class:`PairPath`, built from
``scoring.timeline.level_changes`` by ``graph_api/research/funnel.py``). Three views:

* **Transitions per period**: how many pairs entered the graph (their first fact) and how many
  moved between each two levels, counted in the period the move happened. Every pair starts as a
  stranger, so a pair whose first fact already makes it an acquaintance counts as a new pair and a
  STRANGER -> ACQUAINTANCE move at that moment.
* **Time to a level**: for the pairs that began in the window (first fact in [since, until]) and
  reached ACQUAINTANCE (or REGULAR) by ``until``: days from the first fact to the first time they
  were at that level or above. Pairs that had not reached it by ``until`` are counted as
  ``not_reached`` (right-censored: they may still get there), so the median describes those that
  made it, not every pair.
* **Conversion within a horizon**: of the pairs that began at least ``horizon`` before ``until``
  (so every one of them had the whole horizon to convert), the share at ACQUAINTANCE or above,
  and at REGULAR, within ``horizon`` of their first fact; by target kind and category, and
  grouped by a shop's trust rights when the pair began (shops) and by the highest fan-club tier
  the buyer held before converting (hosts; tiers joined after becoming a regular do not count).
  These are observed differences between groups, not causal effects: shops with rights and
  high-tier fans differ in other ways too.
"""

from __future__ import annotations

import calendar
import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from scoring.pair_trust import ACQUAINTANCE, HOST, LEVELS, REGULAR, SHOP, STRANGER

DAY_MS = 86_400_000
PLATFORM_TZ = timezone(timedelta(hours=8))  # the platform's (Asia/Shanghai has no DST)
PERIODS = ("DAY", "WEEK", "MONTH")
RANK = {level: i for i, level in enumerate(LEVELS)}  # STRANGER < ACQUAINTANCE < REGULAR

# Factors a conversion row is grouped by.
ALL = "ALL"
SHOP_RIGHTS = "SHOP_RIGHTS"
FAN_CLUB_TIER = "FAN_CLUB_TIER"
WITH_RIGHTS, WITHOUT_RIGHTS = "with rights", "without rights"
TIER_GROUPS = ("none", "1-2", "3-5", "6+")


def tier_group(tier: float) -> str:
    if tier <= 0:
        return "none"
    if tier <= 2:
        return "1-2"
    return "3-5" if tier <= 5 else "6+"


@dataclass(frozen=True, slots=True)
class PairPath:
    """One buyer -> host or shop pair's levels over time."""

    buyer_id: str
    kind: str  # HOST or SHOP
    target_id: str
    category: str | None
    first_at: int  # the pair's first fact
    changes: tuple[
        tuple[int, str], ...
    ]  # (at, level from then on), in time order; the first is at first_at
    rights_at_first: bool | None = None  # shops: the shop held trust rights when the pair began
    tiers: tuple[
        tuple[int, float], ...
    ] = ()  # hosts: fan-club tier changes (at, tier), in time order

    def first_at_level(self, level: str) -> int | None:
        """When the pair was first at ``level`` or above; None if never."""
        want = RANK[level]
        return next((at for at, lv in self.changes if RANK[lv] >= want), None)

    def tier_before(self, at: int) -> float:
        """The highest fan-club tier the buyer held with the host strictly before ``at``."""
        return max((tier for t, tier in self.tiers if t < at), default=0.0)


@dataclass(frozen=True)
class Period:
    start: int
    end: int  # exclusive
    new_by_kind: dict[str, int]  # HOST/SHOP -> pairs that began
    moves_by_kind: dict[str, dict[tuple[str, str], int]]  # HOST/SHOP -> (from, to) -> moves

    @property
    def new_pairs(self) -> int:
        return sum(self.new_by_kind.values())

    @property
    def transitions(self) -> dict[tuple[str, str], int]:
        """(from, to) -> moves, both kinds together, upward moves first."""
        total: Counter[tuple[str, str]] = Counter()
        for moves in self.moves_by_kind.values():
            total.update(moves)
        return dict(sorted(total.items(), key=_move_order))

    def moves(self, from_level: str, to_level: str, kind: str | None = None) -> int:
        if kind is not None:
            return self.moves_by_kind.get(kind, {}).get((from_level, to_level), 0)
        return sum(m.get((from_level, to_level), 0) for m in self.moves_by_kind.values())


@dataclass(frozen=True)
class Durations:
    """Days from a pair's first fact to a level, over the pairs that began in the window."""

    level: str
    began: int  # pairs whose first fact is in the window
    reached: int  # ... that reached the level by ``until``
    days: tuple[float, ...]  # one per pair that reached it, sorted

    @property
    def not_reached(self) -> int:
        return self.began - self.reached

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile (0..1) of the days, interpolated linearly between ranks."""
        if not self.days:
            return None
        pos = q * (len(self.days) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(self.days) - 1)
        return self.days[lo] + (self.days[hi] - self.days[lo]) * (pos - lo)

    @property
    def median(self) -> float | None:
        return self.quantile(0.5)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None


@dataclass(frozen=True)
class Conversion:
    kind: str
    category: str | None  # None: every category
    factor: str  # ALL, SHOP_RIGHTS or FAN_CLUB_TIER
    group: str  # "all", "with rights", "without rights", or a tier group
    pairs: int
    acquaintances: int  # at ACQUAINTANCE or above within the horizon
    regulars: int  # at REGULAR within the horizon

    @property
    def acquaintance_rate(self) -> float | None:
        return self.acquaintances / self.pairs if self.pairs else None

    @property
    def regular_rate(self) -> float | None:
        return self.regulars / self.pairs if self.pairs else None


@dataclass(frozen=True)
class Funnel:
    since: int
    until: int
    period: str
    horizon_days: int
    pairs: int  # pairs with at least one fact by ``until``
    periods: list[Period]
    time_to_acquaintance: Durations
    time_to_regular: Durations
    conversion: list[Conversion] = field(default_factory=list)
    cohort_until: int = 0  # conversion counts the pairs that began in [since, cohort_until]
    tz: tzinfo = PLATFORM_TZ  # the zone its periods start in, and its times are shown in

    def local(self, ms: int) -> datetime:
        """A time of this funnel (epoch ms) in its zone."""
        return datetime.fromtimestamp(ms / 1000, self.tz)


# -- periods ------------------------------------------------------------------------------------


def period_bounds(
    since: int, until: int, period: str, tz: tzinfo = PLATFORM_TZ
) -> list[tuple[int, int]]:
    """[start, end) of every period that overlaps [since, until]: calendar days, weeks from
    Monday, or months, in the time zone ``tz`` (default +08:00, the platform's; a zone with
    daylight saving keeps its periods at local midnight). The first starts at the period that
    holds ``since``; each is whole, so periods compare like with like."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    if until < since:
        raise ValueError("until must not be before since")
    start = datetime.fromtimestamp(since / 1000, tz).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if period == "WEEK":
        start -= timedelta(days=start.weekday())
    elif period == "MONTH":
        start = start.replace(day=1)
    bounds = []
    while int(start.timestamp() * 1000) <= until:
        if period == "DAY":
            end = start + timedelta(days=1)
        elif period == "WEEK":
            end = start + timedelta(days=7)
        else:
            days = calendar.monthrange(start.year, start.month)[1]
            end = start + timedelta(days=days)
        bounds.append((int(start.timestamp() * 1000), int(end.timestamp() * 1000)))
        start = end
    return bounds


# -- the funnel ---------------------------------------------------------------------------------


def build_funnel(
    paths: Iterable[PairPath],
    since: int,
    until: int,
    period: str = "MONTH",
    horizon_days: int = 90,
    tz: tzinfo = PLATFORM_TZ,
) -> Funnel:
    """The funnel of these pairs over [since, until] (epoch ms), periods in the zone ``tz``."""
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    bounds = period_bounds(since, until, period, tz)
    starts = [b[0] for b in bounds]
    new_pairs: list[Counter[str]] = [Counter() for _ in bounds]
    moves: list[Counter[tuple[str, str, str]]] = [Counter() for _ in bounds]
    horizon = horizon_days * DAY_MS
    cohort_until = until - horizon
    to_acq: list[float] = []
    to_reg: list[float] = []
    began = 0
    pairs = 0
    groups: Counter[tuple[str, str | None, str, str]] = Counter()
    acq_groups: Counter[tuple[str, str | None, str, str]] = Counter()
    reg_groups: Counter[tuple[str, str | None, str, str]] = Counter()

    def slot(at: int) -> int | None:
        if at < since or at > until:
            return None
        i = bisect_right(starts, at) - 1
        return i if 0 <= i < len(bounds) and at < bounds[i][1] else None

    for p in paths:
        if p.first_at > until:
            continue
        pairs += 1
        level = STRANGER
        first = slot(p.first_at)
        if first is not None:
            new_pairs[first][p.kind] += 1
        for at, to in p.changes:
            if at > until:
                break
            if to != level:
                i = slot(at)
                if i is not None:
                    moves[i][(p.kind, level, to)] += 1
                level = to

        acq_at = p.first_at_level(ACQUAINTANCE)
        reg_at = p.first_at_level(REGULAR)
        if since <= p.first_at <= until:
            began += 1
            if acq_at is not None and acq_at <= until:
                to_acq.append((acq_at - p.first_at) / DAY_MS)
            if reg_at is not None and reg_at <= until:
                to_reg.append((reg_at - p.first_at) / DAY_MS)

        if since <= p.first_at <= cohort_until:
            deadline = p.first_at + horizon
            acq = acq_at is not None and acq_at <= deadline
            reg = reg_at is not None and reg_at <= deadline
            keys = [(ALL, "all")]
            if p.kind == SHOP and p.rights_at_first is not None:
                keys.append((SHOP_RIGHTS, WITH_RIGHTS if p.rights_at_first else WITHOUT_RIGHTS))
            if p.kind == HOST:
                before = reg_at if reg and reg_at is not None else deadline  # reg implies reg_at
                keys.append((FAN_CLUB_TIER, tier_group(p.tier_before(before))))
            for category in (None, p.category) if p.category is not None else (None,):
                for factor, group in keys:
                    key = (p.kind, category, factor, group)
                    groups[key] += 1
                    acq_groups[key] += acq
                    reg_groups[key] += reg

    periods = []
    for i, (start, end) in enumerate(bounds):
        by_kind: dict[str, dict[tuple[str, str], int]] = {}
        for (kind, a, b), n in moves[i].items():
            by_kind.setdefault(kind, {})[(a, b)] = n
        periods.append(
            Period(
                start,
                end,
                dict(sorted(new_pairs[i].items())),
                {k: dict(sorted(v.items(), key=_move_order)) for k, v in sorted(by_kind.items())},
            )
        )
    conversion = [
        Conversion(
            kind,
            category,
            factor,
            group,
            n,
            acq_groups[(kind, category, factor, group)],
            reg_groups[(kind, category, factor, group)],
        )
        for (kind, category, factor, group), n in sorted(
            groups.items(), key=lambda kv: _group_order(kv[0])
        )
    ]
    return Funnel(
        since=since,
        until=until,
        period=period,
        horizon_days=horizon_days,
        pairs=pairs,
        periods=periods,
        time_to_acquaintance=Durations(ACQUAINTANCE, began, len(to_acq), tuple(sorted(to_acq))),
        time_to_regular=Durations(REGULAR, began, len(to_reg), tuple(sorted(to_reg))),
        conversion=conversion,
        cohort_until=cohort_until,
        tz=tz,
    )


def _move_order(item: tuple[tuple[str, str], int]) -> tuple[int, int]:
    (a, b), _ = item
    return (0 if RANK[b] > RANK[a] else 1, RANK[a] * 3 + RANK[b])


_FACTORS = {ALL: 0, SHOP_RIGHTS: 1, FAN_CLUB_TIER: 2}
_GROUPS = {
    "all": 0,
    WITH_RIGHTS: 1,
    WITHOUT_RIGHTS: 2,
    **{g: 3 + i for i, g in enumerate(TIER_GROUPS)},
}


def _group_order(key: tuple[str, str | None, str, str]) -> tuple[object, ...]:
    kind, category, factor, group = key
    return (kind, category is not None, category or "", _FACTORS[factor], _GROUPS[group])
