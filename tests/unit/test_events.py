"""Validation of the event format: every rule, and the field it names when it fails."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from graph_api import events as ev
from graph_api.events import Rejection, validate_event

AT = "2021-09-03T20:15:00+08:00"

# One valid example of every event type; the tests below break them one field at a time.
VALID: dict[str, dict] = {
    "BUYER_REGISTERED": {"buyerId": "b1"},
    "HOST_REGISTERED": {"hostId": "h1", "name": "Xiao Li", "category": "tea"},
    "SHOP_REGISTERED": {"shopId": "s1", "name": "Tea House", "category": "tea"},
    "HOST_SELLS_FOR_SHOP": {"hostId": "h1", "shopId": "s1"},
    "SHOP_RIGHTS_CHANGED": {
        "shopId": "s1",
        "rights": ["REFUND_WITHOUT_RETURN", "SEVEN_DAY_RETURN"],
    },
    "ORDER_PLACED": {
        "orderId": "o1",
        "buyerId": "b1",
        "hostId": "h1",
        "shopId": "s1",
        "amount": 99.5,
        "category": "tea",
        "itemId": "i1",
    },
    "ORDER_DELIVERED": {"orderId": "o1"},
    "ORDER_REFUNDED": {"orderId": "o1", "reason": "DEFECT", "returned": False},
    "REVIEW_POSTED": {"orderId": "o1", "rating": 5},
    "COMPLAINT_FILED": {"orderId": "o1", "reason": "FAKE_GOODS"},
    "FOLLOWED": {"buyerId": "b1", "hostId": "h1"},
    "UNFOLLOWED": {"buyerId": "b1", "hostId": "h1"},
    "COMMENTED": {"buyerId": "b1", "hostId": "h1"},
    "WATCHED": {"buyerId": "b1", "hostId": "h1", "minutes": 30},
    "FAN_CLUB_TIER_SET": {"buyerId": "b1", "hostId": "h1", "tier": 5},
    "FALSE_AD_REPORTED": {"reportId": "r1", "buyerId": "b1", "hostId": "h1"},
    "FALSE_AD_CONFIRMED": {"reportId": "r1"},
    "VIOLATION_PENALIZED": {"hostId": "h1", "severity": 2, "code": "FALSE_AD"},
    "INSPECTION_RECORDED": {"orderId": "o1", "kind": "AUTHENTICITY", "passed": True},
    "DISPUTE_RULED": {"orderId": "o1", "ruling": "FOR_BUYER"},
}


def make(event_type: str, /, **changes) -> dict:
    event = {
        "eventId": f"e-{event_type.lower()}",
        "type": event_type,
        "at": AT,
        **copy.deepcopy(VALID[event_type]),
    }
    for name, value in changes.items():
        if value is ...:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def accepted(event) -> dict[str, Any]:
    result = validate_event(event)
    assert isinstance(result, dict), f"expected accepted, got {result}"
    return result


def rejected(event, code: str, field: str | None) -> Rejection:
    result = validate_event(event, 3)
    assert isinstance(result, Rejection), f"expected {code} on {field}, got accepted {result}"
    assert (result.code, result.field) == (code, field), result
    assert result.index == 3
    if field:
        assert field in result.message
    return result


def test_every_type_has_an_example():
    assert set(VALID) == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_example_is_accepted_and_normalised(kind):
    result = validate_event(make(kind))
    assert isinstance(result, dict), result
    assert result["type"] == kind
    assert result["at"] == 1630671300000  # 2021-09-03T12:15:00Z in epoch milliseconds
    assert len(result["hash"]) == 24


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_required_field_is_required(kind):
    required, _ = ev.EVENT_TYPES[kind]
    for name in required:
        rejected(make(kind, **{name: ...}), ev.MISSING_FIELD, name)


@pytest.mark.parametrize("name", ["eventId", "type", "at"])
def test_envelope_fields_are_required(name):
    rejected(make("FOLLOWED", **{name: ...}), ev.MISSING_FIELD, name)


def test_not_an_object():
    r = validate_event(["BUYER_REGISTERED"], 0)
    assert isinstance(r, Rejection) and r.code == ev.NOT_AN_OBJECT


def test_unknown_type():
    rejected(make("FOLLOWED", type="FOLLOWS"), ev.UNKNOWN_TYPE, "type")
    rejected(make("FOLLOWED", type=7), ev.UNKNOWN_TYPE, "type")


def test_unknown_field_is_rejected_as_a_probable_typo():
    r = rejected(make("FOLLOWED", buyerID="b1"), ev.UNKNOWN_FIELD, "buyerID")
    assert "FOLLOWED" in r.message


@pytest.mark.parametrize(
    "at, code",
    [
        ("2021-09-03T20:15:00", ev.MALFORMED_FIELD),  # no offset
        ("yesterday", ev.MALFORMED_FIELD),
        (1630671300, ev.MALFORMED_FIELD),
        ("1999-12-31T23:59:59Z", ev.OUT_OF_RANGE),
        ("2101-01-01T00:00:00Z", ev.OUT_OF_RANGE),
    ],
)
def test_at_needs_iso_8601_with_offset(at, code):
    rejected(make("COMMENTED", at=at), code, "at")


def test_the_clock_rule_refuses_events_later_than_the_wall_clock_plus_the_skew():
    now = ev.parse_at("2026-06-01T00:00:00Z")
    late = accepted(make("COMMENTED", at="2099-12-31T00:00:00Z"))
    refused = ev.future_rejection(7, late, now, 300_000)
    assert refused is not None
    assert (refused.index, refused.code, refused.field) == (7, ev.FUTURE_EVENT, "at")
    assert refused.event_id == late["eventId"]
    assert "2099-12-31" in refused.message and "300s" in refused.message
    assert "TRUSTGRAPH_MAX_CLOCK_SKEW" in refused.message
    within = accepted(make("COMMENTED", at="2026-06-01T00:05:00Z"))  # exactly the skew: in
    assert ev.future_rejection(0, within, now, 300_000) is None
    just_over = accepted(make("COMMENTED", at="2026-06-01T00:05:00.001Z"))
    assert ev.future_rejection(0, just_over, now, 300_000) is not None
    assert ev.future_rejection(0, just_over, now, 0) is not None


def test_at_accepts_z_and_offsets_and_replays_hash_alike():
    a = accepted(make("COMMENTED", at="2021-09-03T12:15:00Z"))
    b = accepted(make("COMMENTED", at="2021-09-03T12:15:00+00:00"))
    assert a["hash"] == b["hash"]
    c = accepted(make("COMMENTED", at="2021-09-03T12:15:01Z"))
    assert c["hash"] != a["hash"]


@pytest.mark.parametrize(
    "value, why",
    [
        ("", "empty"),
        ("x" * 129, "longer"),
        ("b 1", "characters"),
        ("b\n1", "characters"),
        ("-b1", "characters"),
        (17, "string"),
        (None, "required"),
    ],
)
def test_malformed_ids(value, why):
    r = validate_event(make("FOLLOWED", buyerId=value))
    assert isinstance(r, Rejection) and r.field == "buyerId" and why in r.message


def test_longest_id_is_fine():
    assert isinstance(validate_event(make("FOLLOWED", buyerId="b" * 128)), dict)


@pytest.mark.parametrize(
    "amount, code",
    [
        (0, ev.OUT_OF_RANGE),
        (-5, ev.OUT_OF_RANGE),
        (float("nan"), ev.OUT_OF_RANGE),
        (float("inf"), ev.OUT_OF_RANGE),
        ("12", ev.MALFORMED_FIELD),
        (True, ev.MALFORMED_FIELD),
        (10_000_001, ev.OUT_OF_RANGE),
    ],
)
def test_amount(amount, code):
    rejected(make("ORDER_PLACED", amount=amount), code, "amount")


@pytest.mark.parametrize(
    "minutes, ok", [(0, False), (0.5, True), (1440, True), (1441, False), (-1, False)]
)
def test_watch_minutes(minutes, ok):
    result = validate_event(make("WATCHED", minutes=minutes))
    assert isinstance(result, dict) == ok


@pytest.mark.parametrize(
    "kind, name, good, bad",
    [
        ("FAN_CLUB_TIER_SET", "tier", [0, 20], [-1, 21]),
        ("REVIEW_POSTED", "rating", [1, 5], [0, 6]),
        ("VIOLATION_PENALIZED", "severity", [1, 3], [0, 4]),
    ],
)
def test_integer_ranges(kind, name, good, bad):
    for value in good:
        assert isinstance(validate_event(make(kind, **{name: value})), dict)
    for value in bad:
        rejected(make(kind, **{name: value}), ev.OUT_OF_RANGE, name)
    rejected(make(kind, **{name: 2.5}), ev.MALFORMED_FIELD, name)
    rejected(make(kind, **{name: "3"}), ev.MALFORMED_FIELD, name)


def test_enums():
    rejected(
        make("ORDER_REFUNDED", reason="FAKE_GOODS"), ev.OUT_OF_RANGE, "reason"
    )  # complaint-only reason
    assert isinstance(validate_event(make("COMPLAINT_FILED", reason="FAKE_GOODS")), dict)
    rejected(make("INSPECTION_RECORDED", kind="XRAY"), ev.OUT_OF_RANGE, "kind")
    rejected(make("ORDER_REFUNDED", returned="no"), ev.MALFORMED_FIELD, "returned")
    rejected(make("INSPECTION_RECORDED", passed=1), ev.MALFORMED_FIELD, "passed")
    rejected(make("DISPUTE_RULED", ruling="MAYBE"), ev.OUT_OF_RANGE, "ruling")


def test_rights_are_a_canonical_set():
    result = accepted(
        make(
            "SHOP_RIGHTS_CHANGED", rights=["SEVEN_DAY_RETURN", "FAKE_ONE_PAY_N", "SEVEN_DAY_RETURN"]
        )
    )
    assert result["rights"] == ["FAKE_ONE_PAY_N", "SEVEN_DAY_RETURN"]
    assert accepted(make("SHOP_RIGHTS_CHANGED", rights=[]))["rights"] == []
    rejected(make("SHOP_RIGHTS_CHANGED", rights=["FREE_LUNCH"]), ev.OUT_OF_RANGE, "rights")
    rejected(make("SHOP_RIGHTS_CHANGED", rights="SEVEN_DAY_RETURN"), ev.MALFORMED_FIELD, "rights")


def test_violation_needs_exactly_one_target():
    assert isinstance(validate_event(make("VIOLATION_PENALIZED", hostId=..., shopId="s1")), dict)
    rejected(make("VIOLATION_PENALIZED", hostId=...), ev.MISSING_FIELD, "hostId")
    rejected(make("VIOLATION_PENALIZED", shopId="s1"), ev.MISSING_FIELD, "hostId")
    rejected(make("VIOLATION_PENALIZED", code="false ad"), ev.MALFORMED_FIELD, "code")


def test_optional_fields_may_be_absent_or_null():
    result = accepted(make("HOST_REGISTERED", name=..., category=None))
    assert result["name"] is None and result["category"] is None
    rejected(make("HOST_REGISTERED", name="   "), ev.MALFORMED_FIELD, "name")
    rejected(make("HOST_REGISTERED", name="a\x00b"), ev.MALFORMED_FIELD, "name")


def test_categories_are_case_insensitive():
    assert accepted(make("SHOP_REGISTERED", category="Tea"))["category"] == "tea"


def test_jsonl_line_errors():
    r = ev.parse_jsonl_line("{not json", 9)
    assert isinstance(r, Rejection) and r.code == ev.INVALID_JSON and "line 10" in r.message
    assert isinstance(
        ev.parse_jsonl_line(
            f'{{"eventId":"e1","type":"BUYER_REGISTERED","at":"{AT}","buyerId":"b"}}', 0
        ),
        dict,
    )
