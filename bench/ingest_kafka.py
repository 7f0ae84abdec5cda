"""Kafka out (issue 14): recordEvents producing to Kafka (TRUSTGRAPH_INGEST=kafka) against
recording in the graph (TRUSTGRAPH_INGEST=graph, TRUSTGRAPH_DERIVE=inline and async), in one run;
writes its section of docs/benchmarks.md.

    python -m bench.ingest_kafka [--buyers 3000] [--batch 100] [--seconds 30]

A seeded platform is split in time as in bench.ingest_api: the first part loaded and rebuilt, the
rest streamed through a `trustgraph serve` process (one worker) by one client in calls of
``--batch`` events for ``--seconds`` per mode (the graph reloaded in between). In Kafka mode a
`trustgraph consume` process (incremental derivation) records the topic into the same Neo4j:

* per acknowledged call: p50 and p99 latency (graph: facts durable in Neo4j, and with inline
  derivation derived; kafka: the events
  acknowledged by Kafka, acks=all);
* kafka: the delay from each acknowledgment until the graph has applied the call's positions
  (``streamApplied``, read every 10 ms by a second client), and calls with
  ``waitForDerived: true`` (applied and derived by the consumer);
* nothing lost: every acknowledged event is in the graph, once.

Against the bench Neo4j (bench.graph) and the bench Kafka (bench.consume.kafka_for_bench)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.consume import graph_events, kafka_for_bench
from bench.graph import OUT, ROOT, settings_for_bench
from bench.ingest_api import Service, gql, load, pct, platform, stream
from bench.report import splice_section
from bench.run import machine
from graph_api.ingest.kafka import create_topic
from graph_api.ingest.produce import EventProducer
from graph_api.settings import Settings
from graph_api.store import Store

TITLE = "## Kafka out (`recordEvents` with TRUSTGRAPH_INGEST=kafka; issue 14)"
RECORD = (
    "mutation($e: [EventInput!]!, $w: Boolean!) { recordEvents(events: $e, waitForDerived: $w) "
    "{ accepted derived rejected { code } streamPositions { topic partition offset } } }"
)
APPLIED = "query($p: [StreamPositionInput!]!) { streamApplied(positions: $p) { applied derived } }"


def kafka_stream(
    service: Service, events: list[dict], batch: int, seconds: float, wait: bool
) -> dict[str, Any]:
    """Send ``events`` in calls of ``batch`` for at most ``seconds``; a watcher measures each
    call's acknowledgment-to-applied delay (when not ``wait``)."""
    acked: list[tuple[list[dict], float]] = []
    applied_at: dict[int, float] = {}
    latencies: list[float] = []
    sent = accepted = 0
    done = threading.Event()

    def watch() -> None:
        with service.client() as c:
            i = 0
            while not done.is_set() or i < len(acked):
                if i < len(acked):
                    if gql(c, APPLIED, {"p": acked[i][0]})["streamApplied"]["applied"]:
                        applied_at[i] = time.perf_counter()
                        i += 1
                        continue
                time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    if not wait:
        watcher.start()
    started = time.perf_counter()
    with service.client() as c:
        for i in range(0, len(events), batch):
            if time.perf_counter() - started > seconds:
                break
            chunk = events[i : i + batch]
            t0 = time.perf_counter()
            got = gql(c, RECORD, {"e": chunk, "w": wait})["recordEvents"]
            t1 = time.perf_counter()
            assert not got["rejected"], got["rejected"][:3]
            latencies.append(t1 - t0)
            sent += len(chunk)
            accepted += got["accepted"]
            acked.append((got["streamPositions"], t1))
    elapsed = time.perf_counter() - started
    done.set()
    if not wait:
        watcher.join(timeout=600)
    delays = [applied_at[i] - t for i, (_, t) in enumerate(acked) if i in applied_at]
    return {
        "calls": len(latencies),
        "events": sent,
        "accepted": accepted,
        "seconds": elapsed,
        "events_per_s": sent / elapsed if elapsed else 0.0,
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        **({"applied_p50": pct(delays, 50), "applied_p99": pct(delays, 99)} if not wait else {}),
    }


def consumer(settings: Settings) -> subprocess.Popen[bytes]:
    k = settings.kafka
    env = settings.child_environment(
        TRUSTGRAPH_KAFKA_BOOTSTRAP=k.bootstrap_servers,
        TRUSTGRAPH_KAFKA_TOPICS=k.topics[0],
        TRUSTGRAPH_KAFKA_GROUP=k.group,
        TRUSTGRAPH_KAFKA_DLQ_TOPIC=k.dlq_topic,
        TRUSTGRAPH_KAFKA_INSTANCE_ID=f"{k.group}-0",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "consume", "--until-idle", "10", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def run(store: Store, settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    preload, rest = platform(args.buyers, args.seed, args.preload)
    out: dict[str, Any] = {"preload_events": len(preload), "modes": {}}

    for derive in ("inline", "async"):
        print(f"[graph, {derive}] loading and streaming", file=sys.stderr)
        load(store, preload)
        service = Service(settings, derive)
        try:
            out["modes"][derive] = stream(service, rest, args.batch, args.seconds, wait=False)
        finally:
            service.stop()

    print("[kafka] loading and streaming", file=sys.stderr)
    load(store, preload)
    tag = uuid.uuid4().hex[:8]
    kafka = replace(
        settings.kafka,
        topics=(f"bench.events.{tag}",),
        dlq_topic=f"bench.dlq.{tag}",
        group=f"bench-{tag}",
    )
    ks = settings.with_overrides(kafka=kafka)
    create_topic(kafka, kafka.topics[0], args.partitions)
    create_topic(kafka, kafka.dlq_topic, 1)
    # The producer alone (no HTTP, no GraphQL), onto a topic of its own: what Kafka's
    # acknowledgement costs in a call.
    scratch = replace(kafka, produce_topic=f"bench.scratch.{tag}")
    create_topic(scratch, scratch.topic_out, args.partitions)
    alone = EventProducer(scratch)
    timings: list[float] = []
    try:
        for i in range(0, min(len(rest), args.batch * 200), args.batch):
            t0 = time.perf_counter()
            alone.record(rest[i : i + args.batch])
            timings.append(time.perf_counter() - t0)
    finally:
        alone.close()
    out["producer_alone"] = {
        "calls": len(timings),
        "p50": pct(timings, 50),
        "p99": pct(timings, 99),
    }
    feed = consumer(ks)
    service = Service(
        ks,
        "off",
        TRUSTGRAPH_INGEST="kafka",
        TRUSTGRAPH_KAFKA_BOOTSTRAP=kafka.bootstrap_servers,
        TRUSTGRAPH_KAFKA_TOPICS=kafka.topics[0],
    )
    try:
        plain = kafka_stream(service, rest, args.batch, args.seconds, wait=False)
        tail = rest[plain["events"] :][: args.batch * args.ryw_calls]
        ryw = kafka_stream(service, tail, args.batch, args.seconds, wait=True)
    finally:
        service.stop()
    stdout, _ = feed.communicate(timeout=600)
    summary = json.loads(stdout) if stdout.strip() else {}
    acknowledged = plain["accepted"] + ryw["accepted"]
    out["modes"]["kafka"] = plain
    out["kafka_ryw"] = ryw
    out["consumed"] = summary.get("accepted")
    out["lost_or_twice"] = graph_events(store) - len(preload) - acknowledged
    return out


def report_lines(r: dict[str, Any]) -> list[str]:
    ms = lambda s: f"{s * 1000:,.0f} ms"  # noqa: E731
    g, a, k, ryw = r["modes"]["inline"], r["modes"]["async"], r["modes"]["kafka"], r["kafka_ryw"]
    p = r["producer_alone"]
    return [
        TITLE,
        "",
        f"`python -m bench.ingest_kafka`, {r['date']}, {r['machine']}. A seeded platform "
        f"({r['buyers']:,} buyers, seed {r['seed']}, 180 days) split in time: the first "
        f"{r['preload']:.0%} ({r['preload_events']:,} events) loaded and rebuilt, the rest "
        f"streamed through one `trustgraph serve` worker by one client in calls of {r['batch']} "
        f"events for {r['seconds']:g} s per mode (the graph reloaded between modes). Kafka: the "
        f"local single-node broker, a topic of {r['partitions']} partitions, one "
        "`trustgraph consume` (incremental derivation) into the same Neo4j, all on this machine.",
        "",
        "| recordEvents | calls | events/s | call p50 | call p99 | ack -> applied p50 | p99 | "
        "waitForDerived p50 | p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| graph, TRUSTGRAPH_DERIVE=inline (the default) | {g['calls']:,} | "
        f"{g['events_per_s']:,.0f} | {ms(g['p50'])} | {ms(g['p99'])} | (in the call) | | | |",
        f"| graph, TRUSTGRAPH_DERIVE=async | {a['calls']:,} | {a['events_per_s']:,.0f} | "
        f"{ms(a['p50'])} | {ms(a['p99'])} | (in the call) | | | |",
        f"| kafka | {k['calls']:,} | {k['events_per_s']:,.0f} | {ms(k['p50'])} | "
        f"{ms(k['p99'])} | {ms(k['applied_p50'])} | {ms(k['applied_p99'])} | "
        f"{ms(ryw['p50'])} | {ms(ryw['p99'])} |",
        f"| the producer alone (no HTTP, no GraphQL; {p['calls']} calls) | | | {ms(p['p50'])} | "
        f"{ms(p['p99'])} | | | | |",
        "",
        f"Kafka's acknowledgment (acks=all) answers a call of {r['batch']} in "
        f"{k['p50'] / g['p50']:.2f}x the p50 of the graph path with inline derivation and "
        f"{k['p99'] / g['p99']:.2f}x its p99; {k['p50'] / a['p50']:.2f}x and "
        f"{k['p99'] / a['p99']:.2f}x those of the graph path with async derivation. "
        f"The consumer recorded {r['consumed']:,} events; acknowledged events lost or counted "
        f"twice: {r['lost_or_twice']}. Ack -> applied: from the call's answer until "
        "`streamApplied` says the graph holds its positions (read every 10 ms).",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--preload", type=float, default=0.6)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ryw-calls", type=int, default=30)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    settings, launcher = settings_for_bench()
    kafka_launcher = None
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "buyers": args.buyers,
        "seed": args.seed,
        "preload": args.preload,
        "batch": args.batch,
        "seconds": args.seconds,
        "partitions": args.partitions,
    }
    try:
        settings, kafka_launcher = kafka_for_bench(settings)
        with Store(settings) as store:
            results.update(run(store, settings, args))
    finally:
        if kafka_launcher is not None:
            kafka_launcher.stop()
        if launcher is not None:
            launcher.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest_kafka.json").write_text(json.dumps(results, indent=2))
    splice_section(Path(args.report), report_lines(results), "## Kafka out")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
