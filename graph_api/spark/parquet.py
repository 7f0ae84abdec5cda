"""``trustgraph export-events``: the event log (JSONL files) as one Parquet file, for Spark and for
researchers (pandas, DuckDB, Spark read it as it is).

Every line is validated by :func:`graph_api.events.validate_event`, as ``trustgraph import``
does; the valid events are written in the log's order, normalised (lower-case categories, rights
as a sorted set, ``at`` as a UTC timestamp in milliseconds) with the columns of
:data:`graph_api.spark.table.FIELDS`, and the rejected lines are counted and left out. Duplicates
are kept: deciding them is the ingester's (and the Spark rebuild's) business, not the log's.
Row groups of 100,000 events, zstd-compressed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from graph_api import events as ev
from graph_api.errors import ImportFileError, OutputError
from graph_api.spark.table import COLUMNS, FIELDS

_TYPES = {
    "string": pa.string(),
    "long": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "strings": pa.list_(pa.string()),
    "time": pa.timestamp("ms", tz="UTC"),
}
SCHEMA = pa.schema([pa.field(name, _TYPES[t]) for name, t in FIELDS])
ROW_GROUP = 100_000


@dataclass
class EventExport:
    out: str
    lines: int = 0
    events: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "lines": self.lines,
            "events": self.events,
            "rejected": dict(sorted(self.rejected.items())),
            "seconds": round(self.seconds, 3),
        }


def _lines(path: Path, summary: EventExport) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportFileError(str(path), exc.strerror or str(exc)) from exc
    with handle:
        for index, raw in enumerate(handle):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                summary.lines += 1
                summary.rejected[ev.INVALID_JSON] += 1
                continue
            if not line.strip():
                continue
            summary.lines += 1
            checked = ev.parse_jsonl_line(line, index)
            if isinstance(checked, ev.Rejection):
                summary.rejected[checked.code] += 1
                continue
            yield checked


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pydict({c: [r.get(c) for r in rows] for c in COLUMNS}, schema=SCHEMA)


def export_events(
    sources: list[str], out: str, progress: Callable[[int], object] | None = None
) -> EventExport:
    """Write the valid events of the JSONL files ``sources`` (in that order) to the Parquet file
    ``out``; ``progress`` is called with the number of lines read after each row group."""
    paths = [Path(s) for s in sources]
    for p in paths:
        if not p.is_file():
            raise ImportFileError(str(p), "no such file")
    target = Path(out)
    if target.is_dir():
        raise OutputError("the events", out, "is a folder; name the .parquet file to write")
    started = time.perf_counter()
    summary = EventExport(out=str(target))
    partial = target.with_name(target.name + ".partial")
    try:
        writer = pq.ParquetWriter(str(partial), SCHEMA, compression="zstd")
    except OSError as exc:
        raise OutputError("the events", out, str(exc)) from exc
    try:
        rows: list[dict[str, Any]] = []
        read = 0
        for p in paths:
            for event in _lines(p, summary):
                rows.append(event)
                if len(rows) >= ROW_GROUP:
                    writer.write_table(_table(rows))
                    summary.events += len(rows)
                    rows = []
                    if progress is not None:
                        progress(summary.lines - read)
                        read = summary.lines
        if rows:
            writer.write_table(_table(rows))
            summary.events += len(rows)
        if progress is not None and summary.lines > read:
            progress(summary.lines - read)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    # Written beside the target and renamed: a reader never sees half a file under its name.
    try:
        partial.replace(target)
    except OSError as exc:
        raise OutputError("the events", out, str(exc)) from exc
    summary.seconds = time.perf_counter() - started
    return summary
