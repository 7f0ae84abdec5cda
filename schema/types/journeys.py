"""A pair's journey: the steps by which one buyer's trust toward one host or shop moved between
levels, and the facts that caused each step."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.types.enums import TargetKind, TrustLevel
from schema.types.trust import TrustRelation


@strawberry.type
class JourneyCause:
    event: str = strawberry.field(
        description="What happened (ORDER_DELIVERED, REVIEW_POSTED (5 stars), DECAY ...)."
    )
    id: strawberry.ID | None = strawberry.field(description="The order it happened to, if any.")


@strawberry.type
class JourneyStep:
    at: datetime
    from_level: TrustLevel | None
    to_level: TrustLevel
    score: float
    confidence: float
    causes: list[JourneyCause]


@strawberry.type(
    description=(
        "How one pair moved between levels, and why; `current` is the pair as of the graph's clock."
    )
)
class Journey:
    buyer_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    steps: list[JourneyStep]
    current: TrustRelation
