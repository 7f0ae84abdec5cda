"""Kafka out: recordEvents over HTTP with TRUSTGRAPH_INGEST=kafka, against the real broker, a real
`trustgraph consume` and the tests' Neo4j. The call is acknowledged when Kafka has the events, the
consumer records them with their offsets, and a read that waits for the positions sees them; bad
events are still rejected at once; a Kafka that does not answer is SERVICE_UNAVAILABLE."""

from __future__ import annotations

import json
import socket
import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph_api.auth import load_keys
from graph_api.ingest.kafka import read_topic
from graph_api.ingest.produce import EventProducer
from graph_api.settings import Settings
from tests.e2e.conftest import API_KEYS, Client, Server
from tests.streams import Stream, graph_events, seeded_lines

pytestmark = pytest.mark.integration

RECORD = """
mutation($events: [EventInput!]!, $wait: Boolean!) {
  recordEvents(events: $events, waitForDerived: $wait) {
    accepted duplicates position derived
    rejected { index eventId code field }
    streamPositions { topic partition offset }
  }
}"""

APPLIED = """
query($positions: [StreamPositionInput!]!, $waitMs: Int!) {
  streamApplied(positions: $positions, waitMs: $waitMs, derived: true) {
    applied derived servers partitions { topic partition applied derived }
  }
}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kafka_mode(settings: Settings, **kafka: Any) -> Settings:
    return settings.with_overrides(
        ingest_mode="kafka",
        derive_wait_ms=60_000,  # the consumer's process start and first group join included
        api_keys=load_keys({"TRUSTGRAPH_API_KEYS": API_KEYS}),
        kafka=replace(settings.kafka, **kafka),
    )


def _latest(positions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last position per partition of several calls' answers."""
    last: dict[tuple[str, int], int] = {}
    for p in positions:
        key = (p["topic"], p["partition"])
        last[key] = max(last.get(key, -1), p["offset"])
    return [{"topic": t, "partition": n, "offset": o} for (t, n), o in sorted(last.items())]


def test_record_events_in_kafka_mode_is_acknowledged_consumed_and_seen_by_a_waiting_read(
    stream, store
):
    s: Stream = stream(3)
    events = [json.loads(line) for line in seeded_lines(buyers=40, days=12)]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    future = {**events[0], "eventId": "from-the-future", "at": tomorrow}
    missing = {"eventId": "no-buyer", "type": "ORDER_PLACED", "at": events[0]["at"]}
    consumer = s.consumer("graph-0", "--batch-size", "200", "--until-idle", "8")
    with Server(kafka_mode(s.settings)) as server:
        client = Client(server.url)
        # Bad events are rejected at once, with their codes, by the same validation as the
        # graph path; the good one of the call is produced.
        first = client.gql(RECORD, {"events": [events[0], missing, future], "wait": False})
        answer = first["recordEvents"]
        assert answer["accepted"] == 1 and answer["position"] is None
        assert [(r["index"], r["code"], r["field"]) for r in answer["rejected"]] == [
            (1, "MISSING_FIELD", "orderId"),
            (2, "FUTURE_EVENT", "at"),
        ]
        positions = list(answer["streamPositions"])
        assert [p["topic"] for p in positions] == [s.topic]

        chunks = [events[i : i + 100] for i in range(1, len(events), 100)]
        for chunk in chunks[:-1]:
            r = client.gql(RECORD, {"events": chunk, "wait": False})["recordEvents"]
            assert r["accepted"] == len(chunk) and not r["rejected"]
            positions += r["streamPositions"]
        tail = chunks[-1]
        # The last call waits until the consumer has applied and derived its events.
        waiting = client.post(RECORD, {"events": tail, "wait": True}, role="INGEST").json()
        assert not waiting.get("errors"), (waiting, consumer.stderr())
        last = waiting["data"]["recordEvents"]
        assert last["accepted"] == len(tail) and last["derived"] is True
        positions += last["streamPositions"]

        # Everything acknowledged is in the topic, each order's events in one partition.
        messages = list(read_topic(s.kafka, s.topic, expected=len(events) + 1, timeout=20))
        assert len(messages) == len(events)
        partitions_of: dict[str, set[int]] = defaultdict(set)
        for m in messages:
            event = json.loads(m.value() or b"")
            if "orderId" in event:
                partitions_of[event["orderId"]].add(m.partition() or 0)
        assert partitions_of and all(len(p) == 1 for p in partitions_of.values())
        assert len({m.partition() for m in messages}) == 3

        # A read that waits for every position sees every event in the graph.
        waited = client.gql(APPLIED, {"positions": _latest(positions), "waitMs": 10_000})
        progress = waited["streamApplied"]
        assert progress["applied"] and progress["derived"] and progress["servers"] == 1
        assert graph_events(store) == len(events)
        clock = client.gql("{ clock }")["clock"]
        assert clock is not None
        assert client.http.get("/readyz").status_code == 200
        # A position past what was produced is not applied, and says how far the graph is.
        ahead = [{**p, "offset": p["offset"] + 1000} for p in _latest(positions)]
        pending = client.gql(APPLIED, {"positions": ahead, "waitMs": 0})["streamApplied"]
        assert not pending["applied"]
        assert {p["applied"] for p in pending["partitions"]} == {
            p["offset"] for p in _latest(positions)
        }
    status, summary = consumer.finish()
    assert status == 0 and summary is not None, consumer.stderr()
    assert summary["accepted"] == len(events) and summary["rejected"] == 0


def test_kafka_that_does_not_answer_is_service_unavailable_and_bad_events_still_rejected(
    kafka_settings,
):
    down = kafka_mode(
        kafka_settings, bootstrap=f"127.0.0.1:{_free_port()}", produce_timeout_ms=2000
    )
    event = json.loads(seeded_lines(buyers=5, days=2)[0])
    with Server(down) as server:
        client = Client(server.url)
        r = client.post(RECORD, {"events": [event], "wait": False}, role="INGEST")
        body = r.json()
        assert r.status_code == 503 and r.headers["Retry-After"], body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert "event stream (Kafka) is unavailable" in body["errors"][0]["message"]
        ready = client.http.get("/readyz")
        assert ready.status_code == 503 and "Kafka at" in ready.json()["reason"]
        # Nothing to produce: the rejection needs no Kafka.
        bad = client.gql(
            RECORD, {"events": [{**event, "at": "not a time"}], "wait": False}, role="INGEST"
        )["recordEvents"]
        assert bad["accepted"] == 0 and bad["streamPositions"] == []
        assert [r["code"] for r in bad["rejected"]] == ["MALFORMED_FIELD"]


def test_concurrent_calls_share_one_producer_and_each_gets_its_own_acknowledgement(stream):
    s: Stream = stream(2)
    producer = EventProducer(s.kafka)
    events = [json.loads(line) for line in seeded_lines(buyers=100, days=30)][:400]
    assert len(events) == 400  # 8 calls of 50
    answers: dict[int, Any] = {}

    def call(n: int) -> None:
        answers[n] = producer.record(events[n * 50 : (n + 1) * 50])

    try:
        threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        producer.close()
    assert sorted(answers) == list(range(8))
    assert all(a.accepted == 50 and not a.rejected and a.positions for a in answers.values())
    messages = list(read_topic(s.kafka, s.topic, expected=401, timeout=15))
    assert len(messages) == 400
    # Each call's positions are offsets its own messages reached: the last of each partition
    # overall is one of them.
    last: dict[int, int] = {}
    for m in messages:
        partition, offset = m.partition() or 0, m.offset() or 0
        last[partition] = max(last.get(partition, -1), offset)
    reported = {(p.partition, p.offset) for a in answers.values() for p in a.positions}
    assert {(p, o) for p, o in last.items()} <= reported
