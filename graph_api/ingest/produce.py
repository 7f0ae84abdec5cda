"""Kafka out: ``recordEvents`` onto the event topic (``TRUSTGRAPH_INGEST=kafka``).

The service validates each event as every input path does (:func:`graph_api.events.validate_event`
and the clock rule), so a bad event is still rejected at once with its code and field. The valid
ones are produced, as the JSONL format has them, keyed by :func:`partition_key` (an order's events
stay in one partition, in order), by an idempotent producer with ``acks=all``: the call returns
when every one of them is acknowledged by the in-sync replicas, with the position of each
partition's last message. ``trustgraph consume`` records them in the graph, and the applied
offsets with them, in one transaction (``ingest/stream_applied``): a read can wait until the graph
has applied a position (:mod:`graph_api.usecases.stream`).

What the graph alone can judge (an event for an order it does not know, an ``eventId`` reused with
other content) is judged by the consumer: such an event goes to the dead-letter topic with its
code. A replay of a recorded event is a duplicate there, as in the graph path.

If Kafka does not acknowledge within ``TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT``, the call fails with
:class:`KafkaUnavailable` (SERVICE_UNAVAILABLE): the events may or may not be in the topic, and
sending them again is safe (the consumer counts a replay as a duplicate).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from graph_api import events as ev
from graph_api.errors import KafkaUnavailable
from graph_api.events import Rejection
from graph_api.ingest.ingester import DEFAULT_CLOCK_SKEW_MS, stream_clock_id, wall_clock_ms
from graph_api.ingest.kafka import _client, client_config, partition_key
from graph_api.settings import KafkaSettings


@dataclass(frozen=True, order=True)
class StreamPosition:
    """Where Kafka holds a message: the graph has applied it once its consumer's clock for the
    partition reaches ``offset``."""

    topic: str
    partition: int
    offset: int

    @property
    def clock_id(self) -> str:
        return stream_clock_id(self.topic, self.partition)


@dataclass
class ProduceResult:
    """What ``recordEvents`` answers in Kafka mode."""

    accepted: int = 0  # events produced and acknowledged
    rejected: list[Rejection] = field(default_factory=list)
    positions: list[StreamPosition] = field(default_factory=list)  # per partition, the last


def validate_for_stream(
    raw_events: Sequence[Any], now_ms: int, skew_ms: int = DEFAULT_CLOCK_SKEW_MS
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[Rejection]]:
    """(raw, validated) of the events that pass, and the rejections of those that do not: the
    checks of the ingestion path that need no graph."""
    valid: list[tuple[dict[str, Any], dict[str, Any]]] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(raw_events):
        checked = ev.validate_event(raw, index)
        if isinstance(checked, Rejection):
            rejected.append(checked)
            continue
        late = ev.future_rejection(index, checked, now_ms, skew_ms)
        if late is not None:
            rejected.append(late)
        else:
            valid.append((raw, checked))
    return valid, rejected


class _Delivery:
    """The delivery reports of one call's messages."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.positions: dict[tuple[str, int], int] = {}
        self.errors: list[KafkaError] = []
        self.count = 0
        self.done = threading.Event()
        # Reports run in whichever request thread polls the shared producer: two of them may
        # serve reports of this call at once.
        self._lock = threading.Lock()

    def report(self, err: KafkaError | None, msg: Message) -> None:
        with self._lock:
            if err is not None:
                self.errors.append(err)
            else:
                topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
                assert topic is not None and partition is not None and offset is not None
                key = (topic, partition)
                self.positions[key] = max(offset, self.positions.get(key, -1))
            self.count += 1
            if self.count >= self.expected:
                self.done.set()


class EventProducer:
    """One idempotent producer per service process, shared by its requests (thread-safe)."""

    def __init__(self, kafka: KafkaSettings, *, max_clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS):
        self.kafka = kafka
        self.topic = kafka.topic_out
        self.max_clock_skew_ms = max_clock_skew_ms
        self._lock = threading.Lock()
        self._fatal: KafkaError | None = None
        self._producer = self._new_producer()

    def _new_producer(self) -> Producer:
        def on_error(err: KafkaError) -> None:
            if err.fatal():  # the idempotent producer cannot go on: the next call makes another
                self._fatal = err

        return _client(
            Producer,
            client_config(
                self.kafka,
                **{
                    "enable.idempotence": True,  # no duplicates, no reordering on retries
                    "acks": "all",
                    "linger.ms": 2,
                    "message.timeout.ms": self.kafka.produce_timeout_ms,
                    "error_cb": on_error,
                },
            ),
        )

    def _current(self) -> Producer:
        with self._lock:
            if self._fatal is not None:
                self._fatal = None
                self._producer = self._new_producer()
            return self._producer

    def record(self, raw_events: Sequence[Any]) -> ProduceResult:
        """Validate, produce the valid events and wait until Kafka has them all."""
        valid, rejected = validate_for_stream(raw_events, wall_clock_ms(), self.max_clock_skew_ms)
        result = ProduceResult(rejected=rejected)
        if valid:
            result.positions = self.send([(partition_key(v), raw) for raw, v in valid])
            result.accepted = len(valid)
        return result

    def send(self, keyed: Sequence[tuple[str | None, dict[str, Any]]]) -> list[StreamPosition]:
        """Produce (key, event) pairs; returns each partition's last position once every message
        is acknowledged (``acks=all``), or raises :class:`KafkaUnavailable`."""
        producer = self._current()
        delivery = _Delivery(len(keyed))
        deadline = time.monotonic() + self.kafka.produce_timeout_ms / 1000 + 5
        for key, event in keyed:
            value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            while True:
                try:
                    producer.produce(self.topic, value=value, key=key, on_delivery=delivery.report)
                    break
                except BufferError:  # the local queue is full (Kafka slow or away): drain a bit
                    producer.poll(0.05)
                    if time.monotonic() > deadline:
                        raise self._unavailable("the producer's queue stayed full") from None
        while not delivery.done.is_set():
            # Whichever thread polls serves every call's reports; each call waits for its own.
            producer.poll(0.01)
            if time.monotonic() > deadline:
                raise self._unavailable(
                    f"{len(keyed) - delivery.count} of {len(keyed)} events not acknowledged"
                )
        if delivery.errors:
            err = delivery.errors[0]
            raise self._unavailable(
                f"{len(delivery.errors)} of {len(keyed)} events not acknowledged ({err.str()})"
            )
        return sorted(StreamPosition(t, p, o) for (t, p), o in delivery.positions.items())

    def check(self, timeout: float = 3.0) -> None:
        """Raise :class:`KafkaUnavailable` unless the cluster answers and has the topic (the
        service's readiness in Kafka mode)."""
        try:
            topics = self._current().list_topics(self.topic, timeout=timeout).topics
        except KafkaException as exc:
            raise KafkaUnavailable(self.kafka.bootstrap_servers, f"no answer ({exc})") from exc
        meta = topics.get(self.topic)
        if meta is None or meta.error is not None:
            detail = meta.error.str() if meta is not None and meta.error is not None else "absent"
            raise KafkaUnavailable(
                self.kafka.bootstrap_servers, f"topic {self.topic} is not available ({detail})"
            )

    def _unavailable(self, detail: str) -> KafkaUnavailable:
        return KafkaUnavailable(
            self.kafka.bootstrap_servers,
            f"{detail} within {self.kafka.produce_timeout_ms / 1000:g} s "
            f"(TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT) on topic {self.topic}",
        )

    def close(self) -> None:
        self._producer.flush(5)
