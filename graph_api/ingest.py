"""Ingestion: validated events -> facts in the graph, idempotently, one transaction per batch.

A batch goes through three steps, all inside one write transaction (see
:meth:`graph_api.store.Store.write_planned`):

1. look up which of its event ids, order ids and report ids the graph already holds;
2. :func:`plan_batch` decides, event by event: a replay (same ``eventId``, same content) is a
   *duplicate* and changes nothing; a reused ``eventId`` with different content, an order event
   for an order the graph does not know, a second ``ORDER_PLACED`` for one order are *rejected*
   alone; the rest are *accepted*;
3. the accepted events are written with one ``UNWIND`` query per event type, in an order that
   puts every node before the events that hang off it, plus one ``Event`` node each (the log
   whose uniqueness constraint makes replays detectable, even between concurrent writers).

Events for an order must arrive in the same batch as its ``ORDER_PLACED`` or after it; earlier
ones are rejected with ``UNKNOWN_ORDER`` and, since nothing of them was recorded, can simply be
sent again later. Buyers, hosts and shops need no registration first: a reference creates the
node and the registration event fills it in whenever it comes.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from graph_api import events as ev
from graph_api.errors import ImportFileError
from graph_api.events import Rejection
from graph_api.store import GraphChecks, Store

if TYPE_CHECKING:
    from graph_api.derive import DeriveResult, Deriver

# (event type, query) in write order: nodes before what hangs off them, reports before their
# confirmations. FOLLOWED/UNFOLLOWED share one query so a follow and an unfollow in one batch
# are applied in time order; VIOLATION_PENALIZED splits by its target.
_WRITE_ORDER: tuple[tuple[str, str], ...] = (
    ("BUYER_REGISTERED", "ingest/buyer_registered"),
    ("HOST_REGISTERED", "ingest/host_registered"),
    ("SHOP_REGISTERED", "ingest/shop_registered"),
    ("HOST_SELLS_FOR_SHOP", "ingest/host_sells_for_shop"),
    ("SHOP_RIGHTS_CHANGED", "ingest/shop_rights_changed"),
    ("ORDER_PLACED", "ingest/order_placed"),
    ("ORDER_DELIVERED", "ingest/order_delivered"),
    ("ORDER_REFUNDED", "ingest/order_refunded"),
    ("REVIEW_POSTED", "ingest/review_posted"),
    ("COMPLAINT_FILED", "ingest/complaint_filed"),
    ("INSPECTION_RECORDED", "ingest/inspection_recorded"),
    ("FALSE_AD_REPORTED", "ingest/false_ad_reported"),
    ("FALSE_AD_CONFIRMED", "ingest/false_ad_confirmed"),
    ("FOLLOW", "ingest/follow_changed"),
    ("COMMENTED", "ingest/commented"),
    ("WATCHED", "ingest/watched"),
    ("FAN_CLUB_TIER_SET", "ingest/fan_club_tier_set"),
    ("HOST_PENALTY", "ingest/host_penalized"),
    ("SHOP_PENALTY", "ingest/shop_penalized"),
)
_QUERY_OF = dict(_WRITE_ORDER)
assert set(ev.EVENT_TYPES) - {"FOLLOWED", "UNFOLLOWED", "VIOLATION_PENALIZED"} <= set(_QUERY_OF)


def _group_of(event: dict[str, Any]) -> str:
    kind = event["type"]
    if kind in ("FOLLOWED", "UNFOLLOWED"):
        return "FOLLOW"
    if kind == "VIOLATION_PENALIZED":
        return "HOST_PENALTY" if event["hostId"] is not None else "SHOP_PENALTY"
    return kind


def _row(event: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in event.items() if k not in ("type", "hash")}
    if event["type"] in ("FOLLOWED", "UNFOLLOWED"):
        row["active"] = event["type"] == "FOLLOWED"
    return row


@dataclass(frozen=True)
class _Keyed:
    """Something with its own id that one event type creates and others refer to."""

    field: str
    creator: str
    referrers: frozenset[str]
    noun: str
    verb: str
    duplicate: str  # rejection code for a second creator
    unknown: str  # rejection code for a reference to an id the graph does not know


_KEYED = (
    _Keyed("orderId", "ORDER_PLACED", ev.ORDER_REFERENCING, "order", "placed", ev.DUPLICATE_ORDER, ev.UNKNOWN_ORDER),
    _Keyed("reportId", "FALSE_AD_REPORTED", frozenset({"FALSE_AD_CONFIRMED"}), "report", "filed",
           ev.DUPLICATE_REPORT, ev.UNKNOWN_REPORT),
)


@dataclass
class BatchResult:
    accepted: list[dict[str, Any]] = field(default_factory=list)  # the events now recorded
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    derived: list[DeriveResult] = field(default_factory=list)  # the rescoring each batch caused

    def merge(self, other: "BatchResult") -> None:
        self.accepted.extend(other.accepted)
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.derived.extend(other.derived)


def plan_batch(
    items: Sequence[tuple[int, dict[str, Any]]], checks: GraphChecks
) -> tuple[list[tuple[str, list[dict[str, Any]]]], BatchResult]:
    """Decide what to write for validated events ``(index, event)``, given what the graph holds.

    Pure: the same items and checks always give the same plan.
    """
    result = BatchResult()
    in_graph = {"orderId": checks.orders, "reportId": checks.reports}
    # Everything created in this batch may be referred to from anywhere in it: writes run
    # creators first (see _WRITE_ORDER).
    known = {k.field: in_graph[k.field] | {e[k.field] for _, e in items if e["type"] == k.creator} for k in _KEYED}
    created: dict[str, set[str]] = {k.field: set() for k in _KEYED}
    seen: dict[str, str] = {}  # eventId -> hash, for events earlier in this batch

    def reject(index: int, e: dict[str, Any], code: str, fld: str, message: str) -> None:
        result.rejected.append(Rejection(index, e["eventId"], code, fld, message))

    for index, e in items:
        event_id, kind = e["eventId"], e["type"]
        prior = seen.get(event_id, checks.event_hashes.get(event_id))
        if prior is not None:
            if prior == e["hash"]:
                result.duplicates += 1
            else:
                reject(index, e, ev.EVENT_ID_CONFLICT, "eventId",
                       f"eventId {event_id!r} was already recorded with different content")
            continue
        for k in _KEYED:
            if kind == k.creator:
                key = e[k.field]
                if key in in_graph[k.field] or key in created[k.field]:
                    reject(index, e, k.duplicate, k.field, f"{k.noun} {key!r} was already {k.verb} by another event")
                    break
                created[k.field].add(key)
            elif kind in k.referrers and e[k.field] not in known[k.field]:
                reject(index, e, k.unknown, k.field,
                       f"{k.noun} {e[k.field]!r} is not in the graph; send its {k.creator} first")
                break
        else:
            seen[event_id] = e["hash"]
            result.accepted.append(e)

    groups: dict[str, list[dict[str, Any]]] = {}
    for e in result.accepted:
        groups.setdefault(_group_of(e), []).append(e)
    writes: list[tuple[str, list[dict[str, Any]]]] = []
    for group, name in _WRITE_ORDER:
        batch = groups.get(group)
        if batch:
            # Time order within a type, ties by eventId: current-state relationships (FOLLOWS,
            # FAN_OF) then end in the same state whatever order the events arrived in.
            batch.sort(key=lambda e: (e["at"], e["eventId"]))
            writes.append((name, [_row(e) for e in batch]))
    if result.accepted:
        writes.append(("ingest/record_events", [
            {"eventId": e["eventId"], "type": e["type"], "at": e["at"], "hash": e["hash"]} for e in result.accepted
        ]))
        writes.append(("ingest/advance_clock", [{"at": max(e["at"] for e in result.accepted)}]))
    return writes, result


class Ingester:
    """Writes events through a :class:`Store`, ``batch_size`` events per transaction.

    With a ``deriver`` (:class:`graph_api.derive.Deriver`), every batch is followed, before the
    call returns, by the rescoring of the buyers, shops and hosts it touched (read-your-writes).
    Without one, derived state is left for ``trustgraph rescore`` (bulk loads).
    """

    def __init__(self, store: Store, batch_size: int, deriver: Deriver | None = None) -> None:
        self.store = store
        self.batch_size = batch_size
        self.deriver = deriver

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

    def write_valid(self, items: Sequence[tuple[int, dict[str, Any]]]) -> BatchResult:
        """Record one batch of validated events in one transaction."""
        if not items:
            return BatchResult()
        outcome: list[BatchResult] = []

        def plan(checks: GraphChecks) -> list[tuple[str, list[dict[str, Any]]]]:
            writes, result = plan_batch(items, checks)
            outcome[:] = [result]  # a retried transaction replaces the earlier attempt's verdict
            return writes

        events = [e for _, e in items]
        self.store.write_planned(
            (e["eventId"] for e in events),
            (e["orderId"] for e in events if "orderId" in e),
            (e["reportId"] for e in events if "reportId" in e),
            plan,
        )
        result = outcome[0]
        if self.deriver is not None and result.accepted:
            # The facts are committed (durable) before this runs; if rescoring fails, the error
            # reaches the caller and the next batch touching the same things, or a rescore,
            # brings the derived state up to date.
            result.derived.append(self.deriver.after_batch(result.accepted))
        return result


@dataclass
class ImportSummary:
    path: str
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_path: str | None = None
    seconds: float = 0.0
    rejection_codes: dict[str, int] = field(default_factory=dict)
    # Incremental rescoring (with a deriver): what the batches rescored, and the time it took.
    rescored_buyers: int = 0
    rescored_entities: int = 0
    trust_changes: int = 0
    badge_changes: int = 0
    derive_seconds: float = 0.0

    def add_derived(self, derived: Iterable[DeriveResult]) -> None:
        for d in derived:
            self.rescored_buyers += d.buyers
            self.rescored_entities += d.shops + d.hosts
            self.trust_changes += len(d.trust_changes)
            self.badge_changes += len(d.badge_changes)
            self.derive_seconds += d.seconds

    @property
    def events_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "lines": self.lines, "accepted": self.accepted, "duplicates": self.duplicates,
            "rejected": self.rejected, "rejectedPath": self.rejected_path, "seconds": round(self.seconds, 3),
            "eventsPerSecond": round(self.events_per_second), "rejectionCodes": self.rejection_codes,
            "rescored": {"buyers": self.rescored_buyers, "shopsAndHosts": self.rescored_entities,
                         "trustChanges": self.trust_changes, "badgeChanges": self.badge_changes,
                         "seconds": round(self.derive_seconds, 3)},
        }


def _validated_lines(path: Path, on_bytes: Callable[[int], None]) -> Iterator[tuple[int, str, dict[str, Any] | Rejection]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportFileError(str(path), exc.strerror or str(exc)) from exc
    with handle:
        for index, raw_line in enumerate(handle):
            on_bytes(len(raw_line))
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield index, raw_line.decode("utf-8", "replace"), Rejection(
                    index, None, ev.INVALID_JSON, None, f"line {index + 1} is not UTF-8: {exc.reason}")
                continue
            if not line.strip():
                continue  # blank lines (a trailing newline) are not events
            yield index, line, ev.parse_jsonl_line(line, index)


def import_jsonl(
    ingester: Ingester,
    path: str | os.PathLike[str],
    rejected_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a JSONL file of events; see :func:`ingest_stream`. ``progress`` is called with the
    number of bytes read. Rejects go to ``rejected_path`` (default ``FILE.rejected.jsonl``)."""
    src = Path(path)
    if not src.is_file():
        raise ImportFileError(str(src), "no such file")
    out_path = Path(rejected_path) if rejected_path else src.with_name(src.name + ".rejected.jsonl")
    return ingest_stream(ingester, _validated_lines(src, progress or (lambda n: None)), out_path, str(src))


def validated_events(events: Iterable[Any]) -> Iterator[tuple[int, str | None, dict[str, Any] | Rejection]]:
    """Validate an iterable of raw events (dicts) for :func:`ingest_stream`."""
    for index, raw in enumerate(events):
        yield index, None, ev.validate_event(raw, index)


def ingest_stream(
    ingester: Ingester,
    source: Iterable[tuple[int, str | None, dict[str, Any] | Rejection]],
    rejected_path: Path,
    label: str,
) -> ImportSummary:
    """Record a stream of validated events ``(index, raw line or None, event or Rejection)`` in
    batches. Parsing and validating the next batch overlaps with the database writing the
    current one (a writer thread), since otherwise each waits on the other.

    Rejected events are written to ``rejected_path`` (created only if something is rejected),
    one JSON object per line: the line number, the code, the field, the message and the event.
    """
    summary = ImportSummary(path=label, rejected_path=None)
    out_path = rejected_path
    rejects_out = None
    started = time.perf_counter()

    def record_rejects(rejections: Iterable[Rejection], lines: dict[int, str | None]) -> None:
        nonlocal rejects_out
        for r in rejections:
            if rejects_out is None:
                rejects_out = out_path.open("w", encoding="utf-8")
                summary.rejected_path = str(out_path)
            summary.rejected += 1
            summary.rejection_codes[r.code] = summary.rejection_codes.get(r.code, 0) + 1
            record = {"line": r.index + 1, **r.to_dict(), "event": (lines.get(r.index) or "").rstrip("\n")}
            rejects_out.write(json.dumps(record, ensure_ascii=False) + "\n")

    # A batch travels with its raw lines, so graph-level rejects can be written with their line
    # while memory holds only the batches in flight.
    Batch = tuple[list[tuple[int, dict[str, Any]]], dict[int, str | None]]
    batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
    results: queue.Queue[tuple[BatchResult, dict[int, str | None]] | BaseException] = queue.Queue()
    failed = threading.Event()

    def writer() -> None:
        while (batch := batches.get()) is not None:
            if failed.is_set():
                continue  # keep draining so the reader never blocks on a full queue
            items, lines = batch
            try:
                results.put((ingester.write_valid(items), lines))
            except BaseException as exc:  # re-raised in the reading thread
                failed.set()
                results.put(exc)

    def drain() -> None:
        while True:
            try:
                got = results.get_nowait()
            except queue.Empty:
                return
            if isinstance(got, BaseException):
                raise got
            result, lines = got
            summary.accepted += len(result.accepted)
            summary.duplicates += result.duplicates
            summary.add_derived(result.derived)
            record_rejects(result.rejected, lines)

    thread = threading.Thread(target=writer, name="trustgraph-import-writer", daemon=True)
    thread.start()
    try:
        pending: list[tuple[int, dict[str, Any]]] = []
        pending_lines: dict[int, str | None] = {}
        for index, line, checked in source:
            summary.lines += 1
            if isinstance(checked, Rejection):
                record_rejects([checked], {index: line})
                continue
            pending.append((index, checked))
            pending_lines[index] = line
            if len(pending) >= ingester.batch_size:
                batches.put((pending, pending_lines))
                pending, pending_lines = [], {}
                drain()
                if failed.is_set():
                    break
        if pending and not failed.is_set():
            batches.put((pending, pending_lines))
        batches.put(None)
        thread.join()
        drain()  # the last batches' results, rejects included, before the file closes
    finally:
        batches.put(None)  # harmless twice; unblocks the writer if the reading failed
        thread.join()
        if rejects_out is not None:
            rejects_out.close()
    summary.seconds = time.perf_counter() - started
    return summary
