"""What ingestion reports: ``RecordEventsResult`` (with each ``RejectedEvent``) and the changes it
made, ``TrustChange`` and ``BadgeChange``, which the subscriptions also stream. One converter each
(``trust_change_of``, ``badge_change_of``) turns the derived change into its GraphQL type, for the
mutation's answer and the subscriptions alike."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph_api.derive import results
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
    position: int | None = strawberry.field(
        description=(
            "The ingest log position of the call's last batch that accepted an event (null if "
            "none did). Derived state includes these events once `derivation.derived` reaches it."
        )
    )
    derived: bool = strawberry.field(
        description=(
            "True when derived state (trust, standings, badges) already includes these events: "
            "with `waitForDerived: true`, with TRUSTGRAPH_DERIVE=inline, or nothing was accepted."
        )
    )
    trust_changes: list[TrustChange] = strawberry.field(
        description=(
            "Level changes recorded while these events were derived (only when `derived`; with "
            "concurrent writers they may include changes of their events, derived in the same "
            "round). Subscribe to trustChanged for a complete stream."
        )
    )
    badge_changes: list[BadgeChange] = strawberry.field(
        description="Badge changes recorded while these events were derived, as trustChanges."
    )


@strawberry.type(description="How far ingestion and derivation have come (the ingest log).")
class Derivation:
    ingested: int = strawberry.field(description="Position of the newest recorded batch.")
    derived: int = strawberry.field(
        description="Position up to which derived state includes every recorded batch."
    )
    lag: int = strawberry.field(description="Recorded batches not derived yet.")
    mode: str = strawberry.field(
        description="This process's TRUSTGRAPH_DERIVE: async, inline or off."
    )


def trust_change_of(c: results.TrustChange) -> TrustChange:
    return TrustChange(
        buyer_id=strawberry.ID(c.buyer_id),
        target_kind=TargetKind(c.target_kind),
        target_id=strawberry.ID(c.target_id),
        old_level=TrustLevel(c.old_level) if c.old_level else None,
        new_level=TrustLevel(c.new_level),
        score=c.score,
        confidence=c.confidence,
        as_of=to_datetime(c.as_of),
    )


def _badges(names: tuple[str, ...]) -> list[BadgeKind]:
    """The badges the schema knows (a policy of one's own may name others)."""
    return [BadgeKind(b) for b in names if b in BadgeKind.__members__]


def badge_change_of(c: results.BadgeChange) -> BadgeChange:
    return BadgeChange(
        target_kind=TargetKind(c.kind),
        target_id=strawberry.ID(c.entity_id),
        old_badges=_badges(c.old_badges),
        new_badges=_badges(c.new_badges),
        multiplier=c.multiplier,
        tier=BoostTier(c.tier),
        as_of=to_datetime(c.as_of),
    )
