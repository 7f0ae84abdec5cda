"""Automatic persisted queries (schema/persisted.py): a hash is run only once its query was sent
with it, a wrong hash is refused, the registry is bounded."""

from __future__ import annotations

import pytest

from graph_api.errors import BadRequest
from schema.persisted import PersistedQueries, PersistedQueryNotFound, sha256_hex

Q = "{ clock }"


def ext(digest: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def test_a_hash_runs_once_its_query_came_with_it():
    reg = PersistedQueries()
    assert reg.resolve(Q, None) == Q and reg.resolve(Q, {}) == Q and len(reg) == 0
    with pytest.raises(PersistedQueryNotFound) as info:
        reg.resolve(None, ext(sha256_hex(Q)))
    assert info.value.status == 200 and info.value.code == "PERSISTED_QUERY_NOT_FOUND"
    assert reg.resolve(Q, ext(sha256_hex(Q))) == Q
    assert reg.resolve(None, ext(sha256_hex(Q).upper())) == Q


@pytest.mark.parametrize(
    "query, extensions, named",
    [
        (Q, ext(sha256_hex("{ policy { version } }")), "not the SHA-256"),
        (None, ext("abc"), "64 hex digits"),
        (None, ext(sha256_hex(Q), version=2), '"version": 1'),
        (None, {"persistedQuery": "yes"}, '"version": 1'),
    ],
)
def test_malformed_persisted_queries_are_bad_requests(query, extensions, named):
    with pytest.raises(BadRequest) as info:
        PersistedQueries().resolve(query, extensions)
    assert info.value.status == 400 and named in str(info.value)


def test_the_registry_forgets_the_least_recently_used_first():
    reg = PersistedQueries(max_documents=2)
    a, b, c = "{ a }", "{ b }", "{ c }"
    for q in (a, b):
        reg.resolve(q, ext(sha256_hex(q)))
    reg.resolve(None, ext(sha256_hex(a)))  # a is used again: b is now the oldest
    reg.resolve(c, ext(sha256_hex(c)))
    assert len(reg) == 2
    assert reg.resolve(None, ext(sha256_hex(a))) == a
    with pytest.raises(PersistedQueryNotFound):
        reg.resolve(None, ext(sha256_hex(b)))
