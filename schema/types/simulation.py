"""The policy what-if: ``PolicySimulation``, what a candidate policy would change against the
policy in force (level shifts, badges gained and lost, tier and boost changes, examples), made by
``simulation_of`` from ``graph_api``'s simulation result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.types.common import to_datetime
from schema.types.enums import BoostTier, TargetKind, TrustLevel


@strawberry.type
class LevelShift:
    kind: TargetKind
    from_level: TrustLevel
    to_level: TrustLevel
    pairs: int


@strawberry.type
class BadgeCount:
    target_kind: TargetKind
    badge: str
    count: int


@strawberry.type
class TierChange:
    kind: TargetKind
    from_tier: BoostTier
    to_tier: BoostTier
    count: int


@strawberry.type(
    description="Shops or hosts whose traffic multiplier would move (within a tier too)."
)
class BoostChange:
    kind: TargetKind
    direction: str = strawberry.field(description="RAISED or LOWERED")
    count: int
    mean_change: float = strawberry.field(description="Mean change of the multiplier over these.")


@strawberry.type
class ChangeExamples:
    change: str
    examples: list[str]


@strawberry.type(
    description=(
        "What a candidate policy would change against the policy in force (nothing is written)."
    )
)
class PolicySimulation:
    as_of: datetime
    current_policy: str
    candidate_policy: str
    pairs: int
    shops_and_hosts: int
    level_shifts: list[LevelShift]
    badges_gained: list[BadgeCount]
    badges_lost: list[BadgeCount]
    tier_changes: list[TierChange]
    boost_changes: list[BoostChange]
    examples: list[ChangeExamples]


def simulation_of(sim: Any) -> PolicySimulation:
    def counts(counter: Any) -> list[BadgeCount]:
        return [
            BadgeCount(target_kind=TargetKind(k.split(":")[0]), badge=k.split(":", 1)[1], count=n)
            for k, n in sorted(counter.items())
        ]

    return PolicySimulation(
        as_of=to_datetime(sim.as_of),
        current_policy=sim.current,
        candidate_policy=sim.candidate,
        pairs=sim.pairs,
        shops_and_hosts=sim.entities,
        level_shifts=[
            LevelShift(
                kind=TargetKind(k), from_level=TrustLevel(a), to_level=TrustLevel(b), pairs=n
            )
            for (k, a, b), n in sorted(sim.level_shifts.items())
        ],
        badges_gained=counts(sim.badges_gained),
        badges_lost=counts(sim.badges_lost),
        tier_changes=[
            TierChange(kind=TargetKind(k), from_tier=BoostTier(a), to_tier=BoostTier(b), count=n)
            for (k, a, b), n in sorted(sim.tier_changes.items())
        ],
        boost_changes=[
            BoostChange(
                kind=TargetKind(k), direction=d, count=n, mean_change=sim.boost_deltas[(k, d)] / n
            )
            for (k, d), n in sorted(sim.boost_changes.items())
        ],
        examples=[ChangeExamples(change=c, examples=list(v)) for c, v in sim.examples.items()],
    )
