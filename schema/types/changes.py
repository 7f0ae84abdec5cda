"""What ingestion reports: ``RecordEventsResult`` (with each ``RejectedEvent``) and the changes it
made, ``TrustChange`` and ``BadgeChange``, which the subscriptions also stream. One converter each
(``trust_change_of``, ``badge_change_of``) turns the derived change into its GraphQL type, for the
mutation's answer and the subscriptions alike."""

from __future__ import annotations

from datetime import datetime
from typing import NewType

import strawberry
from graphql import GraphQLError

from graph_api.derive import results
from schema.types.common import to_datetime
from schema.types.enums import BadgeKind, BoostTier, TargetKind, TrustLevel


def _offset(value: object) -> int:
    # A GraphQLError, not a ValueError: graphql-core reports it as the client's (BAD_USER_INPUT)
    # for a literal as for a variable (the fuzzer found a ValueError reaching clients as internal).
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise GraphQLError(f"an Offset is an integer from 0 to 2^63-1, got {value!r}")
    return value


Offset = NewType("Offset", int)
OFFSET_SCALAR = strawberry.scalar(
    name="Offset",
    serialize=int,
    parse_value=_offset,
    description="A Kafka offset: a 64-bit integer (more than GraphQL's Int), as a JSON number.",
)


@strawberry.type(
    description=(
        "Where Kafka holds a message (TRUSTGRAPH_INGEST=kafka): topic, partition and offset. The "
        "graph has applied it once its consumer's clock for the partition reaches the offset "
        "(query `streamApplied`, or `recordEvents(waitForDerived: true)`)."
    )
)
class StreamPosition:
    topic: str
    partition: int
    offset: Offset


@strawberry.input(description="A stream position as recordEvents returned it.")
class StreamPositionInput:
    topic: str
    partition: int
    offset: Offset


@strawberry.type(description="How far the read servers have applied and derived stream positions.")
class PartitionApplied:
    topic: str
    partition: int
    applied: Offset = strawberry.field(
        description="The last offset applied by the slowest read server that answers (-1: none)."
    )
    derived: Offset = strawberry.field(
        description="The last offset derived state includes on that server (-1: none)."
    )


@strawberry.type(description="streamApplied's answer.")
class StreamApplied:
    applied: bool = strawberry.field(
        description="Every position asked is applied (its facts committed) on every read server "
        "that answers."
    )
    derived: bool = strawberry.field(
        description="... and derived state (trust, standings, badges) includes it there."
    )
    servers: int = strawberry.field(description="Read servers that answered.")
    partitions: list[PartitionApplied]


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
            "none did, and with TRUSTGRAPH_INGEST=kafka). Derived state includes these events once "
            "`derivation.derived` reaches it."
        )
    )
    stream_positions: list[StreamPosition] = strawberry.field(
        description=(
            "With TRUSTGRAPH_INGEST=kafka: for each partition the accepted events went to, the "
            "position of the last one, acknowledged by Kafka (acks=all) before the call answered. "
            "Wait for them with `streamApplied(positions:, waitMs:)` (or call with "
            "`waitForDerived: true`). Empty in the graph mode."
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
