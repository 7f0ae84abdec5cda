"""``trustgraph rescore --engine spark`` and ``trustgraph export-events`` (docs/scale-out.md).

The Spark modules are imported inside the commands, not at the top of this module: pyspark and
pyarrow cost about a second that every other command would pay at start-up.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from graph_api.cli.console import buyers_shops_hosts, open_store, progress, say
from graph_api.cli.output import iso, print_rescore
from graph_api.derive.snapshot import changes, snapshot
from graph_api.errors import BadInput, SparkUnavailable
from graph_api.ingest.kafka import offset_ranges
from graph_api.policy import load_policy
from graph_api.settings import Settings

if TYPE_CHECKING:  # the type only: importing the module would start pyspark (module doc)
    from graph_api.spark.events import LogSummary


def cmd_rescore_spark(args: argparse.Namespace, settings: Settings) -> int:
    """The full rebuild computed by Spark from the event files of ``--events`` or the Kafka
    topic of ``--topic``, written to the graph; prints what ``rescore`` prints, plus what the
    log held."""
    master = args.spark_master or settings.spark_master
    try:
        from graph_api.spark.events import (  # noqa: PLC0415 (start-up: module doc)
            EventLog,
            TopicLog,
            event_files,
        )
        from graph_api.spark.rebuild import spark_rescore  # noqa: PLC0415
        from graph_api.spark.session import open_session  # noqa: PLC0415
    except ImportError as exc:  # pyspark or pyarrow missing: an install that went wrong
        raise SparkUnavailable(master, f"{exc}; run `make install`") from exc

    source: EventLog
    topic = getattr(args, "topic", None)
    if topic is not None:
        if not topic.strip():
            raise BadInput("--topic", "name the topic that holds the event log")
        # A missing or empty topic, or a broker that does not answer, is said before Spark starts.
        source = TopicLog(settings.kafka, tuple(offset_ranges(settings.kafka, topic)))
        say(
            f"the log: topic {topic} at {settings.kafka.bootstrap_servers}, "
            f"{source.messages:,} messages in {source.partitions} partitions "
            f"({len(source.ranges)} offset ranges)"
        )
    elif args.events:
        event_files(args.events)  # a missing or wrong file is said before Spark starts
        source = list(args.events)
    else:
        raise BadInput(
            "--events",
            "--engine spark reads the event log: name its JSONL or Parquet files (--events) "
            "or its Kafka topic (--topic)",
        )
    policy = load_policy(settings)
    with open_store(settings) as store:
        started = time.perf_counter()
        say(f"starting Spark ({master}, {args.partitions} partitions)")
        with open_session(master, args.partitions) as spark:
            say(f"Spark is up after {time.perf_counter() - started:.0f} s; reading the event log")
            before = snapshot(store)

            def told(log: LogSummary, at: int) -> None:
                rejected = sum(log.rejected.values())
                say(
                    f"the log: {log.read:,} events, {log.accepted:,} accepted, "
                    f"{log.duplicates:,} duplicates, {rejected:,} rejected; scoring everything "
                    f"as of {iso(at)} (policy {policy.version})"
                )
                for line in log.examples:
                    say(f"  rejected {line}")

            with progress(buyers_shops_hosts(store), " buyers/shops/hosts", "rescore") as bar:
                result = spark_rescore(
                    spark,
                    store,
                    policy,
                    source,
                    as_of=args.as_of,
                    partitions=args.partitions,
                    skew_ms=settings.max_clock_skew_ms,
                    progress=bar.update,
                    on_log=told,
                )
            if result is None:
                say("the log holds no event that can be recorded: nothing to score")
                return 0
            result.summary.changes = changes(before, snapshot(store))
    if result.graph_events != result.log.accepted:
        say(
            f"warning: the graph recorded {result.graph_events:,} events and the log "
            f"{result.log.accepted:,}: the log given is not the graph's, and what was written "
            "follows the log"
        )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print_rescore(result.summary)
    return 0


def cmd_export_events(args: argparse.Namespace, settings: Settings) -> int:
    """The event log as one Parquet file (graph_api/spark/parquet.py)."""
    from graph_api.spark.parquet import export_events  # noqa: PLC0415 (start-up time)

    with progress(None, " lines", "export-events") as bar:
        summary = export_events(list(args.files), args.out, progress=bar.update)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    rejected = sum(summary.rejected.values())
    print(
        f"wrote {summary.events:,} events of {summary.lines:,} lines to {summary.out} in "
        f"{summary.seconds:.1f}s"
        + (
            f"; {rejected:,} invalid lines left out ("
            + ", ".join(f"{k} {n:,}" for k, n in sorted(summary.rejected.items()))
            + ")"
            if rejected
            else ""
        )
    )
    return 0
