"""The load benchmark: many clients at once against one service process, mixing what its clients
do; writes the "Load" section of docs/benchmarks.md with the machine and the date.

    python -m bench.load [--clients 100] [--seconds 60] [--buyers 3000]

On a seeded, scored platform in the bench Neo4j (bench.graph), one `trustgraph serve` process
(one worker, the default pool sizes) is called over HTTP by ``--clients`` concurrent clients for
``--seconds``; each client loops over a weighted choice of

  trustBatch    a recommender's batch: one buyer x 200 hosts, or all if fewer (RECOMMENDER key)
  badges        a front end's badge cards: 20 shops and 10 hosts (no key)
  recordEvents  an ingester's call: 10 new events (WATCHED, COMMENTED, FOLLOWED) dated just after
                the platform's clock (INGEST key); each is rescored before the call returns

and ``/healthz`` is sampled twice a second. Reported: calls, errors (anything but HTTP 200 with no
``errors``; by code) and p50/p99 latency per operation; and, read from the graph afterwards, that
every acknowledged eventId is stored exactly once (nothing lost, nothing doubled).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.report import replace_section
from bench.run import machine, seeded_file
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester, import_jsonl
from graph_api.service.ready import NotReady, wait_ready
from graph_api.store import Store
from scoring.policy import default_policy

KEYS = {"RECOMMENDER": "load-recommender-key-0123456789", "INGEST": "load-ingest-key-0123456789"}
MIX = (("trustBatch", 0.5), ("badges", 0.35), ("recordEvents", 0.15))
BATCH = (
    "query($b: ID!, $h: [ID!]) { trustBatch(buyerId: $b, hostIds: $h) { targetIds levels scores } }"
)
BADGES = (
    "query($s: [ID!], $h: [ID!]) { badges(shopIds: $s, hostIds: $h) "
    "{ id badge { eligible badges } boost { multiplier tier } } }"
)
RECORD = (
    "mutation($e: [EventInput!]!) { recordEvents(events: $e) "
    "{ accepted duplicates rejected { index eventId code } } }"
)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)  # "op CODE" -> n
    acknowledged: list[str] = field(default_factory=list)  # eventIds the service accepted


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def platform(store: Store, buyers: int, seed: int) -> dict[str, Any]:
    """Seed and score the platform; the ids the clients pick from and its clock."""
    path, _ = seeded_file(buyers, seed)
    fresh(store)
    import_jsonl(Ingester(store, 5000), path, OUT / "load-import.rejected.jsonl")
    clock = store.latest_event_at()
    assert clock is not None
    rescore_all(store, default_policy(), clock)
    rows = store.driver.execute_query(
        "MATCH (b:Buyer)-[:TRUST]->(:Host) WITH DISTINCT b RETURN b.id AS id",
        database_=store.database,
    )[0]
    return {
        "buyers": [r["id"] for r in rows],
        "hosts": [r["id"] for r in store.rows("features/host_ids", after="", limit=100_000)],
        "shops": [r["id"] for r in store.rows("features/shop_ids", after="", limit=100_000)],
        "clock": clock,
    }


def events(client: int, seq: int, p: dict[str, Any], t: int) -> list[dict[str, Any]]:
    rnd = random.Random(client * 1_000_003 + seq)
    at = datetime.fromtimestamp(t / 1000, UTC).isoformat()
    out = []
    for i in range(10):
        kind = ("WATCHED", "COMMENTED", "FOLLOWED")[i % 3]
        e = {
            "eventId": f"load-{client}-{seq}-{i}",
            "type": kind,
            "at": at,
            "buyerId": rnd.choice(p["buyers"]),
            "hostId": rnd.choice(p["hosts"]),
        }
        if kind == "WATCHED":
            e["minutes"] = rnd.randint(1, 90)
        out.append(e)
    return out


async def client_loop(
    n: int, http: httpx.AsyncClient, p: dict[str, Any], until: float, tally: Tally, t0: float
) -> None:
    rnd = random.Random(n)
    ops = [op for op, _ in MIX]
    weights = [w for _, w in MIX]
    seq = 0
    while time.monotonic() < until:
        op = rnd.choices(ops, weights)[0]
        headers: dict[str, str] = {}
        sent: list[dict[str, Any]] = []
        if op == "trustBatch":
            body = {
                "query": BATCH,
                "variables": {
                    "b": rnd.choice(p["buyers"]),
                    "h": rnd.sample(p["hosts"], min(200, len(p["hosts"]))),
                },
            }
            headers["Authorization"] = f"Bearer {KEYS['RECOMMENDER']}"
        elif op == "badges":
            body = {
                "query": BADGES,
                "variables": {
                    "s": rnd.sample(p["shops"], min(20, len(p["shops"]))),
                    "h": rnd.sample(p["hosts"], min(10, len(p["hosts"]))),
                },
            }
        else:
            seq += 1
            # Dated just after the platform's clock, moving with the run: the clock rule holds.
            at = p["clock"] + int((time.monotonic() - t0) * 1000) + 1
            sent = events(n, seq, p, at)
            body = {"query": RECORD, "variables": {"e": sent}}
            headers["Authorization"] = f"Bearer {KEYS['INGEST']}"
        started = time.perf_counter()
        try:
            r = await http.post("/graphql", json=body, headers=headers)
            payload = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            tally.errors[f"{op} {type(exc).__name__}"] += 1
            continue
        tally.latencies.setdefault(op, []).append(time.perf_counter() - started)
        errors = payload.get("errors") or []
        if r.status_code != 200 or errors:
            codes = sorted({(e.get("extensions") or {}).get("code", "NO_CODE") for e in errors})
            tally.errors[f"{op} HTTP {r.status_code} {'/'.join(codes)}"] += 1
            continue
        if op == "recordEvents":
            result = payload["data"]["recordEvents"]
            refused = {x["eventId"] for x in result["rejected"]}
            tally.acknowledged += [e["eventId"] for e in sent if e["eventId"] not in refused]
            if refused:
                tally.errors["recordEvents rejected events"] += len(refused)


async def health_loop(url: str, until: float, out: list[float]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while time.monotonic() < until:
            started = time.perf_counter()
            r = await http.get("/healthz")
            if r.status_code == 200:
                out.append(time.perf_counter() - started)
            await asyncio.sleep(0.5)


async def drive(url: str, p: dict[str, Any], clients: int, seconds: float) -> tuple[Tally, list]:
    tally = Tally()
    health: list[float] = []
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        t0 = time.monotonic()
        until = t0 + seconds
        await asyncio.gather(
            health_loop(url, until, health),
            *(client_loop(i, http, p, until, tally, t0) for i in range(clients)),
        )
    return tally, health


def serve(settings: Any, port: int, **env: str) -> subprocess.Popen[bytes]:
    """A `trustgraph serve` process over the bench Neo4j, ready; ``env``: its own settings."""
    keys = ",".join(f"{k}:{role}" for role, k in KEYS.items())
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", str(port), "--no-neo4j"],
        env=settings.child_environment(TRUSTGRAPH_API_KEYS=keys, **env),
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / "load-serve.log", "wb"),  # noqa: SIM115 - the child holds it
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc=proc, timeout=90)
    except NotReady as exc:
        proc.kill()
        raise NotReady(f"{exc} (bench/out/load-serve.log)") from None
    return proc


def stored(store: Store, acknowledged: list[str]) -> dict[str, int]:
    row = store.driver.execute_query(
        "UNWIND $ids AS id OPTIONAL MATCH (e:Event {id: id}) "
        "RETURN count(e) AS found, count(DISTINCT e.id) AS distinct",
        {"ids": acknowledged},
        database_=store.database,
    )[0][0]
    total = store.driver.execute_query(
        "MATCH (e:Event) WHERE e.id STARTS WITH 'load-' RETURN count(e) AS n",
        database_=store.database,
    )[0][0]["n"]
    return {
        "acknowledged": len(acknowledged),
        "distinct_acknowledged": len(set(acknowledged)),
        "found": row["found"],
        "distinct_found": row["distinct"],
        "stored_load_events": total,
    }


def report(r: dict[str, Any]) -> list[str]:
    ops = [op for op, _ in MIX]
    lines = [
        f"## Load: {r['clients']} clients, mixed, on one service process (issue 15)",
        "",
        f"- date: {r['date']}",
        f"- machine: {r['machine']}",
        f"- Neo4j: {r['neo4j']}",
        "",
        f"`python -m bench.load`: a platform of {r['buyers']:,} buyers ({r['hosts']:,} hosts, "
        f"{r['shops']:,} shops), seeded and scored; one `trustgraph serve` process (one worker, "
        f"driver pool {r['pool']}, Neo4j Bolt threads {r['bolt_threads']}) called over HTTP by "
        f"{r['clients']} concurrent clients for {r['seconds']:.0f} s from the benchmark process on "
        "the same machine. Each client loops over a weighted choice: "
        + ", ".join(f"{op} {int(w * 100)}%" for op, w in MIX)
        + f" (trustBatch: 1 buyer x {min(200, r['hosts'])} hosts; badges: 20 shops and 10 hosts; "
        "recordEvents: 10 new events, rescored before the call returns).",
        "",
        "| operation | calls | errors | p50, ms | p99, ms | max, ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op in ops:
        lat = r["latencies"].get(op, [])
        errs = sum(n for k, n in r["errors"].items() if k.startswith(op + " "))
        if lat:
            lines.append(
                f"| `{op}` | {len(lat):,} | {errs:,} | {pct(lat, 50) * 1000:.0f} | "
                f"{pct(lat, 99) * 1000:.0f} | {max(lat) * 1000:.0f} |"
            )
        else:
            lines.append(f"| `{op}` | 0 | {errs:,} | - | - | - |")
    h = r["health"]
    if h:
        lines.append(
            f"| `/healthz` (2 per second) | {len(h):,} | 0 | {pct(h, 50) * 1000:.1f} | "
            f"{pct(h, 99) * 1000:.1f} | {max(h) * 1000:.1f} |"
        )
    s = r["stored"]
    once = s["found"] == s["distinct_found"] == s["acknowledged"]
    total_calls = sum(len(v) for v in r["latencies"].values())
    errors = sum(r["errors"].values())
    lines += [
        "",
        f"- **errors: {errors:,}** of {total_calls + errors:,} calls (target 0)"
        + (
            ": " + ", ".join(f"{k} x{n:,}" for k, n in sorted(r["errors"].items()))
            if errors
            else ""
        ),
        f"- throughput: {total_calls / r['seconds']:,.0f} calls/s in all",
        f"- **nothing lost**: {s['acknowledged']:,} eventIds acknowledged, "
        f"{s['found']:,} found in the graph afterwards, {s['distinct_found']:,} distinct "
        f"(each stored once: {'yes' if once else 'NO'}); "
        f"{s['stored_load_events'] - s['distinct_found']:,} stored but not acknowledged",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--buyers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=38100)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    settings, launcher = settings_for_bench()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with Store(settings) as store:
            neo4j = store.rows("read/server_version")[0]["version"] + f" at {settings.bolt_uri}"
            p = platform(store, args.buyers, args.seed)
            print(f"platform: {len(p['buyers']):,} buyers with trust", file=sys.stderr)
            proc = serve(settings, args.port)
            try:
                started = datetime.now(UTC)
                tally, health = asyncio.run(
                    drive(f"http://127.0.0.1:{args.port}", p, args.clients, args.seconds)
                )
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            result = {
                "date": started.strftime("%Y-%m-%d %H:%M UTC"),
                "machine": machine(),
                "neo4j": neo4j,
                "clients": args.clients,
                "seconds": args.seconds,
                "buyers": args.buyers,
                "hosts": len(p["hosts"]),
                "shops": len(p["shops"]),
                "pool": settings.neo4j_pool_size,
                "bolt_threads": settings.neo4j_bolt_threads,
                "latencies": tally.latencies,
                "errors": dict(tally.errors),
                "health": health,
                "stored": stored(store, tally.acknowledged),
            }
    finally:
        if launcher is not None:
            launcher.stop()
    lines = report(result)
    print("\n".join(lines), file=sys.stderr)
    replace_section(Path(args.report), "## Load:", lines)
    print(f"wrote the Load section of {args.report}", file=sys.stderr)


if __name__ == "__main__":
    main()
