"""Replicas (issue 14): the lag of a second Neo4j behind the first while events are produced at a
steady rate; writes its section of docs/benchmarks.md.

    python -m bench.replica_lag [--rate 2000] [--seconds 30] [--derive none,incremental]

Two Neo4j servers (the bench's, and a replica with its own home and ports:
TRUSTGRAPH_BENCH_REPLICA_BOLT_PORT / _HTTP_PORT, default 37787 / 37788), both empty, each fed by a
`trustgraph consume` of its own consumer group from one topic of the bench Kafka. A producer
sends a seeded platform's events in time order at ``--rate`` events/s (in ticks of 100 ms, by the
idempotent producer of recordEvents' Kafka mode) for ``--seconds``; every 100 ms a sampler reads
each server's applied offsets (the Clock per topic partition that the consumer writes with the
facts). Per tick: the delay from Kafka's acknowledgement until each server has applied it, and
the second server's delay behind the first; then the time each needs to catch up once the
producer stops. All of it on one machine: the two servers, the broker and both consumers share
its cores, so this is the worst case of a replica, not a deployment's figure."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.consume import kafka_for_bench
from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.ingest_api import pct
from bench.report import splice_section
from bench.run import machine
from graph_api import seed as seedmod
from graph_api.events import parse_at
from graph_api.ingest.kafka import create_topic, partition_key
from graph_api.ingest.produce import EventProducer, StreamPosition
from graph_api.neo4j_local import LocalNeo4j
from graph_api.settings import Settings
from graph_api.store import Store

TITLE = "## Replicas: a second Neo4j fed by its own consumer group (issue 14)"
TICK = 0.1


def replica_settings(primary: Settings) -> Settings:
    return primary.with_overrides(
        neo4j_uri=None,
        neo4j_home=ROOT / ".trustgraph" / "bench-neo4j-replica",
        bolt_port=int(os.environ.get("TRUSTGRAPH_BENCH_REPLICA_BOLT_PORT", "37787")),
        http_port=int(os.environ.get("TRUSTGRAPH_BENCH_REPLICA_HTTP_PORT", "37788")),
        heap_size="1g",
        pagecache_size="512m",
    )


def consumer(settings: Settings, group: str, derive: str) -> subprocess.Popen[bytes]:
    k = settings.kafka
    env = settings.child_environment(
        None,
        TRUSTGRAPH_KAFKA_BOOTSTRAP=k.bootstrap_servers,
        TRUSTGRAPH_KAFKA_TOPICS=k.topics[0],
        TRUSTGRAPH_KAFKA_GROUP=group,
        TRUSTGRAPH_KAFKA_DLQ_TOPIC=k.dlq_topic,
        TRUSTGRAPH_KAFKA_INSTANCE_ID=f"{group}-0",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "consume", "--derive", derive, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def applied(store: Store, ids: list[str]) -> dict[str, int]:
    return {r["id"]: int(r["offset"]) for r in store.rows("read/stream_applied", ids=ids)}


def measure(
    primary: Settings, replica: Settings, args: argparse.Namespace, derive: str
) -> dict[str, Any]:
    events = sorted(
        seedmod.generate(seedmod.SeedConfig(seed=args.seed, buyers=args.buyers, days=180))[0],
        key=lambda e: parse_at(e["at"]),
    )[: int(args.rate * args.seconds)]
    tag = uuid.uuid4().hex[:8]
    kafka = replace(primary.kafka, topics=(f"bench.lag.{tag}",), dlq_topic=f"bench.lag.dlq.{tag}")
    primary, replica = primary.with_overrides(kafka=kafka), replica.with_overrides(kafka=kafka)
    create_topic(kafka, kafka.topics[0], args.partitions)
    create_topic(kafka, kafka.dlq_topic, 1)
    ids = [StreamPosition(kafka.topics[0], p, 0).clock_id for p in range(args.partitions)]
    stores = [Store(primary), Store(replica)]
    for s in stores:
        fresh(s)
    feeds = [
        consumer(primary, f"bench-lag-{tag}-a", derive),
        consumer(replica, f"bench-lag-{tag}-b", derive),
    ]
    ticks: list[tuple[float, dict[str, int]]] = []  # (ack time, the tick's last offsets)
    seen: list[dict[int, float]] = [{}, {}]  # server -> tick -> when it had applied the tick
    producing = threading.Event()
    producing.set()
    stopped_at = [float("inf")]  # when the producer stopped

    def sample() -> None:
        while producing.is_set() or any(len(s) < len(ticks) for s in seen):
            now = time.perf_counter()
            for server, store in enumerate(stores):
                offsets = applied(store, ids)
                for i in range(len(seen[server]), len(ticks)):
                    if all(offsets.get(c, -1) >= o for c, o in ticks[i][1].items()):
                        seen[server][i] = now
                    else:
                        break
            if not producing.is_set() and now - stopped_at[0] > args.catch_up:
                return
            time.sleep(TICK)

    sampler = threading.Thread(target=sample, daemon=True)
    producer = EventProducer(kafka)
    per_tick = max(1, int(args.rate * TICK))
    sent = 0
    started = time.perf_counter()
    sampler.start()
    try:
        for i in range(0, len(events), per_tick):
            due = started + (i // per_tick) * TICK
            time.sleep(max(0.0, due - time.perf_counter()))
            chunk = events[i : i + per_tick]
            positions = producer.send([(partition_key(e), e) for e in chunk])
            ticks.append((time.perf_counter(), {p.clock_id: p.offset for p in positions}))
            sent += len(chunk)
        produce_seconds = time.perf_counter() - started
        stopped_at[0] = time.perf_counter()
        producing.clear()
        sampler.join(timeout=args.catch_up + 30)
    finally:
        producer.close()
        for f in feeds:
            f.send_signal(signal.SIGTERM)
        summaries = []
        for f in feeds:
            out, _ = f.communicate(timeout=120)
            summaries.append(json.loads(out) if out.strip() else {})
        for s in stores:
            s.close()
    end = stopped_at[0]
    delay = [[seen[s][i] - t for i, (t, _) in enumerate(ticks) if i in seen[s]] for s in (0, 1)]
    behind = [seen[1][i] - seen[0][i] for i in range(len(ticks)) if i in seen[0] and i in seen[1]]
    return {
        "derive": derive,
        "events": sent,
        "produce_seconds": produce_seconds,
        "rate": sent / produce_seconds,
        "ticks": len(ticks),
        "applied_ticks": [len(s) for s in seen],
        "delay_p50": [pct(d, 50) for d in delay],
        "delay_p99": [pct(d, 99) for d in delay],
        "behind_p50": pct(behind, 50),
        "behind_p99": pct(behind, 99),
        "behind_max": max(behind) if behind else float("nan"),
        "catch_up": [
            (max(seen[s].values()) - end) if len(seen[s]) == len(ticks) else None for s in (0, 1)
        ],
        "consumed": [s.get("accepted") for s in summaries],
    }


def report_lines(r: dict[str, Any]) -> list[str]:
    s = lambda x: "-" if x is None else f"{x:,.1f} s"  # noqa: E731
    first = r["runs"][0]
    lines = [
        TITLE,
        "",
        f"`python -m bench.replica_lag`, {r['date']}, {r['machine']}. Two empty Neo4j servers on "
        "this machine, each fed by a `trustgraph consume` of its own group from one topic of "
        f"{r['partitions']} partitions of the local broker; {first['events']:,} events of a "
        f"seeded platform ({r['buyers']:,} buyers, seed {r['seed']}) produced in time order at "
        f"{r['asked']:,.0f} events/s for {r['seconds']:g} s, in ticks of 100 ms (by the "
        "producer of recordEvents' Kafka mode); the servers' applied offsets read every 100 ms. "
        "Once per consumer mode, the servers emptied in between. Both servers, the broker, both "
        "consumers and the producer share the 2 cores: a worst case for a replica.",
        "",
        "| consume --derive | produced events/s | server | ack -> applied p50 | p99 | caught up "
        "after the producer stopped | replica behind the first p50 | p99 | max |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in r["runs"]:
        for i, name in enumerate(("first", "second (replica)")):
            done = run["applied_ticks"][i] == run["ticks"]
            behind = (
                f"{s(run['behind_p50'])} | {s(run['behind_p99'])} | {s(run['behind_max'])}"
                if i == 1
                else " | | "
            )
            lines.append(
                f"| {run['derive'] if i == 0 else ''} | "
                f"{run['rate']:,.0f} | {name} | {s(run['delay_p50'][i])} | "
                f"{s(run['delay_p99'][i])} | "
                f"{s(run['catch_up'][i]) if done else 'not within the wait'} | {behind} |"
            )
    lines += [
        "",
        "Behind: per tick, when the replica had applied it minus when the first server had "
        "(negative: the replica was first). Every consumer recorded every event: "
        + ", ".join(
            f"{run['derive']}: {' and '.join(f'{n:,}' for n in run['consumed'] if n is not None)}"
            for run in r["runs"]
        )
        + ".",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--buyers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument(
        "--derive", default="none,incremental", help="the consumers' modes, one run each"
    )
    parser.add_argument("--catch-up", type=float, default=300, help="seconds to wait at the end")
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    primary, launcher = settings_for_bench()
    kafka_launcher = second = None
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "asked": args.rate,
        "buyers": args.buyers,
        "seed": args.seed,
        "partitions": args.partitions,
        "seconds": args.seconds,
        "runs": [],
    }
    try:
        primary, kafka_launcher = kafka_for_bench(primary)
        replica = replica_settings(primary)
        second = LocalNeo4j(replica, log=lambda m: print(f"[replica] {m}", file=sys.stderr))
        second.start()
        for derive in [d.strip() for d in args.derive.split(",") if d.strip()]:
            print(f"[lag] consume --derive {derive}", file=sys.stderr)
            results["runs"].append(measure(primary, replica, args, derive))
    finally:
        for stop in (second, kafka_launcher, launcher):
            if stop is not None:
                stop.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "replica_lag.json").write_text(json.dumps(results, indent=2))
    splice_section(Path(args.report), report_lines(results), "## Replicas")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
