"""Benchmarks; write docs/benchmarks.md with the machine, the date and the figures.

    python -m bench.run [--events 1000000] [--per-event 3000]

Runs against a Neo4j of its own (ports 37687/37474, home .trustgraph/bench-neo4j) that it
empties between measurements, or against NEO4J_URI when TRUSTGRAPH_BENCH_ALLOW_WIPE=1.

Ingestion, measured in one run on the same seeded file of at least 1,000,000 events:
  import     `trustgraph import`'s path: parse, validate, check, write in batches of 5,000
  per-event  the same path with one transaction per event (on the first --per-event events)
  ceiling    a plain `UNWIND $rows CREATE (:BenchRow) SET r = row` of the same validated rows,
             parsed beforehand (so it times Neo4j's writes and the driver only)

The bench Neo4j and emptying it are in bench.graph, the report's markdown in bench.report, the
research section in bench.research_section (loading) and bench.research (measurements).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.report import write_report
from bench.research_section import bench_research
from graph_api import events as ev
from graph_api.derive import Deriver
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester, import_jsonl, plan_batch, write_checked
from graph_api.seed import SeedConfig, generate, write_jsonl
from graph_api.service.ready import wait_ready
from graph_api.store import Store
from graph_api.store.cypher import query as cypher
from scoring.policy import default_policy


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[
        0
    ]
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; {platform.platform()}; "
        f"Python {platform.python_version()}; {java}"
    )


def seeded_file(buyers: int, seed: int) -> tuple[Path, int]:
    path = OUT / f"seed{seed}-buyers{buyers}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        events, _ = generate(SeedConfig(seed=seed, buyers=buyers))
        tmp = path.with_suffix(".tmp")
        write_jsonl(events, str(tmp))
        tmp.rename(path)
    with path.open("rb") as f:
        count = sum(1 for _ in f)
    return path, count


def bench_ingest(store, path: Path, events: int, per_event_n: int) -> dict[str, Any]:
    results: dict[str, Any] = {"events": events}

    # (a) one transaction per event, on a prefix of the file (the rate is what matters).
    fresh(store)
    prefix = OUT / "per-event-prefix.jsonl"
    with path.open() as src, prefix.open("w") as dst:
        for _, line in zip(range(per_event_n), src, strict=False):
            dst.write(line)
    summary = import_jsonl(Ingester(store, 1), prefix, OUT / "per-event.rejected.jsonl")
    results["per_event"] = {
        "events": summary.lines,
        "seconds": summary.seconds,
        "rate": summary.events_per_second,
    }
    print(
        f"per-event: {summary.events_per_second:,.0f} events/s over {summary.lines:,}",
        file=sys.stderr,
    )

    # The import path, the whole file.
    fresh(store)
    summary = import_jsonl(Ingester(store, 5000), path, OUT / "import.rejected.jsonl")
    results["import"] = {
        "events": summary.lines,
        "accepted": summary.accepted,
        "rejected": summary.rejected,
        "seconds": summary.seconds,
        "rate": summary.events_per_second,
    }
    nodes, rels = store.graph_counts()
    results["graph"] = {"nodes": sum(nodes.values()), "relationships": sum(rels.values())}
    print(
        f"import: {summary.events_per_second:,.0f} events/s, {summary.accepted:,} accepted",
        file=sys.stderr,
    )

    # The same file again: every event a duplicate.
    summary = import_jsonl(Ingester(store, 5000), path, OUT / "replay.rejected.jsonl")
    results["replay"] = {
        "duplicates": summary.duplicates,
        "seconds": summary.seconds,
        "rate": summary.events_per_second,
    }
    assert summary.accepted == 0, "a replay accepted events"
    print(
        f"replay: {summary.events_per_second:,.0f} events/s, {summary.duplicates:,} duplicates",
        file=sys.stderr,
    )

    # Where the time goes, on a prefix: the facts alone, the event log alone.
    prefix_n = min(200_000, events)
    prefix_path = OUT / "breakdown-prefix.jsonl"
    with path.open() as src, prefix_path.open("w") as dst:
        for _, line in zip(range(prefix_n), src, strict=False):
            dst.write(line)
    results["breakdown"] = {"events": prefix_n}
    for label, keep in (
        ("full", lambda name: True),
        ("facts", lambda name: name != "ingest/record_events"),
        ("log", lambda name: name == "ingest/record_events"),
    ):
        fresh(store)
        results["breakdown"][label] = import_subset(store, prefix_path, keep)
        print(f"breakdown {label}: {results['breakdown'][label]:,.0f} events/s", file=sys.stderr)

    # (b) the ceiling: plain CREATE of the same rows, parsed and validated beforehand.
    fresh(store)
    rows: list[dict[str, Any]] = []
    with path.open() as src:
        for index, line in enumerate(src):
            checked = ev.parse_jsonl_line(line, index)
            if isinstance(checked, dict):
                rows.append({k: v for k, v in checked.items() if v is not None})
    started = time.perf_counter()
    for start in range(0, len(rows), 5000):
        store.run_write("bench/create_rows", rows[start : start + 5000])
    seconds = time.perf_counter() - started
    results["ceiling"] = {"rows": len(rows), "seconds": seconds, "rate": len(rows) / seconds}
    print(f"ceiling: {len(rows) / seconds:,.0f} rows/s", file=sys.stderr)
    fresh(store)
    return results


def import_subset(store, path: Path, keep) -> float:
    """Events/s of the import path when only the planned writes that ``keep`` accepts run."""
    started = time.perf_counter()
    batch: list[tuple[int, dict[str, Any]]] = []
    count = 0

    def flush() -> None:
        items = list(batch)
        write_checked(
            store,
            [e for _, e in items],
            lambda checks: [w for w in plan_batch(items, checks)[0] if keep(w[0])],
        )
        batch.clear()

    with path.open() as src:
        for index, line in enumerate(src):
            checked = ev.parse_jsonl_line(line, index)
            count += 1
            if isinstance(checked, dict):
                batch.append((index, checked))
            if len(batch) >= 5000:
                flush()
    if batch:
        flush()
    return count / (time.perf_counter() - started)


def bench_rescore(store, sizes: list[int], seed: int) -> dict[str, Any]:
    """Full rebuild (`trustgraph rescore`) over seeded platforms of two sizes, each imported into
    an empty graph first: from nothing (no derived state yet) and again over its own result."""
    policy = default_policy()
    runs = []
    for buyers in sizes:
        path, events = seeded_file(buyers, seed)
        fresh(store)
        imported = import_jsonl(Ingester(store, 5000), path, OUT / "rescore-import.rejected.jsonl")
        nodes, _ = store.graph_counts()
        as_of = store.latest_event_at()
        first = rescore_all(store, policy, as_of)
        again = rescore_all(store, policy, as_of)
        run = {
            "buyers": buyers,
            "events": events,
            "import_seconds": imported.seconds,
            "orders": nodes.get("Order", 0),
            "shops": nodes.get("Shop", 0),
            "hosts": nodes.get("Host", 0),
            "pairs": first.total_pairs,
            "seconds": first.seconds,
            "again_seconds": again.seconds,
        }
        runs.append(run)
        print(
            f"rescore {buyers:,} buyers: {run['orders']:,} orders, {run['pairs']:,} pairs in "
            f"{first.seconds:.1f}s (again {again.seconds:.1f}s)",
            file=sys.stderr,
        )
    fresh(store)
    return {"runs": runs}


def bench_incremental(store, buyers: int, seed: int, batch_sizes: list[int]) -> dict[str, Any]:
    """What incremental rescoring adds to ingestion: a seeded platform's first half is imported
    and rebuilt, then its second half ingested in batches, with and without the Deriver, each
    from the same starting state (reloaded)."""
    policy = default_policy()
    events = list(generate(SeedConfig(seed=seed, buyers=buyers, days=60))[0])
    half = len(events) // 2
    rows = []
    for size in batch_sizes:
        row: dict[str, Any] = {"batch": size}
        for mode in ("plain", "incremental"):
            fresh(store)
            Ingester(store, 5000).ingest(events[:half])
            rescore_all(store, policy, store.latest_event_at())
            ingester = Ingester(
                store, size, deriver=Deriver(store, policy) if mode == "incremental" else None
            )
            started = time.perf_counter()
            result = ingester.ingest(events[half:])
            seconds = time.perf_counter() - started
            derive = sum(d.seconds for d in result.derived)
            row[mode] = {
                "seconds": seconds,
                "derive_seconds": derive,
                "batches": -(-len(events[half:]) // size),
                "buyers": sum(d.buyers for d in result.derived),
                "entities": sum(d.shops + d.hosts for d in result.derived),
            }
        row["added"] = row["incremental"]["seconds"] - row["plain"]["seconds"]
        row["ratio"] = row["added"] / row["plain"]["seconds"]
        rows.append(row)
        print(
            f"incremental, batches of {size}: plain {row['plain']['seconds']:.1f}s, with rescoring "
            f"{row['incremental']['seconds']:.1f}s (+{row['ratio']:.1f}x)",
            file=sys.stderr,
        )
    fresh(store)
    return {"buyers": buyers, "events": len(events) - half, "rows": rows}


def bench_service(store, settings, buyers: int, seed: int, requests: int) -> dict[str, Any]:
    """The GraphQL service over HTTP (a `trustgraph serve` process) on a seeded platform:
    trustBatch (1 buyer x 500 hosts) against the raw driver query for the same data, badge reads
    at 32 concurrent clients, recordEvents of 100 events; plus the PROFILE of the hot queries."""
    path, _ = seeded_file(buyers, seed)
    fresh(store)
    import_jsonl(Ingester(store, 5000), path, OUT / "service-import.rejected.jsonl")
    rescore_all(store, default_policy(), store.latest_event_at())
    hosts = [r["id"] for r in store.rows("features/host_ids", after="", limit=500)]
    shops = [r["id"] for r in store.rows("features/shop_ids", after="", limit=10_000)]
    buyer = store.driver.execute_query(
        "MATCH (b:Buyer)-[:TRUST]->(:Host) WITH b, count(*) AS n ORDER BY n DESC, "
        "b.id LIMIT 1 RETURN b.id AS id",
        database_=store.database,
    )[0][0]["id"]

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    # The raw driver queries, measured in this run: the one the service runs, and the plain
    # per-target look-up a client of Neo4j would write.
    def timed(name: str, params: dict[str, Any]) -> list[float]:
        q = cypher(name)
        out: list[float] = []
        for i in range(requests + 10):
            started = time.perf_counter()
            store.driver.execute_query(q.text, params, database_=store.database)
            if i >= 10:
                out.append(time.perf_counter() - started)
        return out

    raw = timed("read/trust_batch", {"buyerId": buyer, "shopIds": []})
    plain = timed("bench/trust_per_target", {"buyerId": buyer, "hostIds": hosts})

    port = 38000
    key = "bench-admin-key-0123456789"
    env = settings.child_environment(TRUSTGRAPH_API_KEYS=f"{key}:ADMIN")
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", str(port), "--no-neo4j"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {"buyers": buyers, "hosts": len(hosts), "requests": requests}
    try:
        wait_ready(url, proc=proc)
        headers = {"Authorization": f"Bearer {key}"}
        batch_query = (
            "query($b: ID!, $h: [ID!]) { trustBatch(buyerId: $b, hostIds: $h) "
            "{ targetIds levels scores confidences } }"
        )
        http: list[float] = []
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            for i in range(requests + 10):
                started = time.perf_counter()
                r = client.post(
                    "/graphql", json={"query": batch_query, "variables": {"b": buyer, "h": hosts}}
                )
                elapsed = time.perf_counter() - started
                assert r.status_code == 200 and "errors" not in r.json(), r.text[:300]
                if i >= 10:  # warm-up
                    http.append(elapsed)
        results["trust_batch"] = {
            "http_p50": pct(http, 50),
            "http_p99": pct(http, 99),
            "raw_p50": pct(raw, 50),
            "raw_p99": pct(raw, 99),
            "plain_p50": pct(plain, 50),
            "plain_p99": pct(plain, 99),
        }
        print(
            f"trustBatch 500 hosts: p50 {pct(http, 50) * 1000:.1f} ms (raw "
            f"{pct(raw, 50) * 1000:.1f} ms)",
            file=sys.stderr,
        )

        badge_query = (
            "query($s: ID!) { shop(id: $s) { badge { eligible badges } "
            "boost { multiplier tier } } }"
        )

        async def badge_load(total: int, concurrency: int) -> tuple[float, list[float]]:
            latencies: list[float] = []
            counter = iter(range(total))
            async with httpx.AsyncClient(
                base_url=url, timeout=60, limits=httpx.Limits(max_connections=concurrency)
            ) as ac:

                async def worker() -> None:
                    for n in counter:
                        started = time.perf_counter()
                        r = await ac.post(
                            "/graphql",
                            json={"query": badge_query, "variables": {"s": shops[n % len(shops)]}},
                        )
                        latencies.append(time.perf_counter() - started)
                        assert r.status_code == 200

                started = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                return time.perf_counter() - started, latencies

        seconds, lat = asyncio.run(badge_load(requests * 10, 32))
        results["badges"] = {
            "requests": len(lat),
            "seconds": seconds,
            "rps": len(lat) / seconds,
            "p50": pct(lat, 50),
            "p99": pct(lat, 99),
            "concurrency": 32,
        }
        print(
            f"badge reads: {len(lat) / seconds:,.0f} req/s, p99 {pct(lat, 99) * 1000:.1f} ms",
            file=sys.stderr,
        )

        record = (
            "mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted duplicates "
            "rejected { code } trustChanges { buyerId } } }"
        )
        clock = store.latest_event_at() or 0
        rec: list[float] = []
        rng_buyers = [r["id"] for r in store.rows("features/buyer_ids", after="", limit=5000)]
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            for call in range(max(10, requests // 5)):
                events = []
                for k in range(100):
                    n = call * 100 + k
                    at = datetime.fromtimestamp(
                        (clock + 60_000 * (n + 1)) / 1000, tz=UTC
                    ).isoformat()
                    b, h = rng_buyers[(n * 7919) % len(rng_buyers)], hosts[(n * 31) % len(hosts)]
                    if k % 3 == 0:
                        events.append(
                            {
                                "eventId": f"bench-{n}",
                                "type": "ORDER_PLACED",
                                "at": at,
                                "orderId": f"bench-o{n}",
                                "buyerId": b,
                                "hostId": h,
                                "shopId": shops[(n * 17) % len(shops)],
                                "amount": 99.0,
                            }
                        )
                    else:
                        events.append(
                            {
                                "eventId": f"bench-{n}",
                                "type": "WATCHED",
                                "at": at,
                                "buyerId": b,
                                "hostId": h,
                                "minutes": 12,
                            }
                        )
                started = time.perf_counter()
                r = client.post("/graphql", json={"query": record, "variables": {"e": events}})
                rec.append(time.perf_counter() - started)
                assert (
                    r.status_code == 200 and r.json()["data"]["recordEvents"]["accepted"] == 100
                ), r.text[:300]
        results["record_events"] = {
            "calls": len(rec),
            "p50": pct(rec, 50),
            "p99": pct(rec, 99),
            "mean": statistics.fmean(rec),
        }
        print(
            f"recordEvents x100: p50 {pct(rec, 50) * 1000:.0f} ms, "
            f"p99 {pct(rec, 99) * 1000:.0f} ms",
            file=sys.stderr,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    # PROFILE of the hot read paths, for docs/query-plans.md.
    plans = {}
    for name, params in (
        ("read/trust_batch", {"buyerId": buyer, "shopIds": shops[:2]}),
        ("read/standings", {"ids": [f"SHOP:{s}" for s in shops[:3]]}),
        ("features/pair_facts", {"buyerIds": [buyer], "asOf": store.latest_event_at()}),
        ("read/host_buyers", {"hostId": hosts[0], "level": None, "after": "", "limit": 21}),
    ):
        text = cypher(name).text
        summary = store.driver.execute_query(
            "PROFILE " + text, params, database_=store.database
        ).summary
        plans[name] = summary.profile["args"]["string-representation"]
    results["plans"] = plans
    fresh(store)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sections",
        default="ingest,rescore,incremental,service,research",
        help="comma-separated: ingest, rescore, incremental, service, research (default: all); the "
        "report keeps the last results of the sections not run",
    )
    parser.add_argument(
        "--buyers", type=int, default=40_000, help="seed size (40,000 buyers: about 1M events)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--per-event", type=int, default=3000, help="events for the one-transaction-per-event run"
    )
    parser.add_argument(
        "--rescore-buyers",
        default="40000,80000",
        help="platform sizes for the rescore section, comma-separated (default 40000,80000)",
    )
    parser.add_argument("--incremental-buyers", type=int, default=3000)
    parser.add_argument(
        "--service-buyers",
        type=int,
        default=20_000,
        help="platform size for the service section (20,000 buyers: 500 hosts)",
    )
    parser.add_argument("--service-requests", type=int, default=200)
    parser.add_argument(
        "--research-buyers",
        type=int,
        default=330_000,
        help="buyers of each seeded platform of the research section (330,000: about 1.0M trust "
        "edges; the section then loads a second one beside it)",
    )
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - {"ingest", "rescore", "incremental", "service", "research"})
    if unknown:
        parser.error(
            f"unknown sections {unknown}; choose from ingest, rescore, "
            "incremental, service, research"
        )

    settings, launcher = settings_for_bench()
    results_path = OUT / "results.json"
    results: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    if "date" in results and "ingest" in results and "date" not in results["ingest"]:
        # results.json of the first benchmark version: one date for everything
        results["ingest"].update(
            date=results["date"], seed=results["seed"], buyers=results["buyers"]
        )
        results["ingest"].pop("rescore", None)
    if "date" in results.get("rescore", {}):  # one date per section, before dates per run
        for run in results["rescore"]["runs"]:
            run.setdefault("date", results["rescore"]["date"])
        del results["rescore"]["date"]
    results["machine"] = machine()
    stamp = lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")  # noqa: E731
    try:
        with Store(settings) as store:
            results["neo4j"] = (
                store.rows("read/server_version")[0]["version"] + f" at {settings.bolt_uri}"
            )
            if "ingest" in sections:
                path, count = seeded_file(args.buyers, args.seed)
                print(f"seeded file {path}: {count:,} events", file=sys.stderr)
                results["ingest"] = {
                    "date": stamp(),
                    "seed": args.seed,
                    "buyers": args.buyers,
                    **bench_ingest(store, path, count, args.per_event),
                }
            if "rescore" in sections:
                sizes = [int(x) for x in args.rescore_buyers.split(",")]
                fresh_runs = bench_rescore(store, sizes, args.seed)["runs"]
                when = stamp()
                for run in fresh_runs:
                    run["date"] = when
                # Keep earlier runs of other sizes (a 1M-order platform takes half an hour to load);
                # ratios are only taken between runs of one invocation (same date).
                kept = [
                    r
                    for r in results.get("rescore", {}).get("runs", [])
                    if r["buyers"] not in set(sizes)
                ]
                results["rescore"] = {"runs": sorted(kept + fresh_runs, key=lambda r: r["orders"])}
            if "incremental" in sections:
                results["incremental"] = {
                    "date": stamp(),
                    **bench_incremental(
                        store, args.incremental_buyers, args.seed, [100, 1000, 5000]
                    ),
                }
            if "research" in sections:
                OUT.mkdir(parents=True, exist_ok=True)
                results["research"] = {
                    "date": stamp(),
                    **bench_research(store, settings, args.research_buyers, OUT),
                }
            if "service" in sections:
                results["service"] = {
                    "date": stamp(),
                    **bench_service(
                        store, settings, args.service_buyers, args.seed, args.service_requests
                    ),
                }
    finally:
        if launcher is not None:
            launcher.stop()
        OUT.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=2, default=str))
    write_report(results, Path(args.report))
    print(f"wrote {args.report}", file=sys.stderr)


if __name__ == "__main__":
    main()
