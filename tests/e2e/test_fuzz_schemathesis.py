"""A bounded schemathesis run in GraphQL mode against the real service over real HTTP, without
an API key and with the ADMIN key: every root field of the schema (queries and mutations) with
generated arguments, valid and not. The service must answer each within a few seconds with
valid JSON, never HTTP 5xx (but a 503 that says SERVICE_UNAVAILABLE), and every error must carry
an ``extensions.code`` that is not INTERNAL_SERVER_ERROR.

Bounded: a fixed number of examples per field, derandomized (the same run every time), so the
whole test stays well under two minutes on a loaded machine.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from graphql import IntValueNode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from tests.e2e.conftest import KEYS
from tests.e2e.test_ingest_and_subscriptions import RECORD, order_events

pytestmark = pytest.mark.integration

SDL = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
EXAMPLES = 15  # per root field, caller and mode (valid arguments, then invalid ones)
HANG_SECONDS = 10.0

# Offset (a Kafka offset, streamApplied's input) is a custom scalar: a 64-bit integer, and
# negative or larger ones, which the service must refuse with a code.
schemathesis.graphql.scalar(
    "Offset",
    st.integers(min_value=-(2**64), max_value=2**64).map(lambda n: IntValueNode(value=str(n))),
)


@pytest.fixture(scope="module")
def small_graph(client, _session_store):
    """A few recorded events, so generated reads find something."""
    _session_store.wipe()
    events = [e for day in (3, 9) for e in order_events(f"f{day}", "b1", "h1", "s1", day)]
    client.gql(RECORD, {"events": events}, role="INGEST")
    return _session_store


class Run:
    """What the answers were (status and codes) and what was wrong with them."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url
        self.headers = headers
        self.session = requests.Session()
        self.outcomes: Counter[str] = Counter()
        self.problems: list[str] = []

    def check(self, label: str, case: Any) -> None:
        started = time.monotonic()
        try:
            response = case.call(
                base_url=self.url, session=self.session, headers=self.headers, timeout=HANG_SECONDS
            )
        except requests.Timeout:
            self.problems.append(f"{label}: no answer in {HANG_SECONDS} s: {case.body}")
            return
        elapsed = time.monotonic() - started
        what = f"{label} {response.status_code} {case.body!r:.300}"
        try:
            body = response.json()
        except ValueError:
            self.problems.append(f"not JSON: {what}: {response.text[:200]!r}")
            return
        errors = (body.get("errors") or []) if isinstance(body, dict) else None
        if errors is None:
            self.problems.append(f"not a GraphQL answer: {what}: {body!r:.200}")
            return
        codes = [(e.get("extensions") or {}).get("code") for e in errors]
        if response.status_code >= 500 and codes != ["SERVICE_UNAVAILABLE"]:
            self.problems.append(f"HTTP {response.status_code}: {what}: {codes}")
        for code, error in zip(codes, errors, strict=True):
            if code is None:
                self.problems.append(f"an error without a code: {what}: {error}")
            elif code == "INTERNAL_SERVER_ERROR":
                self.problems.append(f"INTERNAL_SERVER_ERROR: {what}: {error}")
        if elapsed > HANG_SECONDS / 2:
            self.problems.append(f"slow ({elapsed:.1f} s): {what}")
        seen = "/".join(sorted({str(c) for c in codes})) or "ok"
        self.outcomes[f"{response.status_code} {seen}"] += 1

    def operation(self, operation: Any, mode: Any) -> None:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def each(case: Any) -> None:
            self.check(operation.label, case)

        each()


def fuzz(url: str, headers: dict[str, str]) -> Run:
    """Every root field of the schema, with valid then invalid arguments."""
    schema = schemathesis.graphql.from_path(SDL)
    run = Run(url, headers)
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()  # the SDL is ours: every field loads
            run.operation(result.ok(), mode)
    run.session.close()
    return run


@pytest.mark.parametrize("caller", ["anonymous", "ADMIN"])
def test_schemathesis_finds_no_internal_error_no_codeless_error_and_no_hang(
    server, small_graph, caller
):
    headers = {} if caller == "anonymous" else {"Authorization": f"Bearer {KEYS[caller]}"}
    started = time.monotonic()
    run = fuzz(server.url + "/graphql", headers)
    outcomes = run.outcomes
    spent = time.monotonic() - started
    total = sum(outcomes.values())
    print(f"schemathesis as {caller}: {total} requests in {spent:.0f} s: {outcomes}")
    assert not run.problems, "\n".join(run.problems[:20])
    assert sum(outcomes.values()) >= 200  # it ran: every root field, many examples each
    if caller == "anonymous":
        # Most fields need a key: the fuzzer must have met the refusals, not only successes.
        assert any("UNAUTHENTICATED" in k for k in outcomes)
    else:
        assert any(k.endswith(" ok") for k in outcomes)
    assert spent < 90
    # The service is still fine afterwards.
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
