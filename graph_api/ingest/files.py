"""Bulk ingestion from files and streams: JSONL lines validated, batched and written with the
database work overlapping the parsing, rejects written beside the input with their reasons."""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from graph_api import events as ev
from graph_api.derive.results import DeriveResult
from graph_api.errors import ImportFileError
from graph_api.events import Rejection
from graph_api.ingest.pipeline import WritePipeline
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


def _validate_line(index: int, raw_line: bytes) -> tuple[int, str, dict[str, Any] | Rejection]:
    try:
        line = raw_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            index,
            raw_line.decode("utf-8", "replace"),
            Rejection(
                index, None, ev.INVALID_JSON, None, f"line {index + 1} is not UTF-8: {exc.reason}"
            ),
        )
    return index, line, ev.parse_jsonl_line(line, index)


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ImportFileError(str(path), exc.strerror or str(exc)) from exc


def validated_lines(
    path: Path, on_bytes: Callable[[int], object]
) -> Iterator[tuple[int, str, dict[str, Any] | Rejection]]:
    with _open(path) as handle:
        for index, raw_line in enumerate(handle):
            on_bytes(len(raw_line))
            if raw_line.strip():  # blank lines (a trailing newline) are not events
                yield _validate_line(index, raw_line)


def _validate_chunk(
    start: int, raw_lines: list[bytes]
) -> list[tuple[int, str, dict[str, Any] | Rejection]]:
    return [_validate_line(start + i, raw) for i, raw in enumerate(raw_lines) if raw.strip()]


# Lines per task of the parallel validation, and tasks in flight per worker.
_CHUNK = 5000
_AHEAD = 2


def validated_lines_parallel(
    path: Path, on_bytes: Callable[[int], object], workers: int
) -> Iterator[tuple[int, str, dict[str, Any] | Rejection]]:
    """:func:`validated_lines` with the parsing and validation in ``workers`` processes, in
    file order: for the bulk path, where the Python work is all there is (the transactional
    import waits on the database, and its cores are the database's)."""
    pending: deque[Future[list[tuple[int, str, dict[str, Any] | Rejection]]]] = deque()
    with _open(path) as handle, ProcessPoolExecutor(workers) as pool:
        index = 0
        for chunk in iter(lambda: list(islice(handle, _CHUNK)), []):
            on_bytes(sum(len(raw) for raw in chunk))
            pending.append(pool.submit(_validate_chunk, index, chunk))
            index += len(chunk)
            while len(pending) > workers * _AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def import_jsonl(
    ingester: BatchWriter,
    path: str | os.PathLike[str],
    rejected_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int], object] | None = None,
    *,
    workers: int = 1,
    threaded: bool = True,
) -> ImportSummary:
    """Import a JSONL file of events; see :func:`ingest_stream`. ``progress`` is called with the
    number of bytes read. Rejects go to ``rejected_path`` (default ``FILE.rejected.jsonl``).
    ``workers`` above 1 validates in that many processes (:func:`validated_lines_parallel`);
    ``threaded``: see :func:`ingest_stream`."""
    src = Path(path)
    if not src.is_file():
        raise ImportFileError(str(src), "no such file")
    out_path = Path(rejected_path) if rejected_path else src.with_name(src.name + ".rejected.jsonl")
    on_bytes = progress or (lambda n: None)
    lines = (
        validated_lines_parallel(src, on_bytes, workers)
        if workers > 1
        else validated_lines(src, on_bytes)
    )
    return ingest_stream(ingester, lines, out_path, str(src), threaded=threaded)


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
    *,
    threaded: bool = True,
) -> ImportSummary:
    """Record a stream of validated events ``(index, raw line or None, event or Rejection)`` in
    batches. Parsing and validating the next batch overlaps with the database writing the
    current one (the :class:`WritePipeline`'s writer thread), since otherwise each waits on the
    other. ``threaded=False`` writes each batch in the calling thread: for a writer that is all
    Python (the bulk path), where a second thread only takes turns with the first for the
    interpreter lock.

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

    def done(batch: Batch, result: BatchResult) -> None:
        summary.accepted += len(result.accepted)
        summary.duplicates += result.duplicates
        summary.add_derived(result.derived)
        record_rejects(result.rejected, batch[1])

    pipeline: WritePipeline[Batch, BatchResult] = WritePipeline(
        lambda batch: ingester.write_valid(batch[0]),
        done,
        threaded=threaded,
        name="trustgraph-import-writer",
    )
    try:
        with pipeline:  # drained on leaving: the last batches' rejects before the file closes
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
                    pipeline.submit((pending, pending_lines))
                    pending, pending_lines = [], {}
            if pending:
                pipeline.submit((pending, pending_lines))
    finally:
        if rejects_out is not None:
            rejects_out.close()
    summary.seconds = time.perf_counter() - started
    return summary
