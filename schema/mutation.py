"""recordEvents: the JSONL event format over GraphQL, with the rescoring it caused."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.inputs import EventInput, event_dict
from schema.permissions import require_root
from schema.runtime import run_sync
from schema.types.changes import (
    RecordEventsResult,
    RejectedEvent,
    badge_change_of,
    trust_change_of,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Record events (at most TRUSTGRAPH_MAX_EVENTS_PER_CALL, 1,000 by default). A bad event "
            "is rejected alone with a code and a message; the others are kept, durable when the "
            "call returns, and what they touched is rescored before it returns. A replayed event "
            "(same eventId, same content) is a duplicate and changes nothing. INGEST or ADMIN."
        )
    )
    async def record_events(self, info: Info, events: list[EventInput]) -> RecordEventsResult:
        require_root(info)
        result = await run_sync(
            info.context.trustgraph.record_events, [event_dict(e) for e in events]
        )
        metrics = info.context.extra.get("metrics")
        if metrics is not None:
            metrics.events.labels("accepted").inc(len(result.accepted))
            metrics.events.labels("duplicate").inc(result.duplicates)
            metrics.events.labels("rejected").inc(len(result.rejected))
        return RecordEventsResult(
            accepted=len(result.accepted),
            duplicates=result.duplicates,
            rejected=[
                RejectedEvent(
                    index=r.index,
                    event_id=r.event_id,
                    code=r.code,
                    field=r.field,
                    message=r.message,
                )
                for r in result.rejected
            ],
            trust_changes=[trust_change_of(c) for d in result.derived for c in d.trust_changes],
            badge_changes=[badge_change_of(c) for d in result.derived for c in d.badge_changes],
        )
