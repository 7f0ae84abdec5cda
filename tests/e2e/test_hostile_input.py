"""Hostile input over real HTTP (issue 15): every case of ``hostile_cases.json`` is answered with
its status and a GraphQL-shaped error with its code (never plain text, never
INTERNAL_SERVER_ERROR), what was refused writes nothing, and ``/healthz`` keeps answering within
100 ms while large hostile requests are in flight."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from graph_api.derive import Deriver
from graph_api.ingest import Ingester
from graph_api.service.ready import wait_ready
from graph_api.settings import Settings
from scoring.policy import default_policy
from tests.e2e.conftest import API_KEYS, KEYS

pytestmark = pytest.mark.integration

CASES = json.loads((Path(__file__).with_name("hostile_cases.json")).read_text(encoding="utf-8"))[
    "cases"
]
AT = "2021-09-01T20:00:00+08:00"
RECORD = "mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted rejected { code } } }"


def _event(i: int) -> dict[str, Any]:
    return {
        "eventId": f"hostile-{i:07d}",
        "type": "ORDER_PLACED",
        "at": AT,
        "orderId": f"hostile-o{i:07d}",
        "buyerId": f"hostile-b{i % 977}",
        "hostId": "hostile-h1",
        "shopId": "hostile-s1",
        "amount": 129.5,
        "category": "tea",
    }


def _doc(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


# The generators of hostile bodies named by the cases' "make".
def _nested_variables(depth: int) -> bytes:
    inner = "[" * depth + "]" * depth
    q = json.dumps("query($v: ID) { shop(id: $v) { id } }")
    return f'{{"query": {q}, "variables": {{"v": {inner}}}}}'.encode()


def _nested_objects(depth: int) -> bytes:
    inner = '{"a":' * depth + "1" + "}" * depth
    return f'{{"query": "{{ clock }}", "variables": {inner}}}'.encode()


def _big_int(digits: int) -> bytes:
    return b'{"query": "{ clock }", "variables": {"n": ' + b"7" * digits + b"}}"


def _padding(bytes: int, chunked: bool = False) -> bytes:
    return _doc("{ clock }", {"unused": "x" * bytes})  # a variable no operation declares


def _events(count: int) -> bytes:
    return _doc(RECORD, {"e": [_event(i) for i in range(count)]})


def _events_twice(count: int) -> bytes:
    q = (
        "mutation($e: [EventInput!]!) { a: recordEvents(events: $e) { accepted } "
        "b: recordEvents(events: $e) { accepted } }"
    )
    return _doc(q, {"e": [_event(i) for i in range(count)]})


def _ids(field: str, count: int) -> bytes:
    ids = ["h"] * count
    if field == "trustBatch":
        q = 'query($h: [ID!]) { trustBatch(buyerId: "b1", hostIds: $h) { levels } }'
    else:
        q = "query($h: [ID!]) { badges(hostIds: $h) { id } }"
    return _doc(q, {"h": ids})


def _inline_ids(count: int) -> bytes:
    ids = ", ".join(f'"s{i}"' for i in range(count))
    return _doc(f"{{ badges(shopIds: [{ids}]) {{ id }} }}")


def _event_variable(field: str, value: str) -> bytes:
    """One good event and one whose ``field`` holds ``value`` (raw JSON text: NaN, 1e309...)."""
    good = json.dumps(_event(9_000_001))
    bad = json.dumps(_event(9_000_002))[:-1] + f', "{field}": {value}}}'
    q = json.dumps(RECORD)
    return f'{{"query": {q}, "variables": {{"e": [{good}, {bad}]}}}}'.encode()


def _chained_fragments(count: int) -> bytes:
    parts = [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(count)]
    return _doc("{ ...F0 } " + " ".join(parts) + f" fragment F{count} on Query {{ clock }}")


def _diamond_fragments(count: int) -> bytes:
    parts = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count)]
    return _doc("{ ...F0 } " + " ".join(parts) + f" fragment F{count} on Query {{ clock }}")


def _deep_selection(depth: int) -> bytes:
    # buyer { relations { edges { node { ... } } } } does not nest that far: any field will do,
    # validation or the parser refuses first.
    return _doc('{ buyer(id: "b1") ' + "{ id " * depth + "}" * depth + " }")


def _aliases(count: int, field: str = "clock") -> bytes:
    return _doc("{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }")


def _introspection() -> bytes:
    return _doc(get_introspection_query(descriptions=True))


def _deep_introspection(depth: int) -> bytes:
    # __type { interfaces { interfaces { ... } } }: every level adds one; lists stay under 3?
    # No: interfaces are lists, so use the single-object fields of __Field instead.
    inner = "name"
    for _ in range(depth):
        inner = f"fields {{ type {{ {inner} }} }}"
    return _doc('{ __type(name: "Query") { ' + inner + " } }")


MAKERS: dict[str, Callable[..., bytes]] = {
    "nested_variables": _nested_variables,
    "nested_objects": _nested_objects,
    "big_int": _big_int,
    "padding": _padding,
    "events": _events,
    "events_twice": _events_twice,
    "ids": _ids,
    "inline_ids": _inline_ids,
    "event_variable": _event_variable,
    "chained_fragments": _chained_fragments,
    "diamond_fragments": _diamond_fragments,
    "deep_selection": _deep_selection,
    "aliases": _aliases,
    "introspection": _introspection,
    "deep_introspection": _deep_introspection,
}


def _body(case: dict[str, Any]) -> bytes | None:
    spec = case.get("body")
    if spec is None:
        return None
    if "json" in spec:
        return json.dumps(spec["json"]).encode()
    if "text" in spec:
        return spec["text"].encode("utf-8", "surrogatepass")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    params = {k: v for k, v in spec.items() if k not in ("make", "chunked")}
    return MAKERS[spec["make"]](**params)


def _headers(case: dict[str, Any]) -> dict[str, str]:
    headers = {"content-type": "application/json", "accept": "application/json"}
    for name, value in (case.get("headers") or {}).items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    role = case.get("role")
    if role is not None:
        headers["authorization"] = f"Bearer {KEYS.get(role, role)}"
    return headers


def send(http: httpx.Client, case: dict[str, Any]) -> httpx.Response:
    body = _body(case)
    content: bytes | Iterator[bytes] | None = body
    if body is not None and (case.get("body") or {}).get("chunked"):
        content = (body[i : i + 65536] for i in range(0, len(body), 65536))  # no Content-Length
    return http.request(
        case.get("method", "POST"),
        case.get("path", "/graphql"),
        headers=_headers(case),
        params=case.get("params"),
        content=content,
    )


def _node_counts(store) -> dict[str, int]:
    rows, _, _ = store.driver.execute_query(
        "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n", database_=store.database
    )
    counts = {r["label"]: r["n"] for r in rows}
    rows, _, _ = store.driver.execute_query(
        "MATCH ()-[r]->() RETURN count(r) AS n", database_=store.database
    )
    counts["relationships"] = rows[0]["n"]
    return counts


@pytest.fixture(scope="module")
def graph(_session_store):
    """A small graph, so that "nothing written" is visible: one order of b1 at h1 and s1."""
    store = _session_store
    store.wipe()
    Ingester(store, 100, deriver=Deriver(store, default_policy())).ingest(
        [
            {
                "eventId": "g1",
                "type": "HOST_SELLS_FOR_SHOP",
                "at": AT,
                "hostId": "h1",
                "shopId": "s1",
            },
            {
                "eventId": "g2",
                "type": "ORDER_PLACED",
                "at": AT,
                "orderId": "o1",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 50.0,
            },
        ]
    )
    return store


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_case(http, graph, case):
    before = _node_counts(graph)
    started = time.perf_counter()
    r = send(http, case)
    elapsed = time.perf_counter() - started
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]
    body = r.json()
    assert r.status_code == case["status"], body
    errors = body.get("errors") or []
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if case["code"] is None:
        assert errors == [], errors
    else:
        assert codes == {case["code"]}, errors
        assert all(isinstance(e.get("message"), str) and e["message"] for e in errors)
        if "message" in case:
            assert case["message"] in errors[0]["message"], errors[0]["message"]
    assert "INTERNAL_SERVER_ERROR" not in codes
    if case.get("max_seconds"):
        assert elapsed < case["max_seconds"], f"{case['name']} took {elapsed:.1f} s"
    if r.status_code != 200 or case["code"] is not None:
        assert _node_counts(graph) == before, "a refused request wrote to the graph"


def test_every_error_of_the_corpus_reaches_the_metrics(http, graph):
    """The refusals before execution are counted like every answer (status labels)."""
    text = http.get("/metrics").text
    assert 'status="413"' in text and 'status="415"' in text and 'status="400"' in text


# -- the service stays responsive ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(neo4j_settings: Settings, graph) -> Iterator[str]:
    """``trustgraph serve`` in a process of its own (its own interpreter and GIL, as in
    production), over the test session's Neo4j."""
    port = _free_port()
    env = neo4j_settings.child_environment(TRUSTGRAPH_API_KEYS=API_KEYS)
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--no-neo4j", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc=proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


HEAVY = [
    "a 30 MB anonymous recordEvents",
    "a 30 MB recordEvents with an INGEST key",
    "a 3 MB recordEvents with a MERCHANT key",
    "a 500,000-id trustBatch",
    "500,000 badge ids",
    "a body over the limit, chunked",
]


def _probe(url: str, seconds: float) -> list[float]:
    """/healthz latencies, one probe every 10 ms for ``seconds``, sorted."""
    latencies = []
    with httpx.Client(base_url=url, timeout=5) as probe:
        probe.get("/healthz")  # the connection is open before measuring
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            r = probe.get("/healthz")
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200
            time.sleep(0.01)
    return sorted(latencies)


@pytest.mark.parametrize("name", HEAVY)
def test_healthz_answers_while_a_hostile_request_is_in_flight(served, graph, name):
    """One client sends the hostile request again and again (one always in flight) while
    another probes /healthz: every probe of a 3-second window answers within 100 ms. The
    machine's own hiccups (two CPUs shared with Neo4j and the test process) may spoil a window,
    so up to three are measured; no probe of any may take a second (the issue saw 40 s)."""
    case = next(c for c in CASES if c["name"] == name)
    body = _body(case)  # built before the clock starts: the client's work is not the server's
    chunked = (case.get("body") or {}).get("chunked")
    before = _node_counts(graph)
    stop = threading.Event()
    answered: list[int] = []

    def hammer() -> None:
        assert body is not None
        with httpx.Client(base_url=served, timeout=120) as c:
            while not stop.is_set():
                content = (
                    (body[i : i + 65536] for i in range(0, len(body), 65536)) if chunked else body
                )
                try:
                    r = c.post("/graphql", headers=_headers(case), content=content)
                    answered.append(r.status_code)
                except httpx.HTTPError:  # the server closed the connection mid-upload
                    answered.append(0)

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    windows = []
    try:
        time.sleep(0.2)  # the first hostile request is in flight
        for _ in range(3):
            latencies = _probe(served, 3)
            windows.append(latencies)
            if latencies[-1] < 0.1:
                break
    finally:
        stop.set()
        thread.join(timeout=120)
    assert answered and set(answered) <= {case["status"], 0}, answered
    assert answered.count(case["status"]) >= len(answered) / 2, answered
    shown = "; ".join(
        f"worst {w[-1] * 1000:.0f} ms, median {w[len(w) // 2] * 1000:.1f} ms of {len(w)}"
        for w in windows
    )
    assert all(w[-1] < 1 for w in windows), shown
    assert windows[-1][-1] < 0.1, f"/healthz: {shown} ({len(answered)} hostile requests)"
    assert _node_counts(graph) == before
