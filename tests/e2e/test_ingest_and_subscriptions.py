"""recordEvents and subscriptions over real HTTP and WebSockets: durable, idempotent, rescored
before the call returns, changes delivered to subscribers of another process."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from tests.e2e.conftest import KEYS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def service_settings(service_settings):
    """This module's service acknowledges when durable and derives in the background (async),
    so that both paths of recordEvents are tested; waitForDerived gives read-your-writes."""
    return service_settings.with_overrides(derive_mode="async")


RECORD = """mutation($events: [EventInput!]!, $wait: Boolean! = true) {
  recordEvents(events: $events, waitForDerived: $wait) {
    accepted duplicates position derived
    rejected { index eventId code field message }
    trustChanges { buyerId targetKind targetId oldLevel newLevel score }
    badgeChanges { targetKind targetId oldBadges newBadges }
  }
}"""


def order_events(prefix: str, buyer: str, host: str, shop: str, day: int) -> list[dict[str, Any]]:
    at = f"2021-09-{day:02d}T20:00:00+08:00"
    delivered = f"2021-09-{day + 2:02d}T10:00:00+08:00"
    return [
        {
            "eventId": f"{prefix}-w",
            "type": "WATCHED",
            "at": at,
            "buyerId": buyer,
            "hostId": host,
            "minutes": 30,
        },
        {
            "eventId": f"{prefix}-o",
            "type": "ORDER_PLACED",
            "at": at,
            "orderId": f"{prefix}-o",
            "buyerId": buyer,
            "hostId": host,
            "shopId": shop,
            "amount": 128.0,
            "category": "tea",
        },
        {
            "eventId": f"{prefix}-d",
            "type": "ORDER_DELIVERED",
            "at": delivered,
            "orderId": f"{prefix}-o",
        },
    ]


@pytest.fixture()
def empty(_session_store):
    _session_store.wipe()
    return _session_store


def test_record_events_accepts_rejects_alone_and_rescores(client, empty):
    events = order_events("e1", "b1", "h1", "s1", 1) + [
        {
            "eventId": "bad-1",
            "type": "WATCHED",
            "at": "2021-09-01T20:00:00+08:00",
            "buyerId": "b1",
            "hostId": "h1",
            "minutes": 99999,
        },
        {"eventId": "bad-2", "type": "NOT_A_TYPE", "at": "2021-09-01T20:00:00+08:00"},
        {
            "eventId": "bad-3",
            "type": "ORDER_DELIVERED",
            "at": "2021-09-01T20:00:00+08:00",
            "orderId": "nope",
        },
    ]
    got = client.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]
    assert got["accepted"] == 3 and got["duplicates"] == 0
    assert [(r["index"], r["code"], r["field"]) for r in got["rejected"]] == [
        (3, "OUT_OF_RANGE", "minutes"),
        (4, "UNKNOWN_TYPE", "type"),
        (5, "UNKNOWN_ORDER", "orderId"),
    ]
    assert {(c["targetKind"], c["targetId"], c["newLevel"]) for c in got["trustChanges"]} == {
        ("HOST", "h1", "ACQUAINTANCE"),
        ("SHOP", "s1", "ACQUAINTANCE"),
    }
    # Durable and scored when the call returned: read it back through the API.
    trust = client.gql(
        '{ trustBatch(buyerId: "b1", hostIds: ["h1"], shopIds: ["s1"]) { levels } }', role="ADMIN"
    )
    assert trust["trustBatch"]["levels"] == ["ACQUAINTANCE", "ACQUAINTANCE"]
    shop = client.gql('{ shop(id: "s1") { metrics { rawOrders deliveredOrders } } }', role=None)[
        "shop"
    ]
    assert shop["metrics"]["rawOrders"] == 1
    # A replay changes nothing.
    again = client.gql(RECORD, {"events": events[:3]}, role="INGEST")["recordEvents"]
    assert (again["accepted"], again["duplicates"], again["trustChanges"]) == (0, 3, [])
    # The same id with other content is a conflict, rejected alone.
    changed = dict(events[0], minutes=45)
    conflict = client.gql(RECORD, {"events": [changed]}, role="INGEST")["recordEvents"]
    assert [r["code"] for r in conflict["rejected"]] == ["EVENT_ID_CONFLICT"]


def test_record_events_answers_when_durable_and_derives_right_after(client, empty):
    """Without waitForDerived the call answers with the batch's log position before derived
    state includes it; the service's deriver follows within moments, and `derivation` says when
    it has (read-your-writes for a client that asks)."""
    events = order_events("a", "b7", "h7", "s7", 3)
    got = client.gql(RECORD, {"events": events, "wait": False}, role="INGEST")["recordEvents"]
    assert got["accepted"] == len(events) and got["derived"] is False
    assert got["position"] >= 1 and got["trustChanges"] == []
    deadline = time.monotonic() + 10
    while True:
        now = client.gql("{ derivation { ingested derived lag mode } }", role=None)["derivation"]
        assert now["ingested"] >= got["position"] and now["mode"] == "async"
        if now["derived"] >= got["position"]:
            break
        assert time.monotonic() < deadline, f"not derived within 10 s: {now}"
        time.sleep(0.05)
    assert now["lag"] == now["ingested"] - now["derived"]
    trust = client.gql('{ trustBatch(buyerId: "b7", shopIds: ["s7"]) { levels } }', role="ADMIN")
    assert trust["trustBatch"]["levels"] == ["ACQUAINTANCE"]
    # A replay has no position of its own; waiting for it waits for everything logged so far.
    again = client.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]
    assert (again["accepted"], again["position"], again["derived"]) == (0, None, True)


def test_record_events_limits(client, empty, service_settings):
    limit = service_settings.limits.max_events_per_call
    events = [
        {
            "eventId": f"r{i}",
            "type": "BUYER_REGISTERED",
            "at": "2021-09-01T00:00:00Z",
            "buyerId": f"b{i}",
        }
        for i in range(limit + 1)
    ]
    body = client.post(RECORD, {"events": events}, role="INGEST").json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert str(limit) in body["errors"][0]["message"]


SUB_TRUST = (
    'subscription { trustChanged(buyerId: "b7") { buyerId targetKind targetId oldLevel newLevel } }'
)
SUB_BADGE = "subscription { badgeChanged { targetKind targetId newBadges } }"


async def _subscribe(
    url: str,
    query: str,
    key: str | None,
    received: list[dict[str, Any]],
    ready: asyncio.Event,
    count: int,
) -> None:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        payload = {"Authorization": f"Bearer {key}"} if key else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        await asyncio.sleep(0.5)  # let the subscription register before the change is made
        ready.set()
        while len(received) < count:
            msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if msg["type"] == "next":
                received.append(msg["payload"])
            elif msg["type"] in ("error", "complete"):
                received.append(msg)
                return


def test_a_change_ingested_in_one_process_reaches_subscribers_of_another(
    client, empty, other_process
):
    """The subscriber is connected to the test's server; the events go to a separate
    `trustgraph serve` process. Only the change log in the graph links the two."""
    received: list[dict[str, Any]] = []
    badges: list[dict[str, Any]] = []

    async def scenario() -> None:
        ready, ready2 = asyncio.Event(), asyncio.Event()
        sub = asyncio.create_task(
            _subscribe(client.url, SUB_TRUST, KEYS["RECOMMENDER"], received, ready, 2)
        )
        public = asyncio.create_task(_subscribe(client.url, SUB_BADGE, None, badges, ready2, 1))
        await ready.wait()
        await ready2.wait()
        async with httpx.AsyncClient(base_url=other_process, timeout=60) as http:
            # Another buyer first (filtered out), then b7.
            events = order_events("x1", "b6", "h1", "s1", 1) + order_events(
                "x2", "b7", "h1", "s1", 3
            )
            r = await http.post(
                "/graphql",
                json={"query": RECORD, "variables": {"events": events}},
                headers={"Authorization": f"Bearer {KEYS['INGEST']}"},
            )
            assert r.json()["data"]["recordEvents"]["accepted"] == 6, r.text
        await asyncio.wait_for(sub, timeout=30)
        public.cancel()

    asyncio.run(scenario())
    changes = [p["data"]["trustChanged"] for p in received]
    assert {c["buyerId"] for c in changes} == {"b7"}
    assert {(c["targetKind"], c["targetId"], c["newLevel"]) for c in changes} == {
        ("HOST", "h1", "ACQUAINTANCE"),
        ("SHOP", "s1", "ACQUAINTANCE"),
    }


def test_subscriptions_check_roles(client):
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        await asyncio.wait_for(
            _subscribe(client.url, SUB_TRUST, None, received, asyncio.Event(), 1), timeout=30
        )

    asyncio.run(scenario())
    # The role is checked when the subscription starts: the first message carries the error.
    errors = received[0]["payload"] if received[0].get("type") == "error" else received[0]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"], received

    async def bad_key() -> int:
        ws_url = client.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(
            ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": "Bearer wrong-key-000000000"},
                    }
                )
            )
            try:
                got = await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else -1
            raise AssertionError(f"expected the connection to be closed, got {got!r}")

    assert asyncio.run(bad_key()) == 4403
