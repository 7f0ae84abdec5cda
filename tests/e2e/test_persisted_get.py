"""Public badge reads over GET as a browser or a CDN caches them: automatic persisted queries
(a hash instead of the document), ETag and Cache-Control on the answer, 304 Not Modified on
revalidation while nothing changed, a new ETag when ingestion changed the badge; mutations never
over GET."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from schema.persisted import sha256_hex
from tests.e2e.conftest import KEYS

pytestmark = pytest.mark.integration

CARD = 'query { badges(shopIds: ["s1"]) { id badge { badges } boost { multiplier } } }'


def _get(client, query: str | None, headers: dict[str, str] | None = None, **extra: Any):
    params: dict[str, str] = {}
    if query is not None:
        params["query"] = query
    for name, value in extra.items():
        params[name] = json.dumps(value)
    return client.http.get("/graphql", params=params, headers=headers or {})


def test_a_persisted_get_is_cached_and_revalidated(client, empty_graph):
    apq = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(CARD)}}
    # The hash alone is not known yet: Apollo's answer, not cacheable.
    first = _get(client, None, extensions=apq)
    assert first.status_code == 200
    assert [e["extensions"]["code"] for e in first.json()["errors"]] == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    assert first.headers["cache-control"] == "no-store" and "etag" not in first.headers
    # The query with its hash registers it; from then on the hash is enough.
    registered = _get(client, CARD, extensions=apq)
    assert registered.status_code == 200 and "errors" not in registered.json()
    r = _get(client, None, extensions=apq)
    assert r.status_code == 200 and r.json() == registered.json()
    etag = r.headers["etag"]
    assert etag == registered.headers["etag"] and etag.startswith('"')
    assert r.headers["cache-control"] == "public, max-age=5"
    assert "authorization" in r.headers["vary"].lower()
    # Revalidation: nothing changed, nothing sent.
    again = _get(client, None, {"If-None-Match": etag}, extensions=apq)
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # Ingestion changes the card (the shop appears with an order): a new ETag, a full answer.
    got = client.gql(
        """mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }""",
        {
            "e": [
                {
                    "eventId": "apq-shop",
                    "type": "SHOP_REGISTERED",
                    "at": "2021-09-01T00:00:00Z",
                    "shopId": "s1",
                    "name": "One",
                }
            ]
        },
        role="INGEST",
    )
    assert got["recordEvents"]["accepted"] == 1
    changed = _get(client, None, {"If-None-Match": etag}, extensions=apq)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["data"]["badges"][0]["id"] == "s1"


def test_reads_with_a_key_are_private_and_errors_are_not_stored(client, empty_graph):
    keyed = _get(client, "{ clock }", {"Authorization": f"Bearer {KEYS['ADMIN']}"})
    assert keyed.status_code == 200 and keyed.headers["cache-control"] == "private, no-cache"
    assert keyed.headers["etag"]
    refused = _get(client, '{ buyer(id: "b1") { id } }')  # needs a key: an error
    assert refused.json()["errors"] and refused.headers["cache-control"] == "no-store"
    assert "etag" not in refused.headers


def test_no_mutation_over_get_even_persisted(client, empty_graph):
    mutation = (
        'mutation { recordEvents(events: [{eventId: "g1", type: "BUYER_REGISTERED", '
        'at: "2021-09-01T00:00:00Z", buyerId: "b1"}]) { accepted } }'
    )
    apq = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(mutation)}}
    for query in (mutation, None):
        r = _get(client, query, {"Authorization": f"Bearer {KEYS['INGEST']}"}, extensions=apq)
        assert r.status_code in (200, 405), r.text
        assert "data" not in r.json() or r.json()["data"] is None
        codes = [e["extensions"]["code"] for e in r.json()["errors"]]
        assert codes in (["BAD_REQUEST"], ["PERSISTED_QUERY_NOT_FOUND"]), codes
    # Nothing was recorded.
    stats = httpx.post(
        client.url + "/graphql",
        json={"query": '{ buyer(id: "b1") { id } }'},
        headers={"Authorization": f"Bearer {KEYS['ADMIN']}"},
    ).json()
    assert stats["data"]["buyer"] is None


@pytest.fixture()
def empty_graph(_session_store):
    _session_store.wipe()
    return _session_store
