"""Kafka in against files: `trustgraph consume` of a seeded stream against `trustgraph import` of
the same events as a file, in the same run, each into an empty graph; writes its section of
docs/benchmarks.md.

    python -m bench.consume [--buyers 40000] [--partitions 2] [--batch-size 5000] [--rounds 2]

Against the bench Neo4j (bench.graph: ports 37687/37474, or NEO4J_URI with
TRUSTGRAPH_BENCH_ALLOW_WIPE=1) and a Kafka broker of its own (home .trustgraph/bench-kafka, port
TRUSTGRAPH_BENCH_KAFKA_PORT or 39092), or TRUSTGRAPH_KAFKA_BOOTSTRAP. Both paths leave derived
state to a rescore (``--derive none``), so the figures compare the ingestion paths only:

  import    `trustgraph import`'s path: parse, validate, check, write in batches of 5,000
  produce   the file onto a topic (keyed by order), timed but not part of the comparison
  consume   `trustgraph consume`'s loop (in this process, one member): consume and validate
            batch N+1 while the write pipeline's thread checks and writes batch N, then commit
            batch N's offsets; timed from the first message to the last offset commit

The file is produced once (timed, not compared); then ``--rounds`` rounds (2) of import then
consume (a new consumer group each), so the paths alternate on one server; best against best.
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
    settings: Settings, path: Path, events: int, partitions: int, batch_size: int, rounds: int
) -> dict[str, Any]:
    """``rounds`` rounds of import then consume, each into an empty graph on one server: the
    two paths alternate, so neither gains from running later (a warmer server, a quieter
    machine) and the comparison is best against best."""
    results: dict[str, Any] = {"events": events, "partitions": partitions, "batch": batch_size}
    results["imports"], results["consumes"] = [], []
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    kafka = replace(settings.kafka, topics=(f"bench.events.{tag}",), dlq_topic=f"bench.dlq.{tag}")
    with Store(settings) as store:
        for n in range(1, rounds + 1):
            fresh(store)
            load: dict[str, Any] = {}
            with load_average(load):
                summary = import_jsonl(
                    Ingester(store, batch_size), path, OUT / "consume-import.rejected"
                )
            results["imports"].append(
                {"seconds": summary.seconds, "accepted": summary.accepted, **load}
            )
            print(f"round {n} import: {summary.events_per_second:,.0f} events/s", file=sys.stderr)

            if n == 1:
                create_topic(kafka, kafka.topics[0], partitions)
                started = time.perf_counter()
                with path.open("rb") as f:
                    sent = produce_lines(kafka, kafka.topics[0], f)
                results["produce"] = {"seconds": time.perf_counter() - started, "messages": sent}
                rate = sent / results["produce"]["seconds"]
                print(f"produce: {rate:,.0f} messages/s", file=sys.stderr)

            fresh(store)
            member = replace(kafka, group=f"bench-{tag}-{n}", instance_id=f"bench-{n}")
            consumer = EventConsumer(
                Ingester(store, batch_size), member, say=lambda m: print(m, file=sys.stderr)
            )
            load = {}
            with load_average(load):
                cs = consumer.run(idle_exit=10)
            assert cs.first_message_seconds is not None and cs.last_commit_seconds is not None
            seconds = cs.last_commit_seconds - cs.first_message_seconds
            results["consumes"].append(
                {
                    "seconds": seconds,
                    "messages": cs.messages,
                    "accepted": cs.accepted,
                    "duplicates": cs.duplicates,
                    "rejected": cs.rejected,
                    "batches": cs.batches,
                    "startup_seconds": cs.first_message_seconds,
                    "graph_events": graph_events(store),
                    **load,
                }
            )
            print(f"round {n} consume: {cs.messages / seconds:,.0f} events/s", file=sys.stderr)
    return results


def section(r: dict[str, Any], stamp: str) -> list[str]:
    events, prod = r["events"], r["produce"]
    imports, consumes = r["imports"], r["consumes"]
    best_import = max(events / i["seconds"] for i in imports)
    best = max(consumes, key=lambda c: c["messages"] / c["seconds"])
    best_consume = best["messages"] / best["seconds"]
    ratio = best_consume / best_import
    verdict = "met" if ratio >= 0.9 else "NOT met"
    rows = []
    for n, (imp, con) in enumerate(zip(imports, consumes, strict=True), start=1):
        first = " (on a server just started)" if n == 1 else ""
        rows += [
            f"| {n} | `trustgraph import FILE`{first} | {events:,} | {imp['seconds']:.1f} | "
            f"{events / imp['seconds']:,.0f} | {_load(imp)} |",
            f"| {n} | `trustgraph consume` (first message to last offset commit) | "
            f"{con['messages']:,} | {con['seconds']:.1f} | "
            f"{con['messages'] / con['seconds']:,.0f} | {_load(con)} |",
        ]
    pairs = ", ".join(
        f"{(c['messages'] / c['seconds']) / (events / i['seconds']):.2f}"
        for i, c in zip(imports, consumes, strict=True)
    )
    return [
        TITLE,
        "",
        f"- date: {stamp}",
        f"- machine: {machine()}",
        "",
        f"A seeded file of {events:,} events (`bench.run`'s seeded platform), produced once onto "
        f"a topic of {r['partitions']} partitions (keyed by order). Then {len(imports)} rounds, "
        "each of `trustgraph import` of the file into an empty graph and `trustgraph consume` "
        "of the topic (one member of a new consumer group) into an empty graph, on one server: "
        f"the paths alternate, and the best of each is compared. Batches of {r['batch']:,}, "
        "derived state left to a rescore on both paths. Mind each phase's load average (the "
        "mean of the 1-minute figure, every 5 s): the machine may be shared.",
        "",
        "| round | path | events | seconds | events/s | load average (2 cores) |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
        *rows,
        f"| | `trustgraph produce FILE` (not compared) | {prod['messages']:,} | "
        f"{prod['seconds']:.1f} | {prod['messages'] / prod['seconds']:,.0f} | |",
        "",
        f"- the best consume / the best import = **{ratio:.2f}** (target: at least 0.9) — "
        f"{verdict}; round by round: {pairs}",
        f"- consume: {best['batches']:,} batches, each one graph transaction then (once it "
        f"committed) one synchronous offset commit; {best['accepted']:,} accepted, "
        f"{best['duplicates']:,} duplicates, {best['rejected']:,} rejected; "
        f"{best['graph_events']:,} events in the graph after it; "
        f"{best['startup_seconds']:.1f} s from start to the first message (group join).",
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
    parser.add_argument(
        "--rounds", type=int, default=2, help="rounds of import then consume (default 2)"
    )
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    path, events = seeded_file(args.buyers, args.seed)
    settings, neo4j = settings_for_bench()
    kafka_launcher = None
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        settings, kafka_launcher = kafka_for_bench(settings)
        results = measure(settings, path, events, args.partitions, args.batch_size, args.rounds)
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
