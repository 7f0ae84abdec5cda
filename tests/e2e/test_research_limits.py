"""Research calls are bounded: a time limit (TRUSTGRAPH_RESEARCH_TIMEOUT) ends one with
QUERY_TIMEOUT, in the service and the CLI, and bounds outside the range events may have are
refused before any query runs."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time

import neo4j
import pytest

from graph_api.errors import QueryTimeout
from graph_api.seed import SeedConfig
from tests.e2e.conftest import Client, Server
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration

FUNNEL = "query($s: DateTime, $u: DateTime) { funnel(since: $s, until: $u) { pairs } }"


@pytest.fixture(scope="module")
def platform(_session_store):
    seed_platform(_session_store, SeedConfig(seed=11, buyers=300, days=60))
    return _session_store


def test_a_research_call_over_its_time_limit_is_query_timeout(
    service_settings, neo4j_settings, platform, tmp_path
):
    limited = service_settings.with_overrides(
        limits=dataclasses.replace(service_settings.limits, research_timeout_s=0.05)
    )
    with Server(limited) as other:
        c = Client(other.url)
        started = time.monotonic()
        body = c.post(FUNNEL, role="RESEARCHER").json()
        assert time.monotonic() - started < 10
        assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TIMEOUT"], body
        assert "research time limit of 0.05 s" in body["errors"][0]["message"]
        assert "TRUSTGRAPH_RESEARCH_TIMEOUT" in body["errors"][0]["message"]
        # Reads that are not research have no such limit.
        assert c.gql("{ clock }", role=None)["clock"] is not None

    # The CLI: the same limit from the environment, one line on stderr, exit status 1.
    done = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "report", "--out", str(tmp_path / "r")],
        env=neo4j_settings.child_environment(TRUSTGRAPH_RESEARCH_TIMEOUT="50ms"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "research time limit of 0.05 s" in done.stderr and "Traceback" not in done.stderr


def test_the_server_stops_a_query_at_the_time_limit(platform):
    # Neo4j's own transaction timeout, as a research query gets it, reaches the client as
    # QueryTimeout (Store._guard), not as a driver error.
    slow = "UNWIND range(1, 200000000) AS x WITH x WHERE x % 7 = 99 RETURN count(*) AS n"
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="0.3 s"), platform.time_limit(0.3):
        platform._guard(
            lambda: platform.driver.execute_query(
                neo4j.Query(slow, timeout=platform._timeout()), database_=platform.database
            )
        )
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "variables, argument",
    [
        ({"s": "0066-03-01T00:00:00Z"}, "since"),
        ({"u": "0066-03-01T00:00:00Z"}, "until"),
        ({"s": "2021-06-01T00:00:00+08:00", "u": "2150-01-01T00:00:00Z"}, "until"),
    ],
)
def test_funnel_bounds_out_of_range_are_refused_before_any_query(client, variables, argument):
    started = time.monotonic()
    body = client.post(FUNNEL, variables, role="RESEARCHER").json()
    assert time.monotonic() - started < 2
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    message = body["errors"][0]["message"]
    assert message.startswith(argument) and "out of range" in message and "2000-01-01" in message


PERIODS = "{ funnel(period: MONTH) { since periods { start end newPairs } } }"


def test_funnel_periods_start_at_midnight_in_the_display_time_zone(
    client, service_settings, platform
):
    got = client.gql(PERIODS, role="RESEARCHER")["funnel"]
    starts = [p["start"] for p in got["periods"]]
    assert starts and all(re.fullmatch(r"\d{4}-\d{2}-01T00:00:00\+08:00", s) for s in starts), got
    assert got["since"].endswith("+08:00")
    utc = service_settings.with_overrides(timezone="UTC")
    with Server(utc) as other:
        got = Client(other.url).gql(PERIODS, role="RESEARCHER")["funnel"]
    starts = [p["start"] for p in got["periods"]]
    assert starts and all(re.fullmatch(r"\d{4}-\d{2}-01T00:00:00\+00:00", s) for s in starts), got
