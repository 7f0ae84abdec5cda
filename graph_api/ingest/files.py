"""Bulk ingestion from files and streams: JSONL lines validated, batched and written with the
database work overlapping the parsing, rejects written beside the input with their reasons."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from graph_api import events as ev
from graph_api.derive.results import DeriveResult
from graph_api.errors import ImportFileError
from graph_api.events import Rejection
from graph_api.ingest.plan import BatchResult
from graph_api.json_fields import json_fields


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
            **json_fields(
                self, "path", "lines", "accepted", "duplicates", "rejected", "rejected_path"
            ),
            "seconds": round(self.seconds, 3),
            "eventsPerSecond": round(self.events_per_second),
            "rejectionCodes": self.rejection_codes,
            "rescored": {
                "buyers": self.rescored_buyers,
                "shopsAndHosts": self.rescored_entities,
                "trustChanges": self.trust_changes,
                "badgeChanges": self.badge_changes,
                "seconds": round(self.derive_seconds, 3),
            },
        }


class BatchWriter(Protocol):
    """What records the batches of a stream: the :class:`Ingester` (one transaction per batch)
    or the bulk loader's :class:`graph_api.ingest.bulk.BulkWriter` (CSV files for neo4j-admin)."""

    batch_size: int

    def write_valid(self, items: Sequence[tuple[int, dict[str, Any]]]) -> BatchResult: ...


def validated_lines(
    path: Path, on_bytes: Callable[[int], object]
) -> Iterator[tuple[int, str, dict[str, Any] | Rejection]]:
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
                yield (
                    index,
                    raw_line.decode("utf-8", "replace"),
                    Rejection(
                        index,
                        None,
                        ev.INVALID_JSON,
                        None,
                        f"line {index + 1} is not UTF-8: {exc.reason}",
                    ),
                )
                continue
            if not line.strip():
                continue  # blank lines (a trailing newline) are not events
            yield index, line, ev.parse_jsonl_line(line, index)


def import_jsonl(
    ingester: BatchWriter,
    path: str | os.PathLike[str],
    rejected_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportSummary:
    """Import a JSONL file of events; see :func:`ingest_stream`. ``progress`` is called with the
    number of bytes read. Rejects go to ``rejected_path`` (default ``FILE.rejected.jsonl``)."""
    src = Path(path)
    if not src.is_file():
        raise ImportFileError(str(src), "no such file")
    out_path = Path(rejected_path) if rejected_path else src.with_name(src.name + ".rejected.jsonl")
    return ingest_stream(
        ingester, validated_lines(src, progress or (lambda n: None)), out_path, str(src)
    )


def validated_events(
    events: Iterable[Any],
) -> Iterator[tuple[int, str | None, dict[str, Any] | Rejection]]:
    """Validate an iterable of raw events (dicts) for :func:`ingest_stream`."""
    for index, raw in enumerate(events):
        yield index, None, ev.validate_event(raw, index)


def ingest_stream(
    ingester: BatchWriter,
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
            record = {
                "line": r.index + 1,
                **r.to_dict(),
                "event": (lines.get(r.index) or "").rstrip("\n"),
            }
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
