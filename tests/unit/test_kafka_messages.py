"""How `trustgraph consume` reads one message and what it writes to the dead-letter topic: pure
parts of graph_api/ingest/kafka.py (the loop itself runs against a real broker in tests/kafka)."""

from __future__ import annotations

import json

from graph_api import events as ev
from graph_api.events import Rejection
from graph_api.ingest.kafka import parse_message, partition_key

EVENT = {
    "eventId": "e1",
    "type": "ORDER_DELIVERED",
    "at": "2021-06-02T10:00:00+08:00",
    "orderId": "o1",
}


def test_a_valid_event_parses_to_its_dict():
    parsed = parse_message(json.dumps(EVENT).encode(), 0)
    assert isinstance(parsed, dict) and parsed["orderId"] == "o1"


def test_poison_messages_become_rejections_with_a_code():
    cases = {
        b"{not json": ev.INVALID_JSON,
        b"\xff\xfe": ev.INVALID_JSON,
        b"[1, 2]": ev.NOT_AN_OBJECT,
        json.dumps({**EVENT, "type": "NOPE"}).encode(): ev.UNKNOWN_TYPE,
    }
    for value, code in cases.items():
        r = parse_message(value, 3)
        assert isinstance(r, Rejection) and r.code == code and r.index == 3, (value, r)
        assert r.message
    without_order = {k: v for k, v in EVENT.items() if k != "orderId"}
    missing = parse_message(json.dumps(without_order).encode(), 0)
    assert isinstance(missing, Rejection) and missing.code == ev.MISSING_FIELD
    assert missing.field == "orderId"
    empty = parse_message(None, 0)
    assert isinstance(empty, Rejection) and empty.code == ev.INVALID_JSON


def test_an_orders_events_share_a_partition_key():
    assert partition_key(EVENT) == "o1"
    assert partition_key({"eventId": "e2", "reportId": "r1"}) == "r1"
    assert partition_key({"eventId": "e3", "buyerId": "b1"}) == "b1"
    assert partition_key({"eventId": "e4", "shopId": "s1"}) == "s1"
    assert partition_key({"eventId": "e5"}) == "e5"
    assert partition_key({}) is None
