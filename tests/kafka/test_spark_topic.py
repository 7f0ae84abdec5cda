"""`trustgraph rescore --engine spark --topic NAME`: the Spark rebuild reading the event log from a
real Kafka topic (offset ranges, one consumer per task) in a real local[2] session, against
`trustgraph rescore` on the facts `trustgraph consume` recorded from the same topic: the graph each
leaves, property by property (every TRUST relationship, every Buyer node, every Standing node)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from bench.derived import derived_state, differences, forget_derived
from graph_api.derive import rescore_all
from graph_api.ingest.kafka import offset_ranges
from graph_api.seed import SeedConfig, generate
from graph_api.seed.jsonl import write_jsonl
from graph_api.settings import Settings
from graph_api.spark.events import TopicLog, judged_events, summarize, validated_events
from graph_api.spark.rebuild import spark_rescore
from graph_api.spark.session import open_session
from scoring.policy import default_policy
from tests.platforms import JUDGED_LINES, ORDER
from tests.streams import Stream, graph_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    with open_session("local[2]", partitions=2) as session:
        yield session


def _trustgraph(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``trustgraph ARGS`` against the tests' Neo4j and the stream's broker."""
    child = settings.child_environment(
        None, TRUSTGRAPH_KAFKA_BOOTSTRAP=settings.kafka.bootstrap_servers, **env
    )
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", *args],
        env=child,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _consume_all(s: Stream, expected: int) -> dict[str, Any]:
    consumer = s.consumer("spark-topic", "--derive", "none", "--until-idle", "4")
    status, summary = consumer.finish()
    assert status == 0 and summary is not None, consumer.stderr()
    assert summary["accepted"] + summary["duplicates"] + summary["rejected"] == expected
    return summary


def test_spark_rebuild_from_the_topic_equals_rescore(stream, store, spark, tmp_path):
    events = list(
        generate(
            SeedConfig(
                seed=11, buyers=300, attacks=("review_bombing", "refund_hiding", "camouflage")
            )
        )[0]
    )
    path = tmp_path / "events.jsonl"
    write_jsonl(events, str(path))
    s = stream(2)
    done = _trustgraph(s.settings, "produce", str(path), "--topic", s.topic)
    assert done.returncode == 0, done.stderr
    assert f"sent {len(events):,} events" in done.stdout
    summary = _consume_all(s, len(events))
    assert summary["accepted"] == len(events) == graph_events(store)

    policy = default_policy()
    clock = store.latest_event_at()
    assert clock is not None
    rescored = rescore_all(store, policy, clock)
    expected = derived_state(store)
    assert rescored.total_pairs > 500 and rescored.reweighted > 0
    assert any(k.startswith("STANDING ") and v["badges"] for k, v in expected.items())

    # The command, as a user runs it: one offset range per partition (the topic is small).
    forget_derived(store)
    done = _trustgraph(
        s.settings, "rescore", "--engine", "spark", "--topic", s.topic, "--partitions", "2",
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"topic {s.topic}" in done.stderr and "2 partitions" in done.stderr
    out = json.loads(done.stdout)
    assert out["log"]["accepted"] == len(events) == out["graphEvents"]
    assert out["log"]["duplicates"] == 0 and not out["log"]["rejected"]
    got = derived_state(store)
    assert not differences(expected, got), "\n".join(differences(expected, got))
    assert got == expected
    assert out["pairs"] == rescored.to_dict()["pairs"]

    # Ranges far smaller than a partition (many tasks per partition): the same log order, the
    # same answer.
    forget_derived(store)
    log = TopicLog(s.kafka, tuple(offset_ranges(s.kafka, s.topic, max_messages=997)))
    assert len(log.ranges) > 4 and log.partitions == 2 and log.messages == len(events)
    assert [(r.partition, r.start) for r in log.ranges] == sorted(
        (r.partition, r.start) for r in log.ranges
    )
    sliced = spark_rescore(spark, store, policy, log, partitions=3)
    assert sliced is not None and sliced.log.accepted == len(events)
    assert derived_state(store) == expected


def test_the_topic_is_judged_as_the_consumer_judges_it(stream, store, spark):
    """Replays, a reused id, a second placement, events of unknown orders and reports, messages
    that are not events: the Spark job's counts are the consumer's."""
    s = stream(2)
    messages = list(JUDGED_LINES)
    assert s.produce(messages) == len(messages)
    consumed = _consume_all(s, len(messages))
    log = TopicLog(s.kafka, tuple(offset_ranges(s.kafka, s.topic)))
    now = int(time.time() * 1000)
    judged = summarize(judged_events(validated_events(spark, log), now, 300_000))
    assert (judged.read, judged.accepted, judged.duplicates, sum(judged.rejected.values())) == (
        len(messages),
        consumed["accepted"],
        consumed["duplicates"],
        consumed["rejected"],
    )
    assert consumed["accepted"] == 2 and consumed["duplicates"] == 1
    assert judged.rejected["INVALID_JSON"] == 1 and judged.rejected["UNKNOWN_ORDER"] == 1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_missing_or_empty_topic_or_no_broker_is_said_before_spark_starts(stream, tmp_path):
    s = stream(2)  # created, nothing produced
    empty = _trustgraph(s.settings, "rescore", "--engine", "spark", "--topic", s.topic)
    assert empty.returncode == 1, empty.stderr
    assert f"topic {s.topic} at Kafka {s.kafka.bootstrap_servers}" in empty.stderr
    assert "holds no messages" in empty.stderr
    missing = _trustgraph(s.settings, "rescore", "--engine", "spark", "--topic", "no.such.topic")
    assert missing.returncode == 1 and "there is no such topic" in missing.stderr
    gone = s.settings.with_overrides(kafka=replace(s.kafka, bootstrap=f"127.0.0.1:{_free_port()}"))
    started = time.monotonic()
    away = _trustgraph(gone, "rescore", "--engine", "spark", "--topic", s.topic)
    assert away.returncode == 1 and "no answer within 15 s" in away.stderr, away.stderr
    assert time.monotonic() - started < 60
    for done in (empty, missing, away):
        assert "Traceback" not in done.stderr and "starting Spark" not in done.stderr

    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"eventId": "e1", **ORDER}) + "\n", encoding="utf-8")
    both = _trustgraph(
        s.settings, "rescore", "--engine", "spark", "--topic", s.topic, "--events", str(log)
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    python = _trustgraph(s.settings, "rescore", "--topic", s.topic)
    assert python.returncode == 1 and "--topic is for --engine spark" in python.stderr
    blank = _trustgraph(s.settings, "rescore", "--engine", "spark", "--topic", " ")
    assert blank.returncode == 1 and "--topic" in blank.stderr
