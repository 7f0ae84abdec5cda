"""recordEvents: the JSONL event format over GraphQL. It answers when the events are durable;
derived state follows (docs/api.md, "After an ingest"), or is waited for on demand."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph_api.derive.results import BadgeChange, TrustChange
from graph_api.events import Rejection
from graph_api.ingest.produce import ProduceResult
from schema.inputs import EventInput, event_dict
from schema.permissions import require_root
from schema.runtime import run_sync
from schema.types.changes import (
    Offset,
    RecordEventsResult,
    RejectedEvent,
    StreamPosition,
    badge_change_of,
    trust_change_of,
)

# At most this many changes come back in one answer (the subscriptions carry every change).
MAX_CHANGES_IN_ANSWER = 1000


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Record events (at most TRUSTGRAPH_MAX_EVENTS_PER_CALL, 1,000 by default). A bad event "
            "is rejected alone with a code and a message; the others are kept, durable when the "
            "call returns, with their ingest log `position`. A replayed event (same eventId, same "
            "content) is a duplicate and changes nothing. Derived state (trust, standings, badges) "
            "follows within moments; with `waitForDerived: true` the call returns only once it "
            "includes these events (error DERIVATION_PENDING after TRUSTGRAPH_DERIVE_WAIT_MS, "
            "the events still durable). With TRUSTGRAPH_INGEST=kafka the events are validated "
            "the same way, produced to the event topic and the call answers when Kafka has them "
            "(acks=all), with their `streamPositions`; `waitForDerived: true` then waits until "
            "every read server's consumer has applied and derived them. INGEST or ADMIN."
        )
    )
    async def record_events(
        self, info: Info, events: list[EventInput], wait_for_derived: bool = False
    ) -> RecordEventsResult:
        require_root(info)
        tg, loop = info.context.trustgraph, info.context.derivation
        if tg.producer is not None:
            return await _produce(info, [event_dict(e) for e in events], wait_for_derived)
        head = await run_sync(tg.change_head) if wait_for_derived else 0
        result = await run_sync(tg.record_events, [event_dict(e) for e in events])
        metrics = info.context.extra.get("metrics")
        if metrics is not None:
            metrics.events.labels("accepted").inc(len(result.accepted))
            metrics.events.labels("duplicate").inc(result.duplicates)
            metrics.events.labels("rejected").inc(len(result.rejected))
        trust: list[TrustChange] = [c for d in result.derived for c in d.trust_changes]
        badges: list[BadgeChange] = [c for d in result.derived for c in d.badge_changes]
        derived = bool(result.derived) or not result.accepted
        if loop is not None:
            if result.position is not None:
                loop.wake()
            if wait_for_derived and not result.derived:
                # A replay has no position of its own: wait for everything logged so far, which
                # includes the first delivery of its events.
                target = result.position or (await loop.positions()).ingested
                await loop.wait_for(target)
                for change in await run_sync(tg.changes_after, head, MAX_CHANGES_IN_ANSWER):
                    if isinstance(change, TrustChange):
                        trust.append(change)
                    else:
                        badges.append(change)
                derived = True
        if result.accepted or wait_for_derived:
            await run_sync(tg.see_own_writes)
        return RecordEventsResult(
            accepted=len(result.accepted),
            duplicates=result.duplicates,
            rejected=_rejected(result.rejected),
            position=result.position,
            stream_positions=[],
            derived=derived,
            trust_changes=[trust_change_of(c) for c in trust],
            badge_changes=[badge_change_of(c) for c in badges],
        )


def _rejected(rejections: list[Rejection]) -> list[RejectedEvent]:
    return [
        RejectedEvent(
            index=r.index, event_id=r.event_id, code=r.code, field=r.field, message=r.message
        )
        for r in rejections
    ]


async def _produce(info: Info, raw: list[dict], wait_for_derived: bool) -> RecordEventsResult:
    """TRUSTGRAPH_INGEST=kafka: validated here, recorded by the graph's consumers. Duplicates are
    counted by the consumer (a replay is one there); the level and badge changes come from the
    subscriptions."""
    tg, stream = info.context.trustgraph, info.context.stream
    result: ProduceResult = await run_sync(tg.produce_events, raw)
    metrics = info.context.extra.get("metrics")
    if metrics is not None:
        metrics.events.labels("produced").inc(result.accepted)
        metrics.events.labels("rejected").inc(len(result.rejected))
    derived = not result.positions
    if wait_for_derived and result.positions and stream is not None:
        await stream.wait_for(result.positions, derived=True)
        await run_sync(tg.see_own_writes)
        derived = True
    return RecordEventsResult(
        accepted=result.accepted,
        duplicates=0,
        rejected=_rejected(result.rejected),
        position=None,
        stream_positions=[
            StreamPosition(topic=p.topic, partition=p.partition, offset=Offset(p.offset))
            for p in result.positions
        ],
        derived=derived,
        trust_changes=[],
        badge_changes=[],
    )
