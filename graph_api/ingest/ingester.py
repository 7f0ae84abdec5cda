"""The ingester: raw events in, facts committed batch by batch, then (optionally) derived state.

Validation (:mod:`graph_api.events`) and the decision of what to write (:func:`plan_batch`) are
pure; this module runs them against the graph, checks and writes in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from graph_api import events as ev
from graph_api.derive import touched_by
from graph_api.derive.results import DeriveResult
from graph_api.events import Rejection
from graph_api.ingest.plan import BatchResult, GraphChecks, Writes, plan_batch
from graph_api.store import Store, Tx

# How often a batch is retried when a concurrent writer recorded one of its events (or orders)
# between our check and our write; the retry sees them and counts them as duplicates.
CONFLICT_RETRIES = 4
DEFAULT_CLOCK_SKEW_MS = 5 * 60_000


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class AfterBatch(Protocol):
    """What rescores after a committed batch (:class:`graph_api.derive.Deriver`)."""

    def after_batch(
        self, accepted: Sequence[dict[str, Any]], position: int | None
    ) -> DeriveResult: ...


class Ingester:
    """Writes events through a :class:`Store`, ``batch_size`` events per transaction.

    Every batch that accepts anything also appends one entry to the ingest log, in its own
    transaction: its position (``BatchResult.position``) and what it named, so that a deriver
    following the log (:class:`graph_api.derive.LogDeriver`) rescores it after the call has
    answered, even if this process dies right after the commit.

    With a ``deriver``, every batch is also followed, before the call returns, by the rescoring
    of what it touched (read-your-writes for every call: ``TRUSTGRAPH_DERIVE=inline``).

    Every batch, from any source, passes the clock rule here (:func:`events.future_rejection`):
    an event later than ``clock()`` plus ``max_clock_skew_ms`` is rejected with FUTURE_EVENT.
    """

    def __init__(
        self,
        store: Store,
        batch_size: int,
        deriver: AfterBatch | None = None,
        *,
        max_clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.deriver = deriver
        self.max_clock_skew_ms = max_clock_skew_ms
        self.clock = clock

    def ingest(self, raw_events: Sequence[Any]) -> BatchResult:
        """Validate and record raw events (dicts as in the JSONL format). Indexes in the result
        are positions in ``raw_events``."""
        result = BatchResult()
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, raw in enumerate(raw_events):
            checked = ev.validate_event(raw, index)
            if isinstance(checked, Rejection):
                result.rejected.append(checked)
            else:
                valid.append((index, checked))
        for start in range(0, len(valid), self.batch_size):
            result.merge(self.write_valid(valid[start : start + self.batch_size]))
        result.rejected.sort(key=lambda r: r.index)
        return result

    def write_valid(
        self,
        items: Sequence[tuple[int, dict[str, Any]]],
        applied: Sequence[StreamOffset] = (),
    ) -> BatchResult:
        """Record one batch of validated events in one transaction (those that pass the clock
        rule; the others come back rejected). ``applied``: the stream offsets the batch came
        from (``trustgraph consume``), recorded in the same transaction (even if nothing of the
        batch is accepted): a read can wait until the graph has applied an offset."""
        current, future = split_future(items, self.clock(), self.max_clock_skew_ms)
        result = self._write_current(current, applied)
        if future:
            result.rejected.extend(future)
            result.rejected.sort(key=lambda r: r.index)
        return result

    def _write_current(
        self, items: Sequence[tuple[int, dict[str, Any]]], applied: Sequence[StreamOffset] = ()
    ) -> BatchResult:
        if not items and not applied:
            return BatchResult()
        events = [e for _, e in items]

        def work(tx: Tx) -> BatchResult:
            # A retried transaction runs all of this again: its verdict replaces the earlier one.
            result = BatchResult()
            if items:
                writes, result = plan_batch(items, read_checks(tx, events))
                tx.write(writes)
            if result.accepted:
                result.position = log_batch(tx, result.accepted)
            if applied:
                record_applied(tx, applied, result.position)
            return result

        result = self.store.transact(work, conflict_retries=CONFLICT_RETRIES)
        if self.deriver is not None and result.accepted:
            # The facts and their log entry are committed (durable) before this runs; if
            # rescoring fails, the error reaches the caller and the log's deriver derives them.
            result.derived.append(self.deriver.after_batch(result.accepted, result.position))
        return result


def split_future(
    items: Sequence[tuple[int, dict[str, Any]]], now_ms: int, skew_ms: int
) -> tuple[list[tuple[int, dict[str, Any]]], list[Rejection]]:
    """The clock rule on one batch (every writer applies it, the bulk loader too): the events
    that may be written, and the FUTURE_EVENT rejections of the others."""
    future: list[Rejection] = []
    current: list[tuple[int, dict[str, Any]]] = []
    for index, event in items:
        late = ev.future_rejection(index, event, now_ms, skew_ms)
        if late is None:
            current.append((index, event))
        else:
            future.append(late)
    return current, future


@dataclass(frozen=True)
class StreamOffset:
    """The last offset of one topic partition that a consumed batch holds."""

    topic: str
    partition: int
    offset: int

    @property
    def clock_id(self) -> str:
        return stream_clock_id(self.topic, self.partition)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.clock_id,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
        }


def stream_clock_id(topic: str, partition: int) -> str:
    """The id of the Clock node that holds how far the graph has applied a topic partition."""
    return f"kafka:{topic}:{partition}"


def record_applied(tx: Tx, applied: Sequence[StreamOffset], seq: int | None) -> None:
    """The graph has applied these offsets (inside the transaction of their facts)."""
    tx.run("ingest/stream_applied", rows=[a.row() for a in applied], seq=seq)


def record_derived(store: Store, applied: Sequence[StreamOffset]) -> None:
    """Derived state includes these offsets (after the consumer's own rescoring)."""
    if applied:
        rows = [{"id": a.clock_id, "offset": a.offset} for a in applied]
        store.transact(lambda tx: tx.run("ingest/stream_derived", rows=rows))


def log_batch(tx: Tx, accepted: Sequence[dict[str, Any]]) -> int:
    """Append the ingest log's entry of a batch (inside its transaction); returns its position."""
    named = touched_by(accepted).log_params()
    return int(tx.single("ingest/log_batch", events=len(accepted), **named)["seq"])


def read_checks(tx: Tx, events: Sequence[dict[str, Any]]) -> GraphChecks:
    """What the graph holds of the event, order and report ids of ``events``."""
    ids = list(dict.fromkeys(e["eventId"] for e in events))
    orders = list(dict.fromkeys(e["orderId"] for e in events if "orderId" in e))
    reports = list(dict.fromkeys(e["reportId"] for e in events if "reportId" in e))
    recorded = tx.single("ingest/check_events", ids=ids)
    return GraphChecks(
        event_hashes=dict(zip(recorded["ids"], recorded["hashes"], strict=True)),
        orders=frozenset(tx.single("ingest/check_orders", ids=orders)["ids"])
        if orders
        else frozenset(),
        reports=frozenset(tx.single("ingest/check_reports", ids=reports)["ids"])
        if reports
        else frozenset(),
    )


def write_checked(
    store: Store, events: Sequence[dict[str, Any]], plan: Callable[[GraphChecks], Writes]
) -> Writes:
    """In one transaction: look up what the graph holds of these events' ids, let ``plan`` decide
    the writes, run them. Returns the writes that were committed.

    A concurrent writer can record one of our events between the look-up and the write; the
    uniqueness constraint then fails this transaction and it runs again, so the event is counted
    once, as a duplicate, never applied twice."""

    def work(tx: Tx) -> Writes:
        writes = plan(read_checks(tx, events))
        tx.write(writes)
        return writes

    return store.transact(work, conflict_retries=CONFLICT_RETRIES)
