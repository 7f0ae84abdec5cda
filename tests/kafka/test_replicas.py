"""Replicas for Community users: the event stream is the replication log. A second local Neo4j (its
own home and ports, started once for this module) is fed by its own consumer group from the same
topic as the tests' server; after a rescore at the same as-of both hold the same derived state.
The service spreads its reads over both (TRUSTGRAPH_READ_URIS), and a stopped replica fails no
read that the other can answer. With TRUSTGRAPH_INGEST=kafka, a wait for recordEvents' positions
returns once both servers have them. The test that stops the replica comes last.

Ports: TRUSTGRAPH_TEST_REPLICA_BOLT_PORT / _HTTP_PORT (default 17787 / 17788; free ones when
those are taken and none was asked for)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from graph_api.auth import load_keys
from graph_api.neo4j_local import LocalNeo4j
from graph_api.seed import SeedConfig
from graph_api.settings import Settings
from graph_api.store import Store
from tests.conftest import _free_port as free_port
from tests.conftest import _ports_free as ports_free
from tests.e2e.conftest import API_KEYS, Client, Server
from tests.platforms import seed_platform
from tests.streams import Stream, graph_events, seeded_lines

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Replica:
    settings: Settings
    launcher: LocalNeo4j
    store: Store


@pytest.fixture(scope="module")
def replica(neo4j_settings: Settings) -> Iterator[Replica]:
    """A second local Neo4j for this module (about 20 s to start), stopped at its end."""
    settings = neo4j_settings.with_overrides(
        neo4j_uri=None,
        neo4j_home=ROOT / ".trustgraph" / "test-neo4j-replica",
        bolt_port=int(os.environ.get("TRUSTGRAPH_TEST_REPLICA_BOLT_PORT", "17787")),
        http_port=int(os.environ.get("TRUSTGRAPH_TEST_REPLICA_HTTP_PORT", "17788")),
        heap_size="512m",
        pagecache_size="256m",
    )
    launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j replica] {m}"))
    if not launcher.status().running and not ports_free(settings.bolt_port, settings.http_port):
        if "TRUSTGRAPH_TEST_REPLICA_BOLT_PORT" in os.environ:
            pytest.exit(
                f"TRUSTGRAPH_TEST_REPLICA_BOLT_PORT={settings.bolt_port} is in use", returncode=2
            )
        # The default ports are taken (another checkout's replica, a helper's server): free
        # ones, as for the tests' own server (tests/conftest.py).
        settings = settings.with_overrides(bolt_port=free_port(), http_port=free_port())
        launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j replica] {m}"))
    launcher.start()
    store = Store(settings)
    try:
        store.apply_schema()
        yield Replica(settings, launcher, store)
    finally:
        store.close()
        if os.environ.get("TRUSTGRAPH_TEST_KEEP_NEO4J") != "1":
            launcher.stop()


def _rescore(settings: Settings, as_of: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "rescore", "--as-of", as_of, "--json"],
        env=settings.child_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _stream_clocks(store: Store) -> dict[str, int]:
    records, _, _ = store.driver.execute_query(
        "MATCH (c:Clock) WHERE c.id STARTS WITH 'kafka:' RETURN c.id AS id, c.offset AS offset",
        database_=store.database,
    )
    return {r["id"]: r["offset"] for r in records}


def test_two_consumer_groups_feed_two_servers_to_identical_derived_state(
    stream, store, replica, derived_state
):
    replica.store.wipe()
    s: Stream = stream(3)
    lines = seeded_lines(buyers=80, days=20)
    assert s.produce(lines) == len(lines)
    # One group per server, reading the same topic at the same time.
    args = ("--derive", "none", "--batch-size", "500", "--until-idle", "5")
    primary = s.consumer("primary-0", *args)
    second = s.consumer("replica-0", *args, graph=replica.settings, group=f"{s.kafka.group}-r")
    for consumer in (primary, second):
        status, summary = consumer.finish()
        assert status == 0 and summary is not None, consumer.stderr()
        assert summary["accepted"] == len(lines) and summary["rejected"] == 0
    assert graph_events(store) == graph_events(replica.store) == len(lines)
    # Both applied the same offsets of every partition.
    assert _stream_clocks(store) == _stream_clocks(replica.store)
    assert len(_stream_clocks(store)) == 3

    clock = store.latest_event_at()
    assert clock is not None and replica.store.latest_event_at() == clock
    for settings in (store.settings, replica.settings):
        _rescore(settings, datetime.fromtimestamp(clock / 1000, UTC).isoformat())
    ours, theirs = derived_state(store), derived_state(replica.store)
    assert sum(k.startswith("TRUST ") for k in ours) > 50
    assert sum(k.startswith("STANDING ") for k in ours) > 10
    assert ours == theirs


def test_a_wait_for_kafka_positions_covers_every_read_server(stream, store, replica):
    replica.store.wipe()
    s: Stream = stream(2)
    events = [json.loads(line) for line in seeded_lines(buyers=20, days=5)][:150]
    args = ("--until-idle", "8")
    consumers = [
        s.consumer("primary-0", *args),
        s.consumer("replica-0", *args, graph=replica.settings, group=f"{s.kafka.group}-r"),
    ]
    settings = s.settings.with_overrides(
        ingest_mode="kafka",
        derive_wait_ms=60_000,
        read_uris=(store.settings.bolt_uri, replica.settings.bolt_uri),
        api_keys=load_keys({"TRUSTGRAPH_API_KEYS": API_KEYS}),
    )
    with Server(settings) as server:
        client = Client(server.url)
        body = client.post(
            """mutation($e: [EventInput!]!) { recordEvents(events: $e, waitForDerived: true) {
                 accepted derived streamPositions { topic partition offset } } }""",
            {"e": events},
            role="INGEST",
        ).json()
        assert not body.get("errors"), (body, [c.stderr() for c in consumers])
        answer = body["data"]["recordEvents"]
        assert answer["accepted"] == len(events) and answer["derived"] is True
        # Both servers have every event when the call answers.
        assert graph_events(store) == graph_events(replica.store) == len(events)
        progress = client.gql(
            """query($p: [StreamPositionInput!]!) { streamApplied(positions: $p) {
                 applied derived servers } }""",
            {"p": answer["streamPositions"]},
        )["streamApplied"]
        assert progress == {"applied": True, "derived": True, "servers": 2}
    for consumer in consumers:
        status, summary = consumer.finish()
        assert status == 0 and summary is not None, consumer.stderr()


def _metric(text: str, name: str, uri: str) -> float:
    m = re.search(rf'^{name}\{{uri="{re.escape(uri)}"\}} (\S+)$', text, re.MULTILINE)
    assert m is not None, f"no {name} for {uri} in /metrics"
    return float(m.group(1))


TRUST = """
query($b: ID!, $h: ID!) { trust(buyerId: $b, hostId: $h) { level score confidence } }"""


def test_reads_spread_over_both_servers_and_survive_one_stopped(store, replica):
    # The same facts through the ingestion path into each server: the same state.
    config = SeedConfig(seed=5, buyers=60, days=20)
    seed_platform(store, config)
    seed_platform(replica.store, config)
    records, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer)-[:TRUST]->(h:Host) RETURN b.id AS b, h.id AS h ORDER BY b, h LIMIT 1",
        database_=store.database,
    )
    pair = {"b": records[0]["b"], "h": records[0]["h"]}
    ours, theirs = store.settings.bolt_uri, replica.settings.bolt_uri
    settings = store.settings.with_overrides(
        read_uris=(ours, theirs), api_keys=load_keys({"TRUSTGRAPH_API_KEYS": API_KEYS})
    )
    with Server(settings) as server:
        client = Client(server.url)
        answers = [client.gql(TRUST, pair)["trust"] for _ in range(20)]
        assert all(a == answers[0] for a in answers)
        metrics = httpx.get(f"{server.url}/metrics").text
        hits = {
            uri: _metric(metrics, "trustgraph_read_server_reads_total", uri)
            for uri in (ours, theirs)
        }
        assert all(n >= 5 for n in hits.values()), hits  # both serve (20 reads, a few each)

        replica.launcher.stop()
        after = [client.gql(TRUST, pair)["trust"] for _ in range(20)]
        assert after == [answers[0]] * 20  # no read failed; the answers are the same
        metrics = httpx.get(f"{server.url}/metrics").text
        assert _metric(metrics, "trustgraph_read_server_up", theirs) == 0
        assert _metric(metrics, "trustgraph_read_server_failovers_total", theirs) >= 1
        assert _metric(metrics, "trustgraph_read_server_reads_total", ours) >= hits[ours] + 20
        assert _metric(metrics, "trustgraph_read_server_reads_total", theirs) == hits[theirs]
