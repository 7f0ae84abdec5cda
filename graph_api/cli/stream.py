"""Commands of the event stream: ``consume`` (Kafka in) and ``produce`` (a JSONL file onto a
topic, for demos, tests and benchmarks). The local broker itself is ``trustgraph kafka``
(:mod:`graph_api.cli.data`). See docs/scale-out.md."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType

from graph_api.cli.console import open_store, say
from graph_api.derive import Deriver
from graph_api.errors import ImportFileError
from graph_api.ingest import Ingester
from graph_api.ingest.kafka import (
    ConsumerMetrics,
    ConsumeSummary,
    EventConsumer,
    create_topic,
    produce_lines,
)
from graph_api.policy import load_policy
from graph_api.settings import Settings


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    kafka = settings.kafka
    if args.instance_id:
        kafka = replace(kafka, instance_id=args.instance_id)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Between batches: the batches in hand are recorded and committed (the write pipeline
        # drained), then the consumer closes.
        say(f"kafka: {signal.Signals(signum).name}: stopping after the batches in hand")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with open_store(settings) as store:
        store.apply_schema()
        deriver = Deriver(store, load_policy(settings)) if args.derive == "incremental" else None
        ingester = Ingester(store, args.batch_size or settings.batch_size, deriver=deriver)
        metrics = ConsumerMetrics()
        port = args.metrics_port if args.metrics_port is not None else kafka.metrics_port
        if port:
            metrics.serve(port)
            say(f"kafka: consumer metrics on http://127.0.0.1:{port}/metrics")
        consumer = EventConsumer(ingester, kafka, metrics=metrics, say=say)
        summary = consumer.run(stop, idle_exit=args.until_idle)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print_consume(summary)
    return 0


def print_consume(summary: ConsumeSummary) -> None:
    print(
        f"{', '.join(summary.topics)} (group {summary.group}, member {summary.instance_id}): "
        f"{summary.messages:,} messages in {summary.seconds:.1f}s "
        f"({summary.events_per_second:,.0f} events/s), {summary.batches:,} batches committed\n"
        f"  accepted   {summary.accepted:,}\n"
        f"  duplicates {summary.duplicates:,}\n"
        f"  rejected   {summary.rejected:,} (to the dead-letter topic)"
    )
    for code, n in sorted(summary.rejection_codes.items()):
        print(f"    {code:<18} {n:,}")
    print(f"  partitions {', '.join(sorted(summary.partitions)) or 'none'}")


def cmd_produce(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ImportFileError(str(path), "no such file")
    kafka = settings.kafka
    topic = args.topic or kafka.topics[0]
    if args.partitions and create_topic(kafka, topic, args.partitions):
        say(f"created topic {topic} with {args.partitions} partitions")

    def lines() -> Iterator[bytes]:
        with path.open("rb") as f:
            yield from f

    sent = produce_lines(kafka, topic, lines())
    print(f"sent {sent:,} events from {path} to {topic} at {kafka.bootstrap_servers}")
    return 0
