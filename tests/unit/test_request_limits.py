"""The pure checks of a request before anything runs: the JSON nesting measured on raw bytes
(schema/request.py) and the document limits (schema/limits.py)."""

from __future__ import annotations

import json

import pytest
from graphql import get_introspection_query, parse
from hypothesis import given
from hypothesis import strategies as st

from graph_api.errors import BadRequest
from graph_api.settings import Limits
from schema.limits import document_limits
from schema.request import (
    check_content_type,
    decode_json,
    json_depth,
    operation,
    response_media_type,
)


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


# Strings full of what could fool a scanner: brackets, quotes, backslashes.
TRICKY = st.text(alphabet='[]{}"\\ab\n\u00e9', max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_the_depth_on_raw_bytes_is_exact_for_valid_json(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert json_depth(text.encode()) == _depth(value)


def test_deep_bodies_are_refused_before_the_decoder():
    deep = b'{"query": "{ clock }", "variables": {"v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    with pytest.raises(BadRequest, match="more than 64 deep"):
        decode_json(deep, 64)
    assert decode_json(b'{"a": [[["[[[[[[[["]]]}', 4) == {"a": [[["[[[[[[[["]]]}
    with pytest.raises(BadRequest):
        decode_json(b'{"a": [[["[[[[[[[["]]]}', 3)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\xff{}", "not valid UTF-8"),
        (b'{"a": ', "not valid JSON"),
        (b"7" * 5000, "not valid JSON"),  # over Python's 4,300-digit limit: a ValueError
    ],
)
def test_undecodable_bodies_are_bad_requests(raw, message):
    with pytest.raises(BadRequest, match=message) as info:
        decode_json(raw, 64)
    assert info.value.status == 400 and info.value.code == "BAD_REQUEST"


@pytest.mark.parametrize("body", [None, 1, "q", [], [{"query": "{ clock }"}], {}, {"query": 1}])
def test_only_one_operation_object_is_accepted(body):
    with pytest.raises(BadRequest):
        operation(body)
    assert operation({"query": "{ clock }"}) == {"query": "{ clock }"}


@pytest.mark.parametrize(
    "header, ok",
    [
        ("application/json", True),
        ("Application/JSON; charset=utf-8", True),
        ('application/json; charset="UTF8"', True),
        ("application/json; charset=latin-1", False),
        ("text/plain", False),
        (None, False),
    ],
)
def test_content_types(header, ok):
    if ok:
        check_content_type(header)
    else:
        with pytest.raises(BadRequest) as info:
            check_content_type(header)
        assert info.value.status == 415


def _codes(query: str, limits: Limits | None = None) -> list[str]:
    errors = document_limits(parse(query), limits or Limits())
    return [(e.extensions or {}).get("code", "") for e in errors]


def test_the_standard_introspection_query_is_within_the_limits():
    assert _codes(get_introspection_query(descriptions=True, input_value_deprecation=True)) == []


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        '{ __type(name: "Q") { ' + "fields { type { " * 7 + "name" + " } }" * 7 + " } }",
        "{ " + "a { " * 13 + "b" + " }" * 13 + " }",  # depth 13 > 12
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(60))
        + " fragment F60 on Query { clock }",  # 61 fragments
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
        + " fragment F40 on Query { clock }",  # 2^40 selections once spread, measured at once
    ],
)
def test_documents_over_the_limits_are_too_complex(query):
    assert set(_codes(query)) == {"QUERY_TOO_COMPLEX"}


def test_fragments_count_their_depth_where_they_are_spread():
    frag = "fragment F on Buyer { relations { edges { node { id } } } }"
    assert _codes("{ buyer(id: 1) { ...F } } " + frag, Limits(max_depth=4)) == []
    assert _codes("{ a { buyer(id: 1) { ...F } } } " + frag, Limits(max_depth=4)) == [
        "QUERY_TOO_COMPLEX"
    ]


@pytest.mark.parametrize(
    "accept, media",
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/graphql-response+json", "application/graphql-response+json"),
        (
            "application/graphql-response+json, application/json;q=0.9",
            "application/graphql-response+json",
        ),
        ("application/json, application/graphql-response+json;q=0.5", "application/json"),
        ("application/graphql-response+json;q=0", "application/json"),
        ("text/html", "application/json"),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8", "application/graphql-response+json"),
    ],
)
def test_response_media_type_follows_accept(accept, media):
    assert response_media_type(accept) == media
