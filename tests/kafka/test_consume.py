"""`trustgraph consume` against a real broker and the tests' Neo4j: at-least-once delivery with an
exactly-once effect across a crash, dead letters, a group of two, a restart mid-stream."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request

import pytest

from graph_api.ingest.kafka import CRASH_EXIT_STATUS, read_topic
from tests.streams import graph_events, seeded_lines

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_crash_between_graph_commit_and_offset_commit_loses_nothing_and_counts_nothing_twice(
    stream, store
):
    s = stream(2)
    lines = seeded_lines()
    assert s.produce(lines) == len(lines)

    crashed = s.consumer(
        "crashy",
        "--batch-size",
        "100",
        "--derive",
        "none",
        "--until-idle",
        "20",
        TRUSTGRAPH_TEST_KAFKA_CRASH_AFTER_BATCHES="3",
    )
    status, summary = crashed.finish()
    assert status == CRASH_EXIT_STATUS and summary is None, crashed.stderr()
    hook = crashed.wait_for(r"graph commit of batch 3 \((\d+) messages\)")
    in_flight = int(hook.group(1))  # recorded in the graph, offsets not committed
    recorded = graph_events(store)
    assert 0 < recorded < len(lines)

    # The same member restarts: static membership gives it its partitions back at once (the
    # dead process's session would otherwise hold them for session.timeout.ms, 45 s).
    restarted = s.consumer("crashy", "--batch-size", "100", "--derive", "none", "--until-idle", "4")
    status, summary = restarted.finish()
    assert status == 0 and summary is not None, restarted.stderr()
    assert summary["firstAssignmentSeconds"] < 15
    # The batch in flight came again and was counted as duplicates; everything else once.
    assert summary["duplicates"] == in_flight
    assert summary["accepted"] == len(lines) - recorded
    assert summary["rejected"] == 0
    assert graph_events(store) == len(lines)


def test_poison_messages_land_in_the_dead_letter_topic_with_code_field_and_message(stream, store):
    s = stream(1)
    good = seeded_lines(buyers=30, days=10)
    bad_field = json.dumps(
        {"eventId": "bad-1", "type": "ORDER_PLACED", "at": "2021-06-02T10:00:00+08:00"}
    )
    unknown_order = json.dumps(
        {
            "eventId": "bad-2",
            "type": "ORDER_DELIVERED",
            "at": "2021-06-02T10:00:00+08:00",
            "orderId": "no-such-order",
        }
    )
    s.produce([good[0], "{not json", bad_field, *good[1:], unknown_order])
    consumer = s.consumer("one", "--until-idle", "4")  # incremental rescoring, the default
    status, summary = consumer.finish()
    assert status == 0 and summary is not None, consumer.stderr()
    assert summary["rejected"] == 3 and summary["accepted"] == len(good)
    assert summary["rejectionCodes"] == {"INVALID_JSON": 1, "MISSING_FIELD": 1, "UNKNOWN_ORDER": 1}

    letters = [
        json.loads(m.value() or b"") for m in read_topic(s.kafka, s.kafka.dlq_topic, expected=3)
    ]
    by_code = {d["code"]: d for d in letters}
    assert len(letters) == 3 and set(by_code) == {"INVALID_JSON", "MISSING_FIELD", "UNKNOWN_ORDER"}
    assert by_code["INVALID_JSON"]["event"] == "{not json"
    assert by_code["INVALID_JSON"]["topic"] == s.topic and by_code["INVALID_JSON"]["offset"] == 1
    assert by_code["MISSING_FIELD"]["eventId"] == "bad-1" and by_code["MISSING_FIELD"]["field"]
    assert (
        "no-such-order" in by_code["UNKNOWN_ORDER"]["message"] + by_code["UNKNOWN_ORDER"]["event"]
    )
    assert all(d["message"] for d in letters)
    assert graph_events(store) == len(good)


def test_two_consumers_in_one_group_share_the_partitions(stream, store):
    s = stream(4)
    first = s.consumer("first", "--batch-size", "50", "--derive", "none", "--until-idle", "8")
    first.wait_for(r"first assigned test\.events")
    second = s.consumer("second", "--batch-size", "50", "--derive", "none", "--until-idle", "8")
    second.wait_for(r"second assigned test\.events")
    # The rebalance is over once the first member holds two partitions, not four.
    first.wait_for(r"first assigned test\.events\.\w+\[\d\], test\.events\.\w+\[\d\]$")
    lines = seeded_lines()
    s.produce(lines)
    (status_a, a), (status_b, b) = first.finish(), second.finish()
    assert status_a == 0 and status_b == 0 and a and b, first.stderr() + second.stderr()
    assert a["accepted"] > 0 and b["accepted"] > 0
    assert a["accepted"] + b["accepted"] == len(lines)
    assert a["duplicates"] + b["duplicates"] == 0
    assert graph_events(store) == len(lines)


def test_a_consumer_stopped_mid_stream_and_restarted_finishes_the_stream(stream, store):
    s = stream(2)
    lines = seeded_lines()
    s.produce(lines)
    port = _free_port()
    consumer = s.consumer(
        "restart",
        "--batch-size",
        "20",
        "--derive",
        "none",
        "--until-idle",
        "30",
        "--metrics-port",
        str(port),
    )
    deadline = time.monotonic() + 60
    while graph_events(store) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    consumer.proc.send_signal(signal.SIGTERM)  # a clean stop: the batch in hand is committed
    status, first = consumer.finish()
    assert status == 0 and first is not None, consumer.stderr()
    assert 0 < first["messages"] < len(lines)
    assert 'trustgraph_kafka_events_total{outcome="accepted"}' in metrics
    assert "trustgraph_kafka_consumer_lag{" in metrics
    assert "trustgraph_kafka_events_per_second" in metrics

    again = s.consumer("restart", "--batch-size", "200", "--derive", "none", "--until-idle", "4")
    status, second = again.finish()
    assert status == 0 and second is not None, again.stderr()
    assert second["firstAssignmentSeconds"] < 15
    assert second["duplicates"] == 0  # the stop committed what it had recorded
    assert first["accepted"] + second["accepted"] == len(lines)
    assert graph_events(store) == len(lines)


def test_a_rebalance_mid_stream_commits_the_batches_in_flight_before_the_partitions_move(
    stream, store
):
    s = stream(4)
    lines = seeded_lines(buyers=600)
    s.produce(lines)
    # Deriving after every batch keeps the first member busy (batches queued in its write
    # pipeline) for the whole stream, so the second one joins mid-stream.
    args = ("--batch-size", "20", "--derive", "incremental", "--until-idle", "8")
    first = s.consumer("early", *args)
    deadline = time.monotonic() + 60
    while graph_events(store) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    # A second member joins: the first gives up two of its four partitions, after its write
    # pipeline is drained and what it wrote is committed (on_revoke, inside consume).
    second = s.consumer("late", *args)
    given_up = first.wait_for(r"early gives up .* after committing the (\d+) batches in flight")
    (status_a, a), (status_b, b) = first.finish(), second.finish()
    assert status_a == 0 and status_b == 0 and a and b, first.stderr() + second.stderr()
    assert int(given_up.group(1)) >= 1  # batches were in flight when the partitions moved
    assert b["accepted"] > 0  # and the stream was not done
    # Nothing the first member wrote came again to the second: no duplicates, nothing lost.
    assert a["duplicates"] + b["duplicates"] == 0
    assert a["accepted"] + b["accepted"] == len(lines)
    assert graph_events(store) == len(lines)
