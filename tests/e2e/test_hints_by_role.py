"""Hints for the right eyes, over real HTTP against the real Neo4j: the exact "what moves me up"
hints of a badge go to ADMIN and to the MERCHANT whose key is bound to the shop or host; every
other caller, and that MERCHANT looking at another shop, gets the coarse ones (the rule, no
figures). The same holds for a pair's next level on trust reads. (schema/hints.py has the
coarse form; conftest.py binds the MERCHANT key to shop s1 and host h1.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from graph_api.derive import Deriver
from graph_api.ingest import Ingester
from schema.hints import BADGE_RULES
from scoring.policy import default_policy

pytestmark = pytest.mark.integration

DIGIT = re.compile(r"\d")
START = datetime.fromisoformat("2021-06-01T20:00:00+08:00")

DETAILS = """
query Hints($shops: [ID!], $hosts: [ID!]) {
  badges(shopIds: $shops, hostIds: $hosts) {
    id kind
    badge { details { badge reasons { code message } missing { code message } } }
  }
}
"""
SHOP_HOSTS = """
{ shop(id: "s2") { hosts { id badge { details { missing { code message } } } } } }
"""
TRUST = """
query Trust($shop: ID) {
  trust(buyerId: "b1", shopId: $shop) { level nextLevel reasons { code message } }
}
"""


def _at(days: float) -> str:
    return (START + timedelta(days=days)).isoformat()


def _shop(shop: str, host: str, orders: int, n: int) -> list[dict[str, Any]]:
    """A shop and its host with ``orders`` delivered orders from aged buyers: far below every
    badge's minimums, so each badge has missing hints with figures."""
    events: list[dict[str, Any]] = [
        {"type": "SHOP_REGISTERED", "at": _at(0), "shopId": shop, "category": "tea"},
        {"type": "HOST_REGISTERED", "at": _at(0), "hostId": host, "category": "tea"},
        {"type": "HOST_SELLS_FOR_SHOP", "at": _at(0), "hostId": host, "shopId": shop},
        {
            "type": "SHOP_RIGHTS_CHANGED",
            "at": _at(0),
            "shopId": shop,
            "rights": ["REFUND_WITHOUT_RETURN"],
        },
    ]
    for i in range(orders):
        buyer, order = f"b{n + i}", f"o{n + i}"
        events += [
            {"type": "BUYER_REGISTERED", "at": _at(0), "buyerId": buyer},
            {"type": "WATCHED", "at": _at(30 + i), "buyerId": buyer, "hostId": host, "minutes": 20},
            {
                "type": "ORDER_PLACED",
                "at": _at(60 + i),
                "orderId": order,
                "buyerId": buyer,
                "hostId": host,
                "shopId": shop,
                "amount": 50.0,
                "itemId": f"i{n + i}",
            },
            {"type": "ORDER_DELIVERED", "at": _at(62 + i), "orderId": order},
        ]
    return events


@pytest.fixture(scope="module")
def shops(_session_store):
    """s1 (host h1), the MERCHANT key's, and s2 (host h2), somebody else's; buyer b1 ordered
    once at s1."""
    store = _session_store
    store.wipe()
    events = _shop("s1", "h1", 6, 1) + _shop("s2", "h2", 4, 100)
    for n, e in enumerate(events):
        e["eventId"] = f"e{n}"
    result = Ingester(store, 500, deriver=Deriver(store, default_policy())).ingest(events)
    assert not result.rejected, result.rejected
    return store


def _cards(client, role: str | None) -> dict[tuple[str, str], list[dict[str, Any]]]:
    body = client.post(DETAILS, {"shops": ["s1", "s2"], "hosts": ["h1", "h2"]}, role=role).json()
    assert not body.get("errors"), body
    return {(c["kind"], c["id"]): c["badge"]["details"] for c in body["data"]["badges"]}


def _hints(details: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every missing hint and every failed rule's sentence of a card."""
    return [
        r
        for d in details
        for r in (*d["missing"], *(x for x in d["reasons"] if x["code"].endswith("_NOT_MET")))
    ]


def _assert_exact(details: list[dict[str, Any]]) -> None:
    hints = _hints(details)
    assert hints and all(DIGIT.search(h["message"]) for h in hints), hints
    missing = {m["code"]: m["message"] for d in details for m in d["missing"]}
    if "MIN_DELIVERED_ORDERS_MISSING" in missing:
        assert re.fullmatch(
            r"needs \d+ more delivered orders? in 90 days", missing["MIN_DELIVERED_ORDERS_MISSING"]
        ), missing


def _assert_coarse(details: list[dict[str, Any]]) -> None:
    hints = _hints(details)
    assert hints, details
    for h in hints:
        assert not DIGIT.search(h["message"]), h  # no count, gap, rate, threshold or date
        rule = h["code"].removesuffix("_MISSING").removesuffix("_NOT_MET")
        assert h["message"] in BADGE_RULES[rule], h


def test_the_fixture_fails_badges_with_exact_hints_to_hide(client, shops):
    cards = _cards(client, "ADMIN")
    assert set(cards) == {("SHOP", "s1"), ("SHOP", "s2"), ("HOST", "h1"), ("HOST", "h2")}
    shop = {m["code"] for d in cards[("SHOP", "s1")] for m in d["missing"]}
    assert "MIN_DELIVERED_ORDERS_MISSING" in shop and "MIN_ORDERS_MISSING" in shop, shop


@pytest.mark.parametrize("role", [None, "RECOMMENDER", "RESEARCHER", "INGEST"])
def test_anonymous_and_other_roles_get_coarse_hints(client, shops, role):
    for card, details in _cards(client, role).items():
        _assert_coarse(details)
        assert "needs more delivered orders" in {
            m["message"] for d in details for m in d["missing"]
        } or (
            card[0] == "HOST"  # TRUST_PURCHASE is for shops: a host has no delivered-orders rule
        )


def test_admin_gets_exact_hints_for_everything(client, shops):
    for details in _cards(client, "ADMIN").values():
        _assert_exact(details)


def test_a_merchant_gets_exact_hints_for_its_own_shop_and_host_only(client, shops):
    cards = _cards(client, "MERCHANT")
    _assert_exact(cards[("SHOP", "s1")])
    _assert_exact(cards[("HOST", "h1")])
    _assert_coarse(cards[("SHOP", "s2")])
    _assert_coarse(cards[("HOST", "h2")])
    # Exact is exactly what ADMIN reads; coarse is exactly what an anonymous caller reads.
    admin, anonymous = _cards(client, "ADMIN"), _cards(client, None)
    assert cards[("SHOP", "s1")] == admin[("SHOP", "s1")]
    assert cards[("HOST", "h1")] == admin[("HOST", "h1")]
    assert cards[("SHOP", "s2")] == anonymous[("SHOP", "s2")]
    assert cards[("HOST", "h2")] == anonymous[("HOST", "h2")]


def test_the_same_holds_on_every_path_to_a_badge(client, shops):
    """shop(id) and shop.hosts build the badge elsewhere than badges(...): same rule."""
    own = (
        '{ shop(id: "s1") { badge { details { reasons { code message } '
        "missing { code message } } } } }"
    )
    other = own.replace('"s1"', '"s2"')
    _assert_exact(client.gql(own, role="MERCHANT")["shop"]["badge"]["details"])
    _assert_coarse(client.gql(other, role="MERCHANT")["shop"]["badge"]["details"])
    # h2 sells for s2: coarse to the MERCHANT of s1 and h1, exact to ADMIN.
    for role, check in (("MERCHANT", _assert_coarse), ("ADMIN", _assert_exact)):
        (host,) = client.gql(SHOP_HOSTS, role=role)["shop"]["hosts"]
        assert host["id"] == "h2"
        details = [{**d, "reasons": []} for d in host["badge"]["details"]]
        check(details)


def test_trust_reads_give_recommenders_a_coarse_next_level(client, shops):
    coarse = client.gql(TRUST, {"shop": "s1"}, role="RECOMMENDER")["trust"]
    exact = client.gql(TRUST, {"shop": "s1"}, role="ADMIN")["trust"]
    assert coarse["level"] == exact["level"] != "REGULAR"
    assert exact["nextLevel"] and DIGIT.search(exact["nextLevel"]), exact
    assert coarse["nextLevel"] and not DIGIT.search(coarse["nextLevel"]), coarse
    nxt = "ACQUAINTANCE" if coarse["level"] == "STRANGER" else "REGULAR"
    assert coarse["nextLevel"].endswith(f"to become {nxt}"), coarse
    assert [r["code"] for r in coarse["reasons"]] == [r["code"] for r in exact["reasons"]]
    for was, now in zip(exact["reasons"], coarse["reasons"], strict=True):
        if was["code"] == "LEVEL_STRANGER":
            assert DIGIT.search(was["message"]) and not DIGIT.search(now["message"]), now
        else:
            assert was == now
    # RESEARCHER reads trust too, and the coarse form as well.
    assert client.gql(TRUST, {"shop": "s1"}, role="RESEARCHER")["trust"] == coarse
    # The MERCHANT may read no trust at all, its own shop's included.
    codes = client.error_codes(TRUST, {"shop": "s1"}, role="MERCHANT")
    assert codes == ["FORBIDDEN"]
