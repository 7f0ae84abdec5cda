"""The event log in Spark: JSONL or Parquet files, or a Kafka topic -> the accepted events, as the
ingester (or the consumer) would have accepted them.

1. **Read.** Each line of a JSONL file (or row of a Parquet file, turned back into its JSONL
   event by :func:`graph_api.spark.table.raw_event`, or message of a topic) is validated by the
   one validator, :func:`graph_api.events.validate_event`, inside ``mapInArrow``: the same checks,
   the same normalisation (``at`` in epoch ms, lower-case categories, rights as a sorted set) and
   the same content hash as ``trustgraph import``. Every event keeps its place in the log: (file,
   block, position), the order the files were named in and the lines' order within each; for a
   topic (partition, 0, offset). A topic is read without the spark-sql-kafka connector: the driver
   plans each partition's ``[low, high)`` watermarks as offset ranges
   (:func:`graph_api.ingest.kafka.offset_ranges`), one Spark partition per range, and each task
   reads its range with a consumer of its own (:func:`graph_api.ingest.kafka.read_range`: assign
   and seek, no group, no commits).
2. **Accept** (the rules of :func:`graph_api.ingest.plan.plan_batch`, over the whole log at
   once): the clock rule (``FUTURE_EVENT``); the first event of an ``eventId`` wins and a later
   one is a duplicate (same hash) or ``EVENT_ID_CONFLICT``; the first ``ORDER_PLACED`` of an
   order and ``FALSE_AD_REPORTED`` of a report win (``DUPLICATE_ORDER``, ``DUPLICATE_REPORT``);
   an event about an order or report that is never created is ``UNKNOWN_ORDER`` /
   ``UNKNOWN_REPORT``.

The one difference from the ingester: it rejects an order's event that arrives in a batch
*before* the one holding the ``ORDER_PLACED``, while the log here is one set. The two agree on
every log in which an order's events follow its placement (the Kafka topic keeps them so:
messages are keyed by order, and one partition is read in offset order) and on every log that
the graph accepted whole. Of a topic, "first" means first in (partition, offset) order; the
consumer interleaves partitions as they come, so the two could name different winners only for
one ``eventId`` sent with different content under two keys (a replay has the same key, so the
same partition).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from graph_api import events as ev
from graph_api.errors import ImportFileError
from graph_api.ingest.kafka import OffsetRange, read_range
from graph_api.settings import KafkaSettings
from graph_api.spark.table import COLUMNS, FIELDS, raw_event

_SPARK_TYPES = {
    "string": "string",
    "long": "bigint",
    "double": "double",
    "boolean": "boolean",
    "strings": "array<string>",
    "time": "bigint",  # epoch ms in the job
}
_ARROW_TYPES = {
    "string": pa.string(),
    "long": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "strings": pa.list_(pa.string()),
    "time": pa.int64(),
}
# The position of an event in the log, and what its validation said.
_POSITION = (
    ("file", "int", pa.int32()),
    ("block", "bigint", pa.int64()),
    ("n", "bigint", pa.int64()),
)
_OUTCOME = (
    ("hash", pa.string()),
    ("rejection", pa.string()),
    ("rejectedField", pa.string()),
    ("message", pa.string()),
)

VALIDATED_SCHEMA = ", ".join(
    [f"{name} {_SPARK_TYPES[t]}" for name, t in FIELDS]
    + [f"{name} string" for name, _ in _OUTCOME]
    + [f"{name} {spark}" for name, spark, _ in _POSITION]
)
_VALIDATED_ARROW = pa.schema(
    [pa.field(name, _ARROW_TYPES[t]) for name, t in FIELDS]
    + [pa.field(name, t) for name, t in _OUTCOME]
    + [pa.field(name, t) for name, _, t in _POSITION]
)
ORDER_OF_LOG = ("file", "block", "n")
SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def event_files(paths: Sequence[str]) -> list[tuple[Path, str]]:
    """The files of the log, in the order given (a folder: its ``*.jsonl`` and ``*.parquet``
    files by name), with their format; :class:`ImportFileError` for a path that is missing, a
    file of another kind, or a folder without event files."""
    if not paths:
        raise ImportFileError("--events", "no event files given")
    out: list[tuple[Path, str]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
            if not found:
                raise ImportFileError(name, "the folder holds no .jsonl or .parquet files")
            out.extend((p, SUFFIXES[p.suffix]) for p in found)
        elif path.is_file():
            if path.suffix not in SUFFIXES:
                raise ImportFileError(
                    name, "not an event file (expected .jsonl, .json, .ndjson or .parquet)"
                )
            out.append((path, SUFFIXES[path.suffix]))
        else:
            raise ImportFileError(name, "no such file or folder")
    return out


def _validate(raw: Any) -> dict[str, Any]:
    checked = ev.validate_event(raw)
    if isinstance(checked, ev.Rejection):
        row = dict.fromkeys(COLUMNS)
        if isinstance(raw, dict):
            row["eventId"] = raw.get("eventId") if isinstance(raw.get("eventId"), str) else None
            row["type"] = raw.get("type") if isinstance(raw.get("type"), str) else None
        row.update(rejection=checked.code, rejectedField=checked.field, message=checked.message)
        return row
    row = {name: checked.get(name) for name in COLUMNS}
    row.update(hash=checked["hash"], rejection=None, rejectedField=None, message=None)
    return row


def _parsed(text: str | bytes) -> dict[str, Any]:
    """One line (or message value) of JSON, validated: its row."""
    try:
        raw: Any = json.loads(text)
    except UnicodeDecodeError as exc:
        row = dict.fromkeys(COLUMNS)
        row.update(rejection=ev.INVALID_JSON, rejectedField=None, message=f"not UTF-8: {exc}")
        return row
    except ValueError as exc:
        row = dict.fromkeys(COLUMNS)
        row.update(rejection=ev.INVALID_JSON, rejectedField=None, message=f"not JSON: {exc}")
        return row
    return _validate(raw)


def _jsonl_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: JSONL lines (value, file, block, n) -> validated rows. Blank lines are not
    events (as in ``trustgraph import``)."""
    for batch in batches:
        rows = []
        for line in batch.to_pylist():
            text = line["value"]
            if text is None or not text.strip():
                continue
            row = _parsed(text)
            row.update(file=line["file"], block=line["block"], n=line["n"])
            rows.append(row)
        yield pa.RecordBatch.from_pylist(rows, schema=_VALIDATED_ARROW)


def _topic_batches(
    batches: Iterator[pa.RecordBatch],
    kafka: KafkaSettings,
    ranges: tuple[OffsetRange, ...],
    size: int = 10_000,
) -> Iterator[pa.RecordBatch]:
    """mapInArrow: range numbers -> the validated messages of those ranges, each read by a
    consumer of this task's own. A message's place in the log is (partition, 0, offset); a
    message without a value, or a blank one, is INVALID_JSON (as the consumer has it: a line
    of a file that is blank is no event, a message is one)."""
    for batch in batches:
        for index in batch.column("id").to_pylist():
            r = ranges[index]
            rows: list[dict[str, Any]] = []
            for value, offset in read_range(kafka, r):
                if value is None:
                    row = dict.fromkeys(COLUMNS)
                    row.update(
                        rejection=ev.INVALID_JSON,
                        rejectedField=None,
                        message="the message has no value",
                    )
                else:
                    row = _parsed(value)
                row.update(file=r.partition, block=0, n=offset)
                rows.append(row)
                if len(rows) >= size:
                    yield pa.RecordBatch.from_pylist(rows, schema=_VALIDATED_ARROW)
                    rows = []
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=_VALIDATED_ARROW)


def _parquet_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: Parquet rows (the table's columns, at in ms, file, block, n) -> validated."""
    for batch in batches:
        rows = []
        for r in batch.to_pylist():
            row = _validate(raw_event(r))
            row.update(file=r["file"], block=r["block"], n=r["n"])
            rows.append(row)
        yield pa.RecordBatch.from_pylist(rows, schema=_VALIDATED_ARROW)


def _read_one(spark: SparkSession, index: int, path: Path, fmt: str) -> DataFrame:
    position = [
        F.lit(index).cast("int").alias("file"),
        F.col("_metadata.file_block_start").alias("block"),
        F.monotonically_increasing_id().alias("n"),
    ]
    if fmt == "jsonl":
        lines = spark.read.text(str(path)).select("value", *position)
        return lines.mapInArrow(_jsonl_batches, VALIDATED_SCHEMA)
    table = spark.read.parquet(str(path))
    missing = [c for c in ("eventId", "type", "at") if c not in table.columns]
    if missing:
        raise ImportFileError(str(path), f"no column {', '.join(missing)} (see docs/scale-out.md)")
    at = F.col("at")
    if dict(table.dtypes)["at"].startswith("timestamp"):
        at = F.unix_millis(at)
    cols = [
        (at if c == "at" else F.col(c)).alias(c) if c in table.columns else F.lit(None).alias(c)
        for c in COLUMNS
    ]
    # Columns the table has but no event type does are kept out (a researcher's extra column
    # is not an event field); the validator sees the event's own fields.
    typed = [
        col.cast(_SPARK_TYPES[t]) if t != "time" else col.cast("bigint")
        for col, (_, t) in zip(cols, FIELDS, strict=True)
    ]
    return table.select(
        *[c.alias(n) for c, n in zip(typed, COLUMNS, strict=True)], *position
    ).mapInArrow(_parquet_batches, VALIDATED_SCHEMA)


@dataclass(frozen=True)
class TopicLog:
    """The event log as a Kafka topic: the offset ranges it held when they were planned
    (:func:`graph_api.ingest.kafka.offset_ranges`); messages produced later are not read."""

    kafka: KafkaSettings
    ranges: tuple[OffsetRange, ...]

    @property
    def topic(self) -> str:
        return self.ranges[0].topic

    @property
    def messages(self) -> int:
        return sum(r.messages for r in self.ranges)

    @property
    def partitions(self) -> int:
        return len({r.partition for r in self.ranges})


def _read_topic(spark: SparkSession, log: TopicLog) -> DataFrame:
    """One Spark partition per offset range (``spark.range``: range i alone in partition i)."""
    slices = spark.range(0, len(log.ranges), 1, numPartitions=len(log.ranges))
    return slices.mapInArrow(
        partial(_topic_batches, kafka=log.kafka, ranges=log.ranges), VALIDATED_SCHEMA
    )


EventLog = Sequence[str] | TopicLog  # event files in log order, or a topic


def validated_events(spark: SparkSession, source: EventLog) -> DataFrame:
    """Every line or row of the log (or message of the topic), validated, with its place in the
    log."""
    if isinstance(source, TopicLog):
        return _read_topic(spark, source)
    frames = [_read_one(spark, i, p, fmt) for i, (p, fmt) in enumerate(event_files(source))]
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


@dataclass
class LogSummary:
    """What the log held: events read, accepted, duplicates, rejected (by code, with examples)."""

    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # the first rejections, one line each
    latest_at: int | None = None  # the latest accepted event (the log's clock)

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": dict(sorted(self.rejected.items())),
            "latestAt": self.latest_at,
        }


DUPLICATE = "DUPLICATE"  # an outcome that is neither accepted nor a rejection


def judged_events(validated: DataFrame, now_ms: int, skew_ms: int) -> DataFrame:
    """Every event of the log with its ``outcome``: null when accepted, DUPLICATE, or the
    rejection code. One frame (windows and joins, no unions), so that it can be checkpointed
    once and both the accepted events and the counts read from that."""
    position = [F.col(c) for c in ORDER_OF_LOG]
    valid = F.col("rejection").isNull()
    out = validated.withColumn(
        "outcome",
        F.when(~valid, F.col("rejection")).when(
            F.col("at") > F.lit(now_ms + skew_ms), F.lit(ev.FUTURE_EVENT)
        ),
    )
    # The first event of an eventId wins, among the events that passed the checks above.
    first = F.col("outcome").isNull()
    keyed = F.when(first, F.col("eventId"))
    by_first = Window.partitionBy(keyed).orderBy(*position)
    out = out.withColumn("_rank", F.when(first, F.row_number().over(by_first))).withColumn(
        "_firstHash", F.when(first, F.first("hash").over(by_first))
    )
    out = out.withColumn(
        "outcome",
        F.when(
            first & (F.col("_rank") > 1),
            F.when(F.col("hash") == F.col("_firstHash"), F.lit(DUPLICATE)).otherwise(
                F.lit(ev.EVENT_ID_CONFLICT)
            ),
        ).otherwise(F.col("outcome")),
    ).drop("_rank", "_firstHash")
    for key, creator, referrers, duplicate, unknown in (
        ("orderId", "ORDER_PLACED", ev.ORDER_REFERENCING, ev.DUPLICATE_ORDER, ev.UNKNOWN_ORDER),
        (
            "reportId",
            "FALSE_AD_REPORTED",
            frozenset({"FALSE_AD_CONFIRMED"}),
            ev.DUPLICATE_REPORT,
            ev.UNKNOWN_REPORT,
        ),
    ):
        creates = F.col("outcome").isNull() & (F.col("type") == creator)
        by_key = Window.partitionBy(F.when(creates, F.col(key))).orderBy(*position)
        out = out.withColumn("_rank", F.when(creates, F.row_number().over(by_key)))
        out = out.withColumn(
            "outcome",
            F.when(creates & (F.col("_rank") > 1), F.lit(duplicate)).otherwise(F.col("outcome")),
        ).drop("_rank")
        created = (
            out.filter(F.col("outcome").isNull() & (F.col("type") == creator))
            .select(F.col(key).alias("_created"))
            .distinct()
        )
        out = out.join(created, out[key] == created["_created"], "left")
        refers = F.col("outcome").isNull() & F.col("type").isin(*sorted(referrers))
        out = out.withColumn(
            "outcome",
            F.when(refers & F.col("_created").isNull(), F.lit(unknown)).otherwise(F.col("outcome")),
        ).drop("_created")
    return out


def accepted_of(judged: DataFrame) -> DataFrame:
    """The accepted events of :func:`judged_events`."""
    return judged.filter(F.col("outcome").isNull())


def summarize(everything: DataFrame, examples: int = 5) -> LogSummary:
    """Count the outcomes of :func:`judged_events` and take the first rejections as examples."""
    summary = LogSummary()
    for row in everything.groupBy("outcome").count().collect():
        n = int(row["count"])
        summary.read += n
        if row["outcome"] is None:
            summary.accepted += n
        elif row["outcome"] == DUPLICATE:
            summary.duplicates += n
        else:
            summary.rejected[row["outcome"]] += n
    if summary.rejected:
        bad = (
            everything.filter(F.col("outcome").isNotNull() & (F.col("outcome") != DUPLICATE))
            .orderBy(*ORDER_OF_LOG)
            .limit(examples)
            .collect()
        )
        summary.examples = [
            f"{r['outcome']}: event {r['eventId']!r} ({r['type']}): "
            + (r["message"] or _reason(r["outcome"]))
            for r in bad
        ]
    latest = accepted_of(everything).agg(F.max("at").alias("at")).collect()[0]["at"]
    summary.latest_at = None if latest is None else int(latest)
    return summary


def _reason(code: str) -> str:
    return {
        ev.FUTURE_EVENT: "later than the wall clock plus TRUSTGRAPH_MAX_CLOCK_SKEW",
        ev.EVENT_ID_CONFLICT: "its eventId came earlier in the log with different content",
        ev.DUPLICATE_ORDER: "its order was placed by an earlier event",
        ev.DUPLICATE_REPORT: "its report was filed by an earlier event",
        ev.UNKNOWN_ORDER: "its order is never placed in the log",
        ev.UNKNOWN_REPORT: "its report is never filed in the log",
    }.get(code, code)
