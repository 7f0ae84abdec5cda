"""GraphQL types of the research fields: the stranger -> regular funnel (scoring/funnel.py has the
definitions) and propagated trust (scoring/propagation.py), with their converters ``funnel_of`` and
``ranking_of``. The funnel's own enums (FunnelPeriod, FunnelFactor) are here, not in
``schema.types.enums``: only the research fields use them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry

from schema.types.common import to_datetime
from schema.types.enums import TargetKind, TrustLevel


@strawberry.enum(
    description=(
        "The length of a funnel period: calendar days, weeks from Monday, or months, in +08:00."
    )
)
class FunnelPeriod(enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.enum(description="What a conversion row is grouped by.")
class FunnelFactor(enum.Enum):
    ALL = "ALL"
    SHOP_RIGHTS = "SHOP_RIGHTS"
    FAN_CLUB_TIER = "FAN_CLUB_TIER"


@strawberry.type(description="Pairs that moved from one level to another in a period.")
class LevelMove:
    from_level: TrustLevel
    to_level: TrustLevel
    pairs: int


@strawberry.type(description="A period's counts for buyer -> host or buyer -> shop pairs alone.")
class KindPeriodCounts:
    target_kind: TargetKind
    new_pairs: int
    moves: list[LevelMove]


@strawberry.type(
    description=(
        "One period of the funnel: pairs that began (their first "
        "fact), and the moves between levels."
    )
)
class FunnelPeriodCounts:
    start: datetime
    end: datetime = strawberry.field(description="Exclusive.")
    new_pairs: int = strawberry.field(description="Both kinds together.")
    moves: list[LevelMove] = strawberry.field(description="Both kinds together.")
    by_target_kind: list[KindPeriodCounts]


def _moves(transitions: dict[tuple[str, str], int]) -> list[LevelMove]:
    return [
        LevelMove(from_level=TrustLevel(a), to_level=TrustLevel(b), pairs=n)
        for (a, b), n in transitions.items()
    ]


@strawberry.type(
    description=(
        "Days from a pair's first fact to the first time it was at the level or above, over "
        "the pairs that began in the window; pairs that had not reached it by the window's end "
        "are notReached (they may still)."
    )
)
class TimeToLevel:
    level: TrustLevel
    began: int
    reached: int
    not_reached: int
    median_days: float | None
    p25_days: float | None
    p75_days: float | None
    mean_days: float | None


@strawberry.type(
    description=(
        "Of the pairs that began at least horizonDays before the window's end, the share at "
        "ACQUAINTANCE or above and at REGULAR within horizonDays of their first fact. Observed "
        "differences between groups, not causal effects."
    )
)
class ConversionGroup:
    target_kind: TargetKind
    category: str | None = strawberry.field(description="Null: every category.")
    factor: FunnelFactor
    group: str = strawberry.field(
        description=(
            "all; with rights / without rights (the shop's trust rights when the pair began); or "
            "the highest fan-club tier before converting: none, 1-2, 3-5, 6+."
        )
    )
    pairs: int
    acquaintances: int
    regulars: int
    acquaintance_rate: float | None
    regular_rate: float | None


@strawberry.type(
    description=(
        "How buyer -> host and buyer -> shop pairs move STRANGER -> ACQUAINTANCE -> REGULAR."
    )
)
class Funnel:
    since: datetime
    until: datetime
    period: FunnelPeriod
    horizon_days: int
    cohort_until: datetime = strawberry.field(
        description="Conversion counts the pairs that began in [since, cohortUntil]."
    )
    pairs: int = strawberry.field(
        description="Pairs with a fact by until (of the kind and category asked)."
    )
    periods: list[FunnelPeriodCounts]
    time_to_acquaintance: TimeToLevel
    time_to_regular: TimeToLevel
    conversion: list[ConversionGroup]


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _time_to(d: Any) -> TimeToLevel:
    return TimeToLevel(
        level=TrustLevel(d.level),
        began=d.began,
        reached=d.reached,
        not_reached=d.not_reached,
        median_days=_days(d.median),
        p25_days=_days(d.quantile(0.25)),
        p75_days=_days(d.quantile(0.75)),
        mean_days=_days(d.mean),
    )


def funnel_of(f: Any) -> Funnel:
    # Times in the funnel's zone (TRUSTGRAPH_TIMEZONE): a June period starts 2021-06-01T00:00+08:00
    return Funnel(
        since=f.local(f.since),
        until=f.local(f.until),
        period=FunnelPeriod(f.period),
        horizon_days=f.horizon_days,
        cohort_until=f.local(f.cohort_until),
        pairs=f.pairs,
        periods=[
            FunnelPeriodCounts(
                start=f.local(p.start),
                end=f.local(p.end),
                new_pairs=p.new_pairs,
                moves=_moves(p.transitions),
                by_target_kind=[
                    KindPeriodCounts(
                        target_kind=TargetKind(k),
                        new_pairs=p.new_by_kind.get(k, 0),
                        moves=_moves(p.moves_by_kind.get(k, {})),
                    )
                    for k in sorted(set(p.new_by_kind) | set(p.moves_by_kind))
                ],
            )
            for p in f.periods
        ],
        time_to_acquaintance=_time_to(f.time_to_acquaintance),
        time_to_regular=_time_to(f.time_to_regular),
        conversion=[
            ConversionGroup(
                target_kind=TargetKind(c.kind),
                category=c.category,
                factor=FunnelFactor(c.factor),
                group=c.group,
                pairs=c.pairs,
                acquaintances=c.acquaintances,
                regulars=c.regulars,
                acquaintance_rate=c.acquaintance_rate,
                regular_rate=c.regular_rate,
            )
            for c in f.conversion
        ],
    )


@strawberry.type(
    description=(
        "A host's or shop's propagated trust (its share of the walk's "
        "stationary mass among targets)."
    )
)
class PropagatedTrust:
    target_kind: TargetKind
    target_id: strawberry.ID
    trust: float
    known: bool = strawberry.field(
        description="Personalized runs: the buyer already has a relation with it."
    )


@strawberry.type(
    description=(
        "EigenTrust over buyers' local trust (docs/research.md): global, anchored on a pre-trusted "
        "set, or personalized from one buyer (what buyers like them trust)."
    )
)
class TrustRanking:
    as_of: datetime
    from_buyer: strawberry.ID | None
    pretrusted: int = strawberry.field(
        description="Anchors of the walk (the buyer, for a personalized run)."
    )
    edges: int
    iterations: int
    converged: bool
    entries: list[PropagatedTrust]


def ranking_of(g: Any, kind: str | None, first: int, exclude_known: bool) -> TrustRanking:
    return TrustRanking(
        as_of=to_datetime(g.as_of),
        from_buyer=strawberry.ID(g.from_buyer) if g.from_buyer else None,
        pretrusted=len(g.pretrusted),
        edges=g.edges,
        iterations=g.result.iterations,
        converged=g.result.converged,
        entries=[
            PropagatedTrust(
                target_kind=TargetKind(k),
                target_id=strawberry.ID(i),
                trust=v,
                known=f"{k}:{i}" in g.known,
            )
            for k, i, v in g.ranking(kind, first, exclude_known)
        ],
    )
