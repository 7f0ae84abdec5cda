"""Kafka in: events of the JSONL format (one JSON object per message) from topics, through the same
:class:`Ingester` and :class:`WritePipeline` as ``trustgraph import``, with at-least-once delivery
and an exactly-once effect.

Per batch, in two threads that overlap (batch N+1 is consumed and validated while batch N is
written, as ``import`` parses the next batch of a file):

1. the consuming thread takes (``consume``) up to ``batch_size`` messages and validates them
   (:func:`graph_api.events.validate_event`, as every input path), then submits the batch to
   the write pipeline (a bounded queue: a few batches in flight at most);
2. the pipeline's writer thread records the valid events in one graph transaction
   (:meth:`Ingester.write_valid`: a replayed event is counted as a duplicate, never applied
   twice), with the offsets the batch applies;
3. back in the consuming thread, in order, once that transaction committed: every rejected
   message (malformed JSON, a bad field, an unknown order...) goes to the dead-letter topic
   with its code, field and message, and the consumer waits until Kafka has them;
4. only then are the batch's offsets committed, synchronously. Every call on the consumer
   (consume, commit, position, close) stays in the consuming thread.

A crash anywhere before 4 re-delivers the batches whose offsets were not committed (up to the
pipeline's depth plus one) to whichever consumer of the group owns the partitions next; the
replay finds the events recorded and counts them as duplicates (and the dead letters of a
replayed batch are sent again: the dead-letter topic is at-least-once too).

A rebalance that takes partitions away (``on_revoke``, inside ``consume``) first drains the
pipeline: every batch in flight is written and its offsets committed while this member still
owns them, so the next owner starts after them. A stop request (SIGTERM, through ``stop``) ends
the loop between batches and drains the pipeline the same way, then the consumer closes.

Static membership (``group.instance.id``): a restarted consumer takes its old place at once,
without a rebalance, instead of waiting out its predecessor's session.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from graph_api import events as ev
from graph_api.errors import ConfigError, ImportFileError, KafkaUnavailable
from graph_api.events import Rejection
from graph_api.ingest.ingester import Ingester, StreamOffset, record_derived
from graph_api.ingest.pipeline import WritePipeline
from graph_api.ingest.plan import BatchResult
from graph_api.json_fields import json_fields
from graph_api.kafka_local import client_log
from graph_api.settings import KafkaSettings

log = logging.getLogger(__name__)

# Client errors that retrying does not cure.
_GIVE_UP = frozenset(
    {
        KafkaError._AUTHENTICATION,
        KafkaError.SASL_AUTHENTICATION_FAILED,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.GROUP_AUTHORIZATION_FAILED,
        KafkaError._SSL,
    }
)

# The test hook's exit status: "crashed on purpose between the graph commit and the offset commit".
CRASH_EXIT_STATUS = 17


def client_config(kafka: KafkaSettings, **own: Any) -> dict[str, Any]:
    """The client configuration: the pass-through settings (security), then ours."""
    return {
        **dict(kafka.client_config),
        "bootstrap.servers": kafka.bootstrap_servers,
        "logger": client_log,
        **own,
    }


def _client(kind: Callable[[dict[str, Any]], Any], config: dict[str, Any]) -> Any:
    try:
        return kind(config)
    except KafkaException as exc:
        raise ConfigError(
            "TRUSTGRAPH_KAFKA_CONFIG_*", "***", f"settings the Kafka client accepts ({exc})"
        ) from None


def partition_key(event: dict[str, Any]) -> str | None:
    """The key that keeps the events of one order (or one false-ad report) in one partition, in
    order: an ORDER_DELIVERED must not overtake its ORDER_PLACED. Events of no order are keyed by
    their buyer (a FOLLOWED and its UNFOLLOWED stay in order), else the host or shop."""
    for name in ("orderId", "reportId", "buyerId", "hostId", "shopId", "eventId"):
        value = event.get(name)
        if isinstance(value, str):
            return value
    return None


# ---------------------------------------------------------------------- topics and producing


def create_topic(kafka: KafkaSettings, name: str, partitions: int) -> bool:
    """Create ``name`` with ``partitions`` partitions (replication 1 on a one-node cluster, else
    the cluster's default). False if it exists already."""
    admin = _client(AdminClient, client_config(kafka))
    replication = -1  # the broker's default.replication.factor
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=replication)]
    )
    try:
        futures[name].result(timeout=30)
    except KafkaException as exc:
        if exc.args and exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise KafkaUnavailable(
            kafka.bootstrap_servers, f"cannot create topic {name}: {exc}"
        ) from exc
    return True


def produce_lines(kafka: KafkaSettings, topic: str, lines: Iterable[bytes]) -> int:
    """Send each line (one JSON event, as in a JSONL file) as one message, keyed by
    :func:`partition_key` when it parses; lines that do not parse are sent as they are (the
    consumer dead-letters them). Returns the number sent, once Kafka has all of them."""
    producer = _client(
        Producer,
        client_config(
            kafka, **{"enable.idempotence": True, "linger.ms": 20, "compression.type": "lz4"}
        ),
    )
    failed: list[str] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failed.append(str(err))

    sent = 0
    for line in lines:
        value = line.rstrip(b"\r\n")
        if not value.strip():
            continue
        try:
            parsed = json.loads(value)
            key = partition_key(parsed) if isinstance(parsed, dict) else None
        except ValueError:
            key = None
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=delivered)
                break
            except BufferError:  # the local queue is full: let it drain
                producer.poll(0.5)
        producer.poll(0)
        sent += 1
    if producer.flush(60) > 0 or failed:
        detail = failed[0] if failed else "messages still queued after 60 s"
        raise KafkaUnavailable(kafka.bootstrap_servers, f"could not produce to {topic}: {detail}")
    return sent


# ---------------------------------------------------------------------- metrics


class ConsumerMetrics:
    """Prometheus metrics of one consumer process, served by :meth:`serve` on its own port (the
    consumer is its own process, not a part of the GraphQL service)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "trustgraph_kafka_events_total",
            "Messages consumed, by outcome (accepted, duplicate, rejected: dead-lettered)",
            ["outcome"],
            registry=self.registry,
        )
        self.batches = Counter(
            "trustgraph_kafka_batches_total",
            "Batches recorded and committed",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "trustgraph_kafka_batch_seconds",
            "Time from a batch's arrival to its offset commit",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.throughput = Gauge(
            "trustgraph_kafka_events_per_second",
            "Messages per second over the last batches (about 10 s)",
            registry=self.registry,
        )
        self.lag = Gauge(
            "trustgraph_kafka_consumer_lag",
            "Messages in the partition after this consumer's committed offset",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.assigned = Gauge(
            "trustgraph_kafka_assigned_partitions",
            "Partitions assigned to this consumer",
            registry=self.registry,
        )

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        start_http_server(port, addr=host, registry=self.registry)


# ---------------------------------------------------------------------- the consumer


@dataclass
class ConsumeSummary:
    group: str
    instance_id: str
    topics: tuple[str, ...]
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    seconds: float = 0.0
    # Seconds from start to the first partition assignment (static membership keeps it short
    # after a restart).
    first_assignment_seconds: float | None = None
    # Seconds from start to the first message, and to the last offset commit: what the stream
    # took, without the start-up and the idle wait of --until-idle.
    first_message_seconds: float | None = None
    last_commit_seconds: float | None = None
    partitions: set[str] = field(default_factory=set)  # every "topic[p]" ever assigned
    rejection_codes: dict[str, int] = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            **json_fields(
                self, "group", "instance_id", "messages", "accepted", "duplicates", "rejected"
            ),
            "topics": list(self.topics),
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "eventsPerSecond": round(self.events_per_second),
            "firstAssignmentSeconds": _rounded(self.first_assignment_seconds),
            "firstMessageSeconds": _rounded(self.first_message_seconds),
            "lastCommitSeconds": _rounded(self.last_commit_seconds),
            "partitions": sorted(self.partitions),
            "rejectionCodes": self.rejection_codes,
        }


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


@dataclass
class _Batch:
    """One consumed batch: its messages, the next offset to commit per partition, and (once
    validated) its valid events and its rejects so far."""

    messages: list[Message]
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    number: int = 0  # 1, 2, ... in the order of consumption
    arrived: float = 0.0
    valid: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[Message, Rejection]] = field(default_factory=list)

    def applied(self) -> list[StreamOffset]:
        """The last offset of each partition the batch holds."""
        return [StreamOffset(t, p, o - 1) for (t, p), o in self.offsets.items()]


def default_instance_id(group: str) -> str:
    return f"{group}-{socket.gethostname()}"[:249]


class EventConsumer:
    """Reads ``kafka.topics`` as member ``instance_id`` of ``kafka.group`` and records the events
    with ``ingester`` (see the module's docstring for the order of commits)."""

    def __init__(
        self,
        ingester: Ingester,
        kafka: KafkaSettings,
        *,
        instance_id: str | None = None,
        metrics: ConsumerMetrics | None = None,
        say: Callable[[str], None] = print,
        crash: Callable[[int], None] = os._exit,
    ) -> None:
        self.ingester = ingester
        self.kafka = kafka
        self.instance_id = instance_id or kafka.instance_id or default_instance_id(kafka.group)
        self.metrics = metrics or ConsumerMetrics()
        self._say = say
        self._crash = crash
        self._recent: list[tuple[float, int]] = []  # (time, messages) of the last batches
        # The next offset committed per partition of the current assignment (the lag's base).
        self._committed: dict[tuple[str, int], int] = {}

    def run(
        self, stop: threading.Event | None = None, *, idle_exit: float | None = None
    ) -> ConsumeSummary:
        """Consume until ``stop`` is set or, with ``idle_exit``, until no message has arrived for
        that many seconds since the last one (or the last assignment)."""
        stop = stop or threading.Event()
        k = self.kafka
        refused: list[KafkaError] = []

        def on_error(err: KafkaError) -> None:
            # Fatal errors and a refused login are not retried: stop with them instead of
            # waiting forever (the rest, such as a broker that is briefly away, librdkafka retries).
            if err.fatal() or err.code() in _GIVE_UP:
                refused.append(err)

        summary = ConsumeSummary(group=k.group, instance_id=self.instance_id, topics=k.topics)
        started = time.monotonic()
        consumer = _client(
            Consumer,
            client_config(
                k,
                **{
                    "group.id": k.group,
                    "group.instance.id": self.instance_id,
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "auto.offset.reset": "earliest",
                    "session.timeout.ms": k.session_timeout_ms,
                    "enable.partition.eof": False,
                    # What one fetch brings is a few batches at most: memory stays bounded.
                    "queued.max.messages.kbytes": 16384,
                    "error_cb": on_error,
                },
            ),
        )
        producer = _client(
            Producer,
            client_config(k, **{"enable.idempotence": True, "linger.ms": 5, "error_cb": on_error}),
        )
        last_activity = time.monotonic()
        assignment: list[TopicPartition] = []
        owned: set[tuple[str, int]] = set()

        def done(batch: _Batch, result: BatchResult) -> None:
            # In this (the consuming) thread, in order, once the batch's transaction committed.
            nonlocal last_activity
            self._committed_batch(batch, result, consumer, producer, summary)
            last_activity = time.monotonic()
            summary.last_commit_seconds = last_activity - started

        pipeline: WritePipeline[_Batch, BatchResult] = WritePipeline(
            self._write, done, name="trustgraph-consume-writer"
        )

        def on_assign(c: Consumer, partitions: list[TopicPartition]) -> None:
            nonlocal last_activity
            assignment[:] = partitions
            owned.clear()
            owned.update((p.topic, p.partition) for p in partitions)
            names = [f"{p.topic}[{p.partition}]" for p in partitions]
            summary.partitions.update(names)
            if summary.first_assignment_seconds is None:
                summary.first_assignment_seconds = time.monotonic() - started
            self.metrics.assigned.set(len(partitions))
            last_activity = time.monotonic()
            self._say(f"kafka: {self.instance_id} assigned {', '.join(names) or 'nothing'}")
            stray = sorted({p.topic for p in partitions if p.topic not in k.topics})
            if stray:
                # A static member's rejoin keeps the group's last assignment: after a change of
                # TRUSTGRAPH_KAFKA_TOPICS the old topics come back until the group rebalances.
                self._say(
                    f"kafka: warning: assigned {', '.join(stray)}, which this member does not "
                    "read (the group's assignment predates a change of TRUSTGRAPH_KAFKA_TOPICS); "
                    "use a new TRUSTGRAPH_KAFKA_GROUP for new topics"
                )

        def on_revoke(c: Consumer, partitions: list[TopicPartition]) -> None:
            # Runs inside consume(), in this thread, while the partitions are still ours: every
            # batch in flight is written and its offsets committed before they are given up, so
            # their next owner starts after them. (Closed: the consumer is closing after a
            # drain, or after an error, when nothing more may be committed.)
            if not pipeline.closed:
                in_flight = pipeline.in_flight
                pipeline.drain()
                names = ", ".join(f"{p.topic}[{p.partition}]" for p in partitions)
                self._say(
                    f"kafka: {self.instance_id} gives up {names or 'nothing'} after committing "
                    f"the {in_flight} batches in flight"
                )
            assignment[:] = []
            owned.clear()
            self._committed.clear()
            self.metrics.assigned.set(0)
            self.metrics.lag.clear()  # the next assignment's partitions report their own

        try:
            self._check_reachable(consumer)
            consumer.subscribe(list(k.topics), on_assign=on_assign, on_revoke=on_revoke)
            self._say(
                f"kafka: consuming {', '.join(k.topics)} from {k.bootstrap_servers} as "
                f"{self.instance_id} of group {k.group}; dead letters to {k.dlq_topic}"
            )
            last_lag_update = 0.0
            submitted = 0
            while not stop.is_set():
                # A short wait while batches are in flight: their offsets are committed between
                # two consume calls.
                messages = consumer.consume(
                    num_messages=self.ingester.batch_size,
                    timeout=0.1 if pipeline.in_flight else 0.5,
                )
                if refused:
                    raise KafkaUnavailable(k.bootstrap_servers, refused[0].str())
                batch = self._usable(messages, owned)
                if batch.messages:
                    if summary.first_message_seconds is None:
                        summary.first_message_seconds = time.monotonic() - started
                    self._validate(batch)
                    submitted += 1
                    batch.number = submitted
                    pipeline.submit(batch)
                    if self.kafka.crash_after_batches == batch.number:
                        pipeline.drain()  # the test hook: batch N's done exits before its commit
                    last_activity = time.monotonic()
                else:
                    pipeline.poll()
                if time.monotonic() - last_lag_update > 2 or batch.messages:
                    self._update_lag(consumer, assignment)
                    last_lag_update = time.monotonic()
                if (
                    idle_exit is not None
                    and not pipeline.in_flight
                    and time.monotonic() - last_activity > idle_exit
                ):
                    break
            # A stop (SIGTERM) or the idle exit: what is in flight is written and committed.
            pipeline.drain()
        finally:
            # After an error, the batches not yet written are dropped (their offsets were not
            # committed: the next owner gets them again).
            pipeline.close()
            summary.seconds = time.monotonic() - started
            # With a static membership, close() does not leave the group: a restart with the
            # same instance id takes the partitions back without a rebalance.
            consumer.close()
            producer.flush(10)
        return summary

    # -- one batch -------------------------------------------------------------------------

    def _usable(self, messages: list[Message], owned: set[tuple[str, int]]) -> _Batch:
        batch = _Batch(messages=[], arrived=time.monotonic())
        for m in messages:
            err = m.error()
            if err is not None:
                if err.fatal():
                    raise KafkaUnavailable(self.kafka.bootstrap_servers, str(err))
                if err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    log.warning("kafka: %s (waiting for the topic to be created)", err.str())
                else:
                    log.warning("kafka: %s", err.str())
                continue
            topic, partition, offset = m.topic(), m.partition(), m.offset()
            assert topic is not None and partition is not None and offset is not None
            if (topic, partition) not in owned:
                # Fetched before a rebalance took the partition away (inside this consume
                # call): its new owner reads it from the committed offset.
                continue
            batch.messages.append(m)
            batch.offsets[(topic, partition)] = offset + 1
        return batch

    def _validate(self, batch: _Batch) -> None:
        """Parse and validate the batch's messages (the consuming thread's share of the work,
        overlapping the writer's transaction of the batch before)."""
        for index, m in enumerate(batch.messages):
            checked = parse_message(m.value(), index)
            if isinstance(checked, Rejection):
                batch.rejected.append((m, checked))
            else:
                batch.valid.append((index, checked))

    def _write(self, batch: _Batch) -> BatchResult:
        """The writer thread's share: the graph transaction, committed here, with the offsets it
        applies (a read waits for them: ingest/stream_applied), then the rescoring if any."""
        applied = batch.applied()
        result = self.ingester.write_valid(batch.valid, applied)
        if self.ingester.deriver is not None:
            record_derived(self.ingester.store, applied)  # rescored by write_valid's deriver
        return result

    def _committed_batch(
        self,
        batch: _Batch,
        result: BatchResult,
        consumer: Consumer,
        producer: Producer,
        summary: ConsumeSummary,
    ) -> None:
        """After the batch's graph transaction: its dead letters, then its offset commit."""
        rejected = batch.rejected + [(batch.messages[r.index], r) for r in result.rejected]
        self._dead_letter(producer, rejected)
        summary.batches += 1
        if self.kafka.crash_after_batches == batch.number:
            self._say(
                f"kafka: test hook: exiting after the graph commit of batch {batch.number} "
                f"({len(batch.messages)} messages) and before its offset commit"
            )
            self._crash(CRASH_EXIT_STATUS)
        self._commit(consumer, batch)
        summary.messages += len(batch.messages)
        summary.accepted += len(result.accepted)
        summary.duplicates += result.duplicates
        summary.rejected += len(rejected)
        for _, r in rejected:
            summary.rejection_codes[r.code] = summary.rejection_codes.get(r.code, 0) + 1
        metrics = self.metrics
        metrics.events.labels("accepted").inc(len(result.accepted))
        metrics.events.labels("duplicate").inc(result.duplicates)
        metrics.events.labels("rejected").inc(len(rejected))
        metrics.batches.inc()
        now = time.monotonic()
        metrics.batch_seconds.observe(now - batch.arrived)
        self._recent = [(t, n) for t, n in self._recent if now - t < 10]
        self._recent.append((now, len(batch.messages)))
        span = max(now - self._recent[0][0], now - batch.arrived, 1e-3)
        metrics.throughput.set(sum(n for _, n in self._recent) / span)

    def _dead_letter(self, producer: Producer, rejected: list[tuple[Message, Rejection]]) -> None:
        """Send the rejected messages to the dead-letter topic and wait until Kafka has them all:
        their offsets are committed next, so a dead letter lost here would be lost for good."""
        if not rejected:
            return
        failed: list[str] = []

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                failed.append(str(err))

        for m, r in rejected:
            producer.produce(
                self.kafka.dlq_topic,
                key=m.key(),
                value=json.dumps(dead_letter(m, r), ensure_ascii=False).encode(),
                headers=[("trustgraph-code", r.code.encode())],
                on_delivery=delivered,
            )
        if producer.flush(30) > 0 or failed:
            detail = failed[0] if failed else "not acknowledged within 30 s"
            raise KafkaUnavailable(
                self.kafka.bootstrap_servers,
                f"could not write to the dead-letter topic {self.kafka.dlq_topic}: {detail}",
            )

    def _commit(self, consumer: Consumer, batch: _Batch) -> None:
        offsets = [TopicPartition(t, p, o) for (t, p), o in batch.offsets.items()]
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            err = exc.args[0] if exc.args else None
            if isinstance(err, KafkaError) and err.fatal():
                raise KafkaUnavailable(self.kafka.bootstrap_servers, str(err)) from exc
            # Most often a rebalance took the partitions away meanwhile: their new owner gets
            # the batch again and counts its events as duplicates.
            log.warning("kafka: offset commit failed (%s); the batch will be re-delivered", exc)
            return
        self._committed.update(batch.offsets)

    def _update_lag(self, consumer: Consumer, assignment: list[TopicPartition]) -> None:
        if not assignment:
            return
        try:
            positions = consumer.position(assignment)
        except KafkaException:
            return
        for tp in positions:
            low, high = consumer.get_watermark_offsets(tp, cached=True) or (-1, -1)
            if high < 0:
                continue
            # From the offset committed (what the graph has applied), else the position.
            next_offset = self._committed.get((tp.topic, tp.partition))
            if next_offset is None:
                next_offset = tp.offset if tp.offset >= 0 else low
            self.metrics.lag.labels(tp.topic, str(tp.partition)).set(max(0, high - next_offset))

    def _check_reachable(self, consumer: Consumer) -> None:
        try:
            consumer.list_topics(timeout=15)
        except KafkaException as exc:
            raise KafkaUnavailable(
                self.kafka.bootstrap_servers, f"no answer within 15 s ({exc})"
            ) from exc


def parse_message(value: bytes | None, index: int) -> dict[str, Any] | Rejection:
    """One message's value: a JSON event, validated; else the reason, as a rejection."""
    if value is None:
        return Rejection(index, None, ev.INVALID_JSON, None, "the message has no value")
    try:
        raw = json.loads(value)
    except UnicodeDecodeError as exc:
        return Rejection(index, None, ev.INVALID_JSON, None, f"the message is not UTF-8: {exc}")
    except ValueError as exc:
        return Rejection(index, None, ev.INVALID_JSON, None, f"the message is not JSON: {exc}")
    return ev.validate_event(raw, index)


def dead_letter(m: Message, r: Rejection) -> dict[str, Any]:
    """What the dead-letter topic holds for a rejected message: why, and where it came from."""
    value = m.value() or b""
    return {
        "code": r.code,
        "field": r.field,
        "message": r.message,
        "eventId": r.event_id,
        "topic": m.topic(),
        "partition": m.partition(),
        "offset": m.offset(),
        "event": value.decode("utf-8", "replace"),
    }


def read_topic(
    kafka: KafkaSettings, topic: str, *, expected: int, timeout: float = 30
) -> Iterator[Message]:
    """Every message of ``topic`` from the start, without a group (the tests' and operators'
    look at a dead-letter topic); stops after ``expected`` messages or ``timeout`` seconds."""
    consumer = _client(
        Consumer,
        client_config(
            kafka,
            **{
                "group.id": f"trustgraph-reader-{os.getpid()}-{time.monotonic_ns()}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            },
        ),
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        seen = 0
        while seen < expected and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=500, timeout=0.5):
                if m.error() is None:
                    seen += 1
                    yield m
    finally:
        consumer.close()


# ---------------------------------------------------------------------- reading offset ranges


@dataclass(frozen=True)
class OffsetRange:
    """Messages ``[start, end)`` of one partition of a topic."""

    topic: str
    partition: int
    start: int
    end: int

    @property
    def messages(self) -> int:
        return self.end - self.start


def _reader(kafka: KafkaSettings) -> Consumer:
    """A consumer that belongs to no group's progress: it is assigned partitions and seeks, and
    commits nothing (``group.id`` is required by the client, and names the reader in logs)."""
    return _client(
        Consumer,
        client_config(
            kafka,
            **{
                "group.id": f"trustgraph-range-reader-{socket.gethostname()}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                # A range whose start retention has deleted is an error, not a silent jump.
                "auto.offset.reset": "error",
            },
        ),
    )


def _no_log(kafka: KafkaSettings, topic: str, detail: str) -> ImportFileError:
    return ImportFileError(f"topic {topic} at Kafka {kafka.bootstrap_servers}", detail)


def offset_ranges(
    kafka: KafkaSettings, topic: str, *, max_messages: int = 500_000, timeout: float = 15
) -> list[OffsetRange]:
    """What ``topic`` holds now, as ranges of at most ``max_messages`` messages: each partition's
    ``[low, high)`` watermarks, sliced, in (partition, offset) order. :class:`KafkaUnavailable`
    when the cluster does not answer within ``timeout`` seconds, :class:`ImportFileError` (the
    log cannot be read, as for a missing file) when it has no such topic or the topic holds no
    message."""
    if max_messages < 1:
        raise ValueError("max_messages must be at least 1")
    consumer = _reader(kafka)
    try:
        try:
            meta = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        except KafkaException as exc:
            raise KafkaUnavailable(
                kafka.bootstrap_servers, f"no answer within {timeout:g} s ({exc})"
            ) from exc
        if meta is None or meta.error is not None:
            code = meta.error.code() if meta is not None and meta.error is not None else None
            if code in (None, KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC):
                raise _no_log(kafka, topic, "there is no such topic")
            assert meta is not None and meta.error is not None
            raise KafkaUnavailable(kafka.bootstrap_servers, f"topic {topic}: {meta.error.str()}")
        ranges: list[OffsetRange] = []
        for partition in sorted(meta.partitions):
            try:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=timeout
                )
            except KafkaException as exc:
                raise KafkaUnavailable(
                    kafka.bootstrap_servers,
                    f"no offsets of {topic} partition {partition} within {timeout:g} s ({exc})",
                ) from exc
            ranges.extend(
                OffsetRange(topic, partition, start, min(high, start + max_messages))
                for start in range(low, high, max_messages)
            )
    finally:
        consumer.close()
    if not ranges:
        raise _no_log(kafka, topic, "it holds no messages (every partition is empty)")
    return ranges


def read_range(
    kafka: KafkaSettings, r: OffsetRange, *, batch: int = 5000, stall_seconds: float = 60
) -> Iterator[tuple[bytes | None, int]]:
    """(value, offset) of every message of ``r``, in offset order, read by a consumer of its own
    (assigned, started at ``r.start``; no group, no commits). Offsets without a message (the
    control records of transactions, a compacted topic's gaps) are skipped;
    :class:`KafkaUnavailable` when no message comes for ``stall_seconds``, or the range's start is
    no longer held."""
    if r.start >= r.end:
        return
    consumer = _reader(kafka)
    try:
        consumer.assign([TopicPartition(r.topic, r.partition, r.start)])
        last_progress = time.monotonic()
        while True:
            messages = consumer.consume(num_messages=batch, timeout=1.0)
            for m in messages:
                err = m.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise KafkaUnavailable(
                        kafka.bootstrap_servers,
                        f"reading {r.topic} partition {r.partition} from {r.start}: {err.str()}",
                    )
                offset = m.offset()
                assert offset is not None
                if offset >= r.end:
                    return
                yield m.value(), offset
            if messages:
                last_progress = time.monotonic()
            (position,) = consumer.position([TopicPartition(r.topic, r.partition)])
            if position.offset >= r.end:
                return
            if time.monotonic() - last_progress > stall_seconds:
                raise KafkaUnavailable(
                    kafka.bootstrap_servers,
                    f"no message of {r.topic} partition {r.partition} at offset "
                    f"{max(position.offset, r.start)} (of {r.start}-{r.end}) within "
                    f"{stall_seconds:g} s",
                )
    finally:
        consumer.close()
