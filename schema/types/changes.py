"""What ingestion reports: ``RecordEventsResult`` (with each ``RejectedEvent``) and the changes it
made, ``TrustChange`` and ``BadgeChange``, which the subscriptions also stream (``trust_change_of``
and ``badge_change_of`` read them from the change log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.types.common import to_datetime
from schema.types.enums import BadgeKind, BoostTier, TargetKind, TrustLevel


@strawberry.type
class RejectedEvent:
    index: int = strawberry.field(description="Position of the event in the call's `events` list.")
    event_id: str | None
    code: str
    field: str | None
    message: str


@strawberry.type(description="A pair whose level changed.")
class TrustChange:
    buyer_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    old_level: TrustLevel | None = strawberry.field(
        description="Null: the pair had no relation before."
    )
    new_level: TrustLevel
    score: float
    confidence: float
    as_of: datetime | None


@strawberry.type(description="A shop or host whose badges changed.")
class BadgeChange:
    target_kind: TargetKind
    target_id: strawberry.ID
    old_badges: list[BadgeKind]
    new_badges: list[BadgeKind]
    multiplier: float
    tier: BoostTier
    as_of: datetime | None


@strawberry.type
class RecordEventsResult:
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    trust_changes: list[TrustChange]
    badge_changes: list[BadgeChange]


def trust_change_of(c: dict[str, Any]) -> TrustChange:
    return TrustChange(
        buyer_id=strawberry.ID(c["buyerId"]),
        target_kind=TargetKind(c["targetKind"]),
        target_id=strawberry.ID(c["targetId"]),
        old_level=TrustLevel(c["oldLevel"]) if c.get("oldLevel") else None,
        new_level=TrustLevel(c["newLevel"]),
        score=c["score"],
        confidence=c["confidence"],
        as_of=to_datetime(c.get("asOf")),
    )


def badge_change_of(c: dict[str, Any]) -> BadgeChange:
    return BadgeChange(
        target_kind=TargetKind(c["targetKind"]),
        target_id=strawberry.ID(c["targetId"]),
        old_badges=[BadgeKind(b) for b in c["oldBadges"] if b in BadgeKind.__members__],
        new_badges=[BadgeKind(b) for b in c["newBadges"] if b in BadgeKind.__members__],
        multiplier=c["multiplier"],
        tier=BoostTier(c["tier"]),
        as_of=to_datetime(c.get("asOf")),
    )
