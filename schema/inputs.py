"""GraphQL inputs. ``EventInput`` is the JSONL event format field for field (docs in README,
"Events"): every field but the envelope is optional here and checked per type by the one
validator of ``graph_api.events``, so a bad event is rejected alone, with the same codes as in
``trustgraph import``, instead of failing the whole call."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.input(
    description=(
        "One event, with the field names of the JSONL format. `at`: ISO-8601 with an offset."
    )
)
class EventInput:
    event_id: str
    type: str
    at: str
    buyer_id: str | None = None
    host_id: str | None = None
    shop_id: str | None = None
    order_id: str | None = None
    report_id: str | None = None
    item_id: str | None = None
    amount: float | None = None
    category: str | None = None
    name: str | None = None
    rights: list[str] | None = None
    reason: str | None = None
    returned: bool | None = None
    rating: int | None = None
    minutes: float | None = None
    tier: int | None = None
    kind: str | None = None
    passed: bool | None = None
    severity: int | None = None
    code: str | None = None
    ruling: str | None = None


_JSON_NAMES = {
    "event_id": "eventId",
    "buyer_id": "buyerId",
    "host_id": "hostId",
    "shop_id": "shopId",
    "order_id": "orderId",
    "report_id": "reportId",
    "item_id": "itemId",
}


def event_dict(e: EventInput) -> dict[str, Any]:
    """The event as the JSONL format has it: fields left out are absent, not null."""
    out: dict[str, Any] = {}
    for name, value in vars(e).items():
        if value is not None:
            out[_JSON_NAMES.get(name, name)] = value
    return out
