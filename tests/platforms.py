"""Seeded platforms for integration and end-to-end tests: one way to put a generated platform in
the tests' Neo4j and score it, and the lines every reader of the event log must judge alike
(the import, the consumer and the Spark job: tests/spark, tests/kafka). The comparison of two
rebuilds' derived state is bench/derived.py (the Spark benchmark uses it too)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from graph_api.derive import rescore_all
from graph_api.events import parse_at
from graph_api.ingest import Ingester
from graph_api.seed import SeedConfig, SeedReport, generate
from graph_api.store import Store
from scoring.policy import default_policy


def seed_platform(store: Store, config: SeedConfig) -> tuple[int, SeedReport]:
    """Empty the graph, ingest the platform of ``config`` (no event may be rejected) and rescore
    it at its clock. Returns the clock and the generator's report (its ground truth)."""
    store.wipe()
    events, report = generate(config)
    assert not Ingester(store, 5000).ingest(list(events)).rejected
    clock = store.latest_event_at()
    assert clock is not None
    rescore_all(store, default_policy(), clock)
    return clock, report


def clock_first(config: SeedConfig) -> tuple[list[dict[str, Any]], int]:
    """The events of ``config``'s platform after one that moves the graph's clock to the
    platform's last moment (a late buyer's registration), and that moment: every evaluation made
    while they are ingested (each batch, each deriver round) is then at the time a rebuild at the
    end uses, so the incremental state and the rebuild's can be compared property for property."""
    events = list(generate(config)[0])
    last = max(parse_at(e["at"]) for e in events)
    clock = {
        "eventId": "clock",
        "type": "BUYER_REGISTERED",
        "buyerId": "b-late",
        "at": datetime.fromtimestamp(last / 1000, tz=UTC).isoformat(),
    }
    return [clock, *events], last


T = "2024-03-01T10:00:00+08:00"
ORDER = {"type": "ORDER_PLACED", "at": T, "orderId": "o1", "buyerId": "b1", "hostId": "h1",
         "shopId": "s1", "amount": 20.0}  # fmt: skip
# Replays, a reused id, a second placement, events of unknown orders and reports, lines that
# are not events: 2 accepted, 1 duplicate, 7 rejected (one INVALID_JSON, one UNKNOWN_ORDER).
JUDGED_LINES = [
    json.dumps({"eventId": "e1", **ORDER}),
    json.dumps({"eventId": "e1", **ORDER}),  # a replay: duplicate
    json.dumps({"eventId": "e1", **ORDER, "amount": 21.0}),  # EVENT_ID_CONFLICT
    json.dumps({"eventId": "e2", **ORDER}),  # DUPLICATE_ORDER
    json.dumps({"eventId": "e3", "type": "ORDER_DELIVERED", "at": T, "orderId": "o1"}),
    json.dumps({"eventId": "e4", "type": "ORDER_DELIVERED", "at": T, "orderId": "o9"}),
    json.dumps({"eventId": "e5", "type": "FALSE_AD_CONFIRMED", "at": T, "reportId": "r9"}),
    json.dumps({"eventId": "e6", "type": "WATCHED", "at": T, "buyerId": "b1", "hostId": "h1"}),
    json.dumps({"eventId": "e7", "type": "REVIEW_POSTED", "at": T, "orderId": "o1", "rating": 9}),
    "{not json",
]
