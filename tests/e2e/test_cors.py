"""CORS over real HTTP and the Origin check of WebSocket handshakes (docs/widget.md): off by
default, an allow-list of origins, preflights answered or refused with a reason, credentials only
when configured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets
from websockets.typing import Origin, Subprotocol

from graph_api.settings import Settings
from tests.e2e.conftest import Server

pytestmark = pytest.mark.integration

SHOP = "https://shop.example.com"
PREFLIGHT = {
    "Origin": SHOP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, authorization",
}


@pytest.fixture(scope="module")
def cors_server(service_settings: Settings, _session_store) -> Iterator[Server]:
    with Server(service_settings.with_overrides(cors_origins=(SHOP,))) as s:
        yield s


@pytest.fixture(scope="module")
def credentials_server(service_settings: Settings, _session_store) -> Iterator[Server]:
    settings = service_settings.with_overrides(cors_origins=(SHOP,), cors_credentials=True)
    with Server(settings) as s:
        yield s


def test_a_preflight_from_an_allowed_origin_is_answered(cors_server):
    r = httpx.options(cors_server.url + "/graphql", headers=PREFLIGHT)
    assert r.status_code == 204 and r.content == b""
    assert r.headers["access-control-allow-origin"] == SHOP
    assert r.headers["access-control-allow-methods"] == "GET, POST"
    assert r.headers["access-control-allow-headers"] == "authorization, content-type"
    assert r.headers["access-control-max-age"] == "600"
    assert "origin" in r.headers["vary"].lower()
    assert "access-control-allow-credentials" not in r.headers  # off by default


@pytest.mark.parametrize(
    "headers, named",
    [
        ({**PREFLIGHT, "Origin": "https://evil.example"}, "TRUSTGRAPH_CORS_ORIGINS"),
        ({**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}, "method DELETE"),
        ({**PREFLIGHT, "Access-Control-Request-Headers": "x-custom"}, "x-custom"),
    ],
)
def test_other_preflights_are_refused_with_the_reason(cors_server, headers, named):
    r = httpx.options(cors_server.url + "/graphql", headers=headers)
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    (error,) = r.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and named in error["message"]


def test_answers_to_an_allowed_origin_carry_cors_headers_errors_included(cors_server):
    r = httpx.post(
        cors_server.url + "/graphql", json={"query": "{ clock }"}, headers={"Origin": SHOP}
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SHOP
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    # An unknown key is refused 401 before the GraphQL view: the page can still read why.
    r = httpx.post(
        cors_server.url + "/graphql",
        json={"query": "{ clock }"},
        headers={"Origin": SHOP, "Authorization": "Bearer not-a-key-0000000000"},
    )
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == SHOP
    # Another origin is served, without CORS headers: the browser keeps the answer from it.
    r = httpx.post(
        cors_server.url + "/graphql",
        json={"query": "{ clock }"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_without_an_allow_list_no_origin_gets_cors(server):
    r = httpx.options(server.url + "/graphql", headers=PREFLIGHT)
    assert r.status_code == 403 and "TRUSTGRAPH_CORS_ORIGINS" in r.text
    r = httpx.post(server.url + "/graphql", json={"query": "{ clock }"}, headers={"Origin": SHOP})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_credentials_only_when_configured(credentials_server):
    r = httpx.options(credentials_server.url + "/graphql", headers=PREFLIGHT)
    assert r.status_code == 204 and r.headers["access-control-allow-credentials"] == "true"
    r = httpx.post(
        credentials_server.url + "/graphql", json={"query": "{ clock }"}, headers={"Origin": SHOP}
    )
    assert r.headers["access-control-allow-credentials"] == "true"


async def _handshake(url: str, origin: str | None) -> str:
    """connection_ack, or the HTTP status the handshake was refused with."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    try:
        async with websockets.connect(
            ws_url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            origin=None if origin is None else Origin(origin),
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"]
    except websockets.InvalidStatus as refused:
        return str(refused.response.status_code)


def test_websocket_handshakes_are_checked_by_origin(cors_server, server):
    own = cors_server.url  # the service's own pages (GraphiQL, /demo)
    cases = [
        (cors_server.url, SHOP, "connection_ack"),
        (cors_server.url, own, "connection_ack"),
        (cors_server.url, None, "connection_ack"),  # not a browser
        (cors_server.url, "https://evil.example", "403"),
        (server.url, SHOP, "403"),  # no allow-list: only its own pages
        (server.url, server.url, "connection_ack"),
    ]
    got = [(url, origin, asyncio.run(_handshake(url, origin))) for url, origin, _ in cases]
    assert got == cases
