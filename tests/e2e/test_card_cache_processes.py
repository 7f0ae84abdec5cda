"""Badge cards cached in each service process, over real HTTP: a card read again is answered from
the process's cache (its /metrics say so), and a change made through another process (a separate
`trustgraph serve`) is visible in this one within the bound the cache promises, never later."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.e2e.conftest import KEYS, Client, Server

pytestmark = pytest.mark.integration

CARD = 'query { shop(id: "s1") { rights badge { asOf } } }'
RECORD = """mutation($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted position derived rejected { code message } }
}"""


def rights_event(event_id: str, day: int, rights: list[str]) -> dict:
    return {
        "eventId": event_id,
        "type": "SHOP_RIGHTS_CHANGED",
        "at": f"2021-09-{day:02d}T20:00:00+08:00",
        "shopId": "s1",
        "rights": rights,
    }


def hits(client) -> float:
    """Reads this process answered from its caches: whole answers, or cards."""
    text = client.http.get("/metrics").text
    total = 0.0
    for name in ("trustgraph_card_cache_hits_total", "trustgraph_answer_cache_hits_total"):
        found = re.search(rf"^{name} (\S+)$", text, re.M)
        assert found, text
        total += float(found.group(1))
    return total


def until_served_from_the_cache(client, read, expected: dict, role: str | None) -> None:
    """Read again until this process answers from its cache (its /metrics say so), always
    with the same answer."""
    deadline = time.monotonic() + 10
    before = hits(client)
    while hits(client) == before:
        assert client.gql(read, role=role) == expected
        assert time.monotonic() < deadline, "never answered from the cache"


def record_through(other_process: str, events: list[dict]) -> tuple[dict, str]:
    """recordEvents through the other process: its answer, and the raw body for messages."""
    r = httpx.post(
        f"{other_process}/graphql",
        json={"query": RECORD, "variables": {"events": events}},
        headers={"Authorization": f"Bearer {KEYS['INGEST']}"},
        timeout=60,
    )
    return r.json()["data"]["recordEvents"], r.text


def test_a_card_changed_through_another_process_is_seen_within_the_bound(
    client, server, _session_store, other_process
):
    _session_store.wipe()
    client.gql(RECORD, {"events": [rights_event("r1", 1, ["SEVEN_DAY_RETURN"])]}, role="INGEST")
    first = client.gql(CARD, role=None)["shop"]
    assert first["rights"] == ["SEVEN_DAY_RETURN"]

    # Read again: from this process's cache, not from Neo4j.
    until_served_from_the_cache(client, CARD, {"shop": first}, None)

    # The change goes through the other process, which derives it before it answers.
    answer, text = record_through(other_process, [rights_event("r2", 2, [])])
    # Derived before it answered, although this process had derived (and held the lease) last.
    assert answer["accepted"] == 1 and answer["derived"] is True, text
    changed_at = time.monotonic()
    bound = server.app.state.service.cards.max_age  # twice the poll interval, plus a second
    while True:
        now = client.gql(CARD, role=None)["shop"]
        waited = time.monotonic() - changed_at
        if now["rights"] == []:
            break
        assert now == first
        assert waited <= bound, f"still the old card {waited:.2f} s after the change"
        time.sleep(0.01)
    assert now["badge"]["asOf"] > first["badge"]["asOf"]
    assert waited <= bound


BATCH = 'query { trustBatch(buyerId: "b1", shopIds: ["s1"]) { levels scores asOf } }'


def test_a_trust_answer_changed_through_another_process_is_seen_within_the_bound(
    client, server, _session_store, other_process
):
    """trustBatch answers are kept whole (schema/responses.py) until the graph's TRUST writes,
    accepted batches or clock move: a stranger's score toward a shop is its platform trust, which
    follows the shop's rights, changed here through the other process."""
    _session_store.wipe()
    client.gql(RECORD, {"events": [rights_event("r1", 1, ["SEVEN_DAY_RETURN"])]}, role="INGEST")
    first = client.gql(BATCH, role="RECOMMENDER")["trustBatch"]
    assert first["levels"] == ["STRANGER"]

    until_served_from_the_cache(client, BATCH, {"trustBatch": first}, "RECOMMENDER")

    answer, text = record_through(other_process, [rights_event("r2", 2, [])])
    assert answer["accepted"] == 1, text
    changed_at = time.monotonic()
    bound = server.app.state.service.cards.max_age
    while True:
        now = client.gql(BATCH, role="RECOMMENDER")["trustBatch"]
        waited = time.monotonic() - changed_at
        if now != first:
            break
        assert waited <= bound, f"still the old answer {waited:.2f} s after the change"
        time.sleep(0.01)
    assert now["scores"][0] < first["scores"][0]  # no return right any more: a lower base rate
    assert waited <= bound


TRUST = 'query { trust(buyerId: "b1", shopId: "s1") { level score asOf } }'


def order(prefix: str, day: int, buyer: str = "b1") -> list[dict]:
    at = f"2021-09-{day:02d}T20:00:00+08:00"
    return [
        {
            "eventId": f"{prefix}-o",
            "type": "ORDER_PLACED",
            "at": at,
            "orderId": f"{prefix}-o",
            "buyerId": buyer,
            "hostId": "h1",
            "shopId": "s1",
            "amount": 128.0,
            "category": "tea",
        },
        {"eventId": f"{prefix}-d", "type": "ORDER_DELIVERED", "at": at, "orderId": f"{prefix}-o"},
    ]


def test_what_this_process_recorded_is_read_back_from_it_at_once(service_settings, _session_store):
    """The bound above is for changes made elsewhere. A client that records through a process
    and reads back from it gets what the call answered, not a cached answer from before it (a
    change feed that looks once a minute here: only the calls themselves make the cache look)."""
    _session_store.wipe()
    with Server(service_settings.with_overrides(change_poll_ms=60_000)) as slow:
        here = Client(slow.url)
        try:
            events = [rights_event("r0", 1, ["SEVEN_DAY_RETURN"]), *order("a", 3)]
            assert here.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]["derived"]
            first = {
                "trust": here.gql(TRUST, role="RECOMMENDER")["trust"],
                "card": here.gql(CARD, role=None)["shop"],
            }
            until_served_from_the_cache(here, TRUST, {"trust": first["trust"]}, "RECOMMENDER")
            until_served_from_the_cache(here, CARD, {"shop": first["card"]}, None)

            events = [*order("b", 20), *order("c", 21, buyer="b2"), rights_event("r", 21, [])]
            answer = here.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]
            assert answer["accepted"] == len(events) and answer["derived"], answer
            now = here.gql(TRUST, role="RECOMMENDER")["trust"]
            assert now["asOf"] > first["trust"]["asOf"]  # the clock moved: scored at it
            assert now != first["trust"]
            assert first["card"]["rights"] == ["SEVEN_DAY_RETURN"]
            card = here.gql(CARD, role=None)["shop"]
            assert card["rights"] == [] and card["badge"]["asOf"] > first["card"]["badge"]["asOf"]
        finally:
            here.http.close()
