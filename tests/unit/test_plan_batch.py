"""The decisions of one batch, given what the graph holds: duplicates, conflicts, references."""

from __future__ import annotations

from typing import Any

from graph_api import events as ev
from graph_api.derive import Touched, touched_by
from graph_api.ingest import GraphChecks, plan_batch

AT = "2021-09-03T20:15:00+08:00"
NOTHING = GraphChecks(event_hashes={}, orders=frozenset(), reports=frozenset())


def valid(event_id: str, kind: str, at: str = AT, **fields) -> dict:
    result = ev.validate_event({"eventId": event_id, "type": kind, "at": at, **fields})
    assert isinstance(result, dict), result
    return result


def plan(events, checks=NOTHING):
    return plan_batch(list(enumerate(events)), checks)


def test_order_events_in_the_same_batch_as_their_order_are_accepted_in_any_position():
    delivered = valid("e1", "ORDER_DELIVERED", orderId="o1")
    placed = valid(
        "e2", "ORDER_PLACED", orderId="o1", buyerId="b", hostId="h", shopId="s", amount=5
    )
    writes, result = plan([delivered, placed])
    assert len(result.accepted) == 2 and not result.rejected
    names = [name for name, _ in writes]
    assert names.index("ingest/order_placed") < names.index("ingest/order_delivered")
    assert names[-2:] == ["ingest/record_events", "ingest/advance_clock"]


def test_unknown_order_and_report_are_rejected_alone():
    events = [
        valid("e1", "ORDER_DELIVERED", orderId="o9"),
        valid("e2", "FALSE_AD_CONFIRMED", reportId="r9"),
        valid("e3", "COMMENTED", buyerId="b", hostId="h"),
    ]
    writes, result = plan(events)
    assert [(r.index, r.code, r.field) for r in result.rejected] == [
        (0, ev.UNKNOWN_ORDER, "orderId"),
        (1, ev.UNKNOWN_REPORT, "reportId"),
    ]
    assert [e["eventId"] for e in result.accepted] == ["e3"]
    assert [name for name, _ in writes] == [
        "ingest/commented",
        "ingest/record_events",
        "ingest/advance_clock",
    ]


def test_known_order_in_the_graph_is_accepted():
    checks = GraphChecks(event_hashes={}, orders=frozenset({"o9"}), reports=frozenset({"r9"}))
    _, result = plan(
        [
            valid("e1", "REVIEW_POSTED", orderId="o9", rating=4),
            valid("e2", "FALSE_AD_CONFIRMED", reportId="r9"),
        ],
        checks,
    )
    assert len(result.accepted) == 2


def test_replay_is_a_duplicate_and_reused_id_is_a_conflict():
    first = valid("e1", "COMMENTED", buyerId="b", hostId="h")
    checks = GraphChecks(
        event_hashes={"e1": first["hash"]}, orders=frozenset(), reports=frozenset()
    )
    writes, result = plan([first, valid("e1", "COMMENTED", buyerId="b2", hostId="h")], checks)
    assert result.duplicates == 1 and not result.accepted and writes == []
    assert [(r.index, r.code) for r in result.rejected] == [(1, ev.EVENT_ID_CONFLICT)]


def test_duplicates_within_one_batch():
    a = valid("e1", "COMMENTED", buyerId="b", hostId="h")
    _, result = plan([a, dict(a), valid("e1", "COMMENTED", buyerId="x", hostId="h")])
    assert len(result.accepted) == 1 and result.duplicates == 1
    assert result.rejected[0].code == ev.EVENT_ID_CONFLICT


def test_second_order_placed_for_one_order_is_rejected():
    # JSON fields, unpacked into valid(): Any, as a dict[str, str | int] could pass an int `at`
    order: dict[str, Any] = dict(orderId="o1", buyerId="b", hostId="h", shopId="s", amount=5)
    _, result = plan([valid("e1", "ORDER_PLACED", **order), valid("e2", "ORDER_PLACED", **order)])
    assert [r.code for r in result.rejected] == [ev.DUPLICATE_ORDER]
    checks = GraphChecks(event_hashes={}, orders=frozenset({"o1"}), reports=frozenset())
    _, result = plan([valid("e3", "ORDER_PLACED", **order)], checks)
    assert [r.code for r in result.rejected] == [ev.DUPLICATE_ORDER]


def test_rows_within_a_type_are_in_time_order_and_follows_share_one_query():
    late = valid("e1", "UNFOLLOWED", at="2021-09-05T00:00:00Z", buyerId="b", hostId="h")
    early = valid("e2", "FOLLOWED", at="2021-09-01T00:00:00Z", buyerId="b", hostId="h")
    writes, _ = plan([late, early])
    name, rows = writes[0]
    assert name == "ingest/follow_changed"
    assert [(r["eventId"], r["active"]) for r in rows] == [("e2", True), ("e1", False)]
    assert all("hash" not in r and "type" not in r for r in rows)


def test_violations_split_by_target():
    writes, _ = plan(
        [
            valid("e1", "VIOLATION_PENALIZED", shopId="s", severity=1, code="FAKE_SHIPPING"),
            valid("e2", "VIOLATION_PENALIZED", hostId="h", severity=3, code="FALSE_AD"),
        ]
    )
    assert [name for name, _ in writes][:2] == ["ingest/host_penalized", "ingest/shop_penalized"]


def test_plan_is_deterministic():
    events = [
        valid(
            f"e{i}",
            "WATCHED",
            at=f"2021-09-0{1 + i % 5}T00:00:00Z",
            buyerId="b",
            hostId="h",
            minutes=i + 1,
        )
        for i in range(20)
    ]
    assert plan(events)[0] == plan(list(events))[0]


def test_the_ingest_log_keeps_what_a_batch_named_and_rounds_unite_it():
    first = touched_by(
        [
            {"type": "WATCHED", "buyerId": "b1", "hostId": "h1"},
            {"type": "ORDER_DELIVERED", "orderId": "o1"},
        ]
    )
    second = touched_by([{"type": "SHOP_RIGHTS_CHANGED", "shopId": "s2"}])
    assert Touched.from_log(first.log_params()) == first
    first.update(second)
    assert (first.buyers, first.hosts, first.shops) == ({"b1"}, {"h1"}, {"s2"})
    assert (first.order_ids, first.rights_shops) == ({"o1"}, {"s2"})
