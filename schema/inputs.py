"""GraphQL inputs. ``EventInput`` is the JSONL event format field for field (docs in README,
"Events"): every field but the envelope is optional here and checked per type by the one
validator of ``graph_api.events``, so a bad event is rejected alone, with the same codes as in
``trustgraph import``, instead of failing the whole call."""

from __future__ import annotations

from typing import Any, Optional

import strawberry


@strawberry.input(description="One event, with the field names of the JSONL format. `at`: ISO-8601 with an offset.")
class EventInput:
    event_id: str
    type: str
    at: str
    buyer_id: Optional[str] = None
    host_id: Optional[str] = None
    shop_id: Optional[str] = None
    order_id: Optional[str] = None
    report_id: Optional[str] = None
    item_id: Optional[str] = None
    amount: Optional[float] = None
    category: Optional[str] = None
    name: Optional[str] = None
    rights: Optional[list[str]] = None
    reason: Optional[str] = None
    returned: Optional[bool] = None
    rating: Optional[int] = None
    minutes: Optional[float] = None
    tier: Optional[int] = None
    kind: Optional[str] = None
    passed: Optional[bool] = None
    severity: Optional[int] = None
    code: Optional[str] = None


_JSON_NAMES = {
    "event_id": "eventId", "buyer_id": "buyerId", "host_id": "hostId", "shop_id": "shopId", "order_id": "orderId",
    "report_id": "reportId", "item_id": "itemId",
}


def event_dict(e: EventInput) -> dict[str, Any]:
    """The event as the JSONL format has it: fields left out are absent, not null."""
    out: dict[str, Any] = {}
    for name, value in vars(e).items():
        if value is not None:
            out[_JSON_NAMES.get(name, name)] = value
    return out
