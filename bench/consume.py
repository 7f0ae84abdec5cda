"""Kafka in against files: `trustgraph consume` of a seeded stream against `trustgraph import` of
the same events as a file, in the same run, each into an empty graph; writes its section of
docs/benchmarks.md.

    python -m bench.consume [--buyers 40000] [--partitions 2] [--batch-size 5000]

Against the bench Neo4j (bench.graph: ports 37687/37474, or NEO4J_URI with
TRUSTGRAPH_BENCH_ALLOW_WIPE=1) and a Kafka broker of its own (home .trustgraph/bench-kafka, port
TRUSTGRAPH_BENCH_KAFKA_PORT or 39092), or TRUSTGRAPH_KAFKA_BOOTSTRAP. Both paths leave derived
state to a rescore (``--derive none``), so the figures compare the ingestion paths only:

  import    `trustgraph import`'s path: parse, validate, check, write in batches of 5,000
  produce   the file onto a topic (keyed by order), timed but not part of the comparison
  consume   `trustgraph consume`'s loop (in this process, one member): consume and validate
            batch N+1 while the write pipeline's thread checks and writes batch N, then commit
            batch N's offsets; timed from the first message to the last offset commit
  import    again, on the server warmed by the rest (the first import ran on a fresh one)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.run import machine, seeded_file
from graph_api.ingest import Ingester, import_jsonl
from graph_api.ingest.kafka import EventConsumer, create_topic, produce_lines
from graph_api.kafka_local import LocalKafka
from graph_api.settings import KafkaSettings, Settings
from graph_api.store import Store

TITLE = "## Kafka in (`trustgraph consume`; issue 14)"


def kafka_for_bench(settings: Settings) -> tuple[Settings, LocalKafka | None]:
    if settings.kafka.bootstrap:
        return settings, None
    port = int(os.environ.get("TRUSTGRAPH_BENCH_KAFKA_PORT", "39092"))
    kafka = KafkaSettings(
        port=port, controller_port=port + 1, home=ROOT / ".trustgraph" / "bench-kafka"
    )
    settings = settings.with_overrides(kafka=kafka)
    launcher = LocalKafka(settings, log=lambda m: print(f"[kafka] {m}", file=sys.stderr))
    launcher.start()
    return settings, launcher


def graph_events(store: Store) -> int:
    records, _, _ = store.driver.execute_query(
        "MATCH (e:Event) RETURN count(e) AS n", database_=store.database
    )
    return int(records[0]["n"])


@contextmanager
def load_average(into: dict[str, Any]) -> Iterator[None]:
    """The machine's 1-minute load average, sampled every 5 s while the block runs: its mean goes
    to ``into["load"]`` (the machine is shared; a phase run beside other work is slower)."""
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(5):
            samples.append(os.getloadavg()[0])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        into["load"] = sum(samples) / len(samples) if samples else os.getloadavg()[0]


def measure(
    settings: Settings, path: Path, events: int, partitions: int, batch_size: int
) -> dict[str, Any]:
    results: dict[str, Any] = {"events": events, "partitions": partitions, "batch": batch_size}
    with Store(settings) as store:
        fresh(store)
        load: dict[str, Any] = {}
        with load_average(load):
            summary = import_jsonl(
                Ingester(store, batch_size), path, OUT / "consume-import.rejected"
            )
        results["import"] = {"seconds": summary.seconds, "accepted": summary.accepted, **load}
        print(f"import: {summary.events_per_second:,.0f} events/s", file=sys.stderr)

        tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        kafka = replace(
            settings.kafka,
            topics=(f"bench.events.{tag}",),
            dlq_topic=f"bench.dlq.{tag}",
            group=f"bench-{tag}",
            instance_id="bench-0",
        )
        create_topic(kafka, kafka.topics[0], partitions)
        started = time.perf_counter()
        with path.open("rb") as f:
            sent = produce_lines(kafka, kafka.topics[0], f)
        results["produce"] = {"seconds": time.perf_counter() - started, "messages": sent}
        print(f"produce: {sent / results['produce']['seconds']:,.0f} messages/s", file=sys.stderr)

        fresh(store)
        consumer = EventConsumer(
            Ingester(store, batch_size), kafka, say=lambda m: print(m, file=sys.stderr)
        )
        with load_average(load):
            cs = consumer.run(idle_exit=10)
        assert cs.first_message_seconds is not None and cs.last_commit_seconds is not None
        seconds = cs.last_commit_seconds - cs.first_message_seconds
        results["consume"] = {
            "seconds": seconds,
            "messages": cs.messages,
            "accepted": cs.accepted,
            "duplicates": cs.duplicates,
            "rejected": cs.rejected,
            "batches": cs.batches,
            "startup_seconds": cs.first_message_seconds,
            **load,
        }
        results["graph_events"] = graph_events(store)
        print(f"consume: {cs.messages / seconds:,.0f} events/s", file=sys.stderr)

        # The import again, after the consume: the first one ran on a server that had just
        # started (JIT, store files growing); this one on the same warm server as the consume.
        fresh(store)
        with load_average(load):
            summary = import_jsonl(
                Ingester(store, batch_size), path, OUT / "consume-import.rejected"
            )
        results["import_again"] = {"seconds": summary.seconds, "accepted": summary.accepted, **load}
        print(f"import again: {summary.events_per_second:,.0f} events/s", file=sys.stderr)
    return results


def section(r: dict[str, Any], stamp: str) -> list[str]:
    imp, again, prod, con = r["import"], r["import_again"], r["produce"], r["consume"]
    first_rate = r["events"] / imp["seconds"]
    again_rate = r["events"] / again["seconds"]
    imp_rate = max(first_rate, again_rate)  # the comparison is against the faster import
    con_rate = con["messages"] / con["seconds"]
    ratio = con_rate / imp_rate
    verdict = "met" if ratio >= 0.9 else "NOT met"
    return [
        TITLE,
        "",
        f"- date: {stamp}",
        f"- machine: {machine()}",
        "",
        f"A seeded file of {r['events']:,} events (`bench.run`'s seeded platform), imported into "
        f"an empty graph, then produced onto a topic of {r['partitions']} partitions (keyed by "
        f"order) and consumed by one `trustgraph consume` member into an empty graph, then "
        f"imported once more into an empty graph (the first import runs on a server that has "
        f"just started); batches of {r['batch']:,}, derived state left to a rescore on all "
        "paths. The machine was shared with other work while this ran: compare within the run, "
        "and mind each phase's load average (the mean of the 1-minute figure, every 5 s).",
        "",
        "| path | events | seconds | events/s | load average (2 cores) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| `trustgraph import FILE` (first) | {r['events']:,} | {imp['seconds']:.1f} | "
        f"{first_rate:,.0f} | {_load(imp)} |",
        f"| `trustgraph import FILE` (again, after the consume) | {r['events']:,} | "
        f"{again['seconds']:.1f} | {again_rate:,.0f} | {_load(again)} |",
        f"| `trustgraph produce FILE` (not compared) | {prod['messages']:,} | "
        f"{prod['seconds']:.1f} | {prod['messages'] / prod['seconds']:,.0f} | |",
        f"| `trustgraph consume` (first message to last offset commit) | {con['messages']:,} | "
        f"{con['seconds']:.1f} | {con_rate:,.0f} | {_load(con)} |",
        "",
        f"- consume / the faster import = **{ratio:.2f}** (target: at least 0.9) — {verdict}",
        f"- consume: {con['batches']:,} batches, each one graph transaction then (once it "
        f"committed) one synchronous offset commit; {con['accepted']:,} accepted, "
        f"{con['duplicates']:,} duplicates, "
        f"{con['rejected']:,} rejected; {r['graph_events']:,} events in the graph after it; "
        f"{con['startup_seconds']:.1f} s from start to the first message (group join).",
        "- Both paths go through one `WritePipeline` (graph_api/ingest/pipeline.py): a writer "
        "thread commits batch N while the caller parses and validates batch N+1 (`import`: "
        "from the file; `consume`: from `consume()`, whose fetches librdkafka makes in its own "
        "thread); `consume` commits a batch's offsets in its own thread after the batch's "
        "transaction.",
        "",
    ]


def _load(phase: dict[str, Any]) -> str:
    return f"{phase['load']:.1f}" if "load" in phase else ""


def splice(report: Path, lines: list[str]) -> None:
    """Put this section into ``report`` in place of its previous version, or before the service
    section, or at the end."""
    text = report.read_text(encoding="utf-8") if report.exists() else "# Benchmarks\n\n"
    old = text.split("\n")
    start = next((i for i, line in enumerate(old) if line.startswith(TITLE)), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
        new = old[:start] + lines + old[end:]
    else:
        at = next(
            (i for i, line in enumerate(old) if line.startswith("## The GraphQL service")),
            len(old),
        )
        new = old[:at] + lines + old[at:]
    report.write_text("\n".join(new).rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=40_000, help="about 1M events (default)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    path, events = seeded_file(args.buyers, args.seed)
    settings, neo4j = settings_for_bench()
    kafka_launcher = None
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        settings, kafka_launcher = kafka_for_bench(settings)
        results = measure(settings, path, events, args.partitions, args.batch_size)
    finally:
        if kafka_launcher is not None:
            kafka_launcher.stop()
        if neo4j is not None:
            neo4j.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "consume.json").write_text(json.dumps(results, indent=2))
    splice(Path(args.report), section(results, stamp))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
