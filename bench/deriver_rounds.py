"""The log's deriver with and without its window cache (issue 12, item 3), in one run.

A seeded platform is split in time: its first 60% loaded and rebuilt, then the rest ingested in
blocks of ``--block`` events (batches of 100, each logged), each block followed by a drain of the
ingest log (:meth:`graph_api.derive.LogDeriver.drain`: one round per drain here, since a block is
under the round's 1,000 batches). Timed per drain. Once with the cache
(``graph_api.derive.windows.WindowCache``: each shop's and host's window kept between rounds) and
once without (``window_orders=0``: every round reads each record in full), alternately from the
same load, ``--rounds`` times each; after each pair of runs the two derived states are compared
property for property (a faster deriver that derived something else would measure nothing).

    python -m bench.deriver_rounds [--buyers 3000,20000] [--block 3000] [--blocks 5]

Against the bench Neo4j (bench.graph). Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.derived import derived_state, differences
from bench.graph import ROOT, settings_for_bench
from bench.ingest_api import load, platform
from bench.report import splice_section
from bench.run import machine
from graph_api.derive import LogDeriver
from graph_api.derive.log import WINDOW_ORDERS
from graph_api.ingest import Ingester
from graph_api.store import Store
from scoring.policy import default_policy

TITLE = "## The deriver's rounds, with and without its window cache (issue 12)"


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run_once(
    store: Store, first: list[dict], rest: list[dict], block: int, blocks: int, cache: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One run from a fresh load: per-drain seconds, and the derived state it left."""
    load(store, first)
    ingester = Ingester(store, 100)
    deriver = LogDeriver(store, default_policy(), window_orders=WINDOW_ORDERS if cache else 0)
    drains: list[float] = []
    buyers = entities = 0
    for i in range(blocks):
        part = rest[i * block : (i + 1) * block]
        if not part:
            break
        ingester.ingest(part)
        started = time.perf_counter()
        rounds = deriver.drain()
        drains.append(time.perf_counter() - started)
        buyers += sum(r.result.buyers for r in rounds)
        entities += sum(r.result.shops + r.result.hosts for r in rounds)
    windows = deriver.deriver.windows
    out: dict[str, Any] = {
        "drains": [round(d, 3) for d in drains],
        "buyers": buyers,
        "entities": entities,
    }
    if windows is not None:
        out.update(fills=windows.fills, hits=windows.hits, held=windows.orders_held)
    return out, derived_state(store)


def measure(store: Store, buyers: int, block: int, blocks: int, pairs: int) -> dict[str, Any]:
    first, rest = platform(buyers, 7, 0.6)
    result: dict[str, Any] = {
        "buyers": buyers,
        "preloaded": len(first),
        "block": block,
        "runs": {"cache": [], "off": []},
        "equal": True,
    }
    for n in range(pairs):
        states = {}
        for mode in ("cache", "off"):
            _log(f"{buyers:,} buyers, run {n + 1} {mode}")
            run, states[mode] = run_once(store, first, rest, block, blocks, mode == "cache")
            result["runs"][mode].append(run)
            _log(f"  drains {run['drains']}")
        diff = differences(states["cache"], states["off"])
        if diff:
            result["equal"] = False
            result["differences"] = diff
            _log("DIFFERENT: " + "; ".join(diff))
    return result


def _steady(runs: list[dict[str, Any]]) -> float:
    """Median seconds of a drain after the first (the first fills the cache)."""
    return statistics.median(d for r in runs for d in r["drains"][1:])


def section(results: list[dict[str, Any]], stamp: str, blocks: int) -> list[str]:
    lines = [
        TITLE,
        "",
        f"`python -m bench.deriver_rounds`, {stamp}, {machine()}. A seeded platform (seed 7, 180 "
        "days) split in time: the first 60% loaded and rebuilt, then the rest ingested in blocks "
        f"(batches of 100, logged), {blocks} blocks per run, each followed by a drain of the "
        "ingest log (one round). Each run starts from the same load, with the deriver's window "
        "cache and without it (every round reads each shop's and host's window of orders in "
        "full), alternately. 'equal': both runs left the same derived state, property for "
        "property. The first drain of a run fills the cache; 'steady' is the median of the "
        "others.",
        "",
        "| buyers | block, events | runs | buyers + shops/hosts rescored per run | first drain, "
        "cache / off | steady drain, cache / off | off / cache | windows cached (orders) | "
        "equal |",
        "| ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |",
    ]
    for r in results:
        cache, off = r["runs"]["cache"], r["runs"]["off"]
        first_c = statistics.median(x["drains"][0] for x in cache)
        first_o = statistics.median(x["drains"][0] for x in off)
        steady_c, steady_o = _steady(cache), _steady(off)
        lines.append(
            f"| {r['buyers']:,} | {r['block']:,} | {len(cache)} | "
            f"{cache[0]['buyers']:,} + {cache[0]['entities']:,} | "
            f"{first_c:.2f} s / {first_o:.2f} s | {steady_c:.2f} s / {steady_o:.2f} s | "
            f"**{steady_o / steady_c:.2f}x** | {cache[-1]['held']:,} | "
            f"{'yes' if r['equal'] else 'NO'} |"
        )
    lines += [
        "",
        "The cache spares a round the reading of each shop's and host's window of orders, so "
        "what it saves grows with the share of shops and hosts in a round: "
        + "; ".join(
            f"{r['runs']['cache'][0]['entities']:,} shops and hosts for "
            f"{r['runs']['cache'][0]['buyers']:,} buyers per run on the {r['buyers']:,}-buyer "
            "platform"
            for r in results
        )
        + ". The rest of a round is the buyers' (their whole history read, every pair "
        "rescored and written), which the cache does not change.",
        "",
        "Each drain, per run (seconds): "
        + "; ".join(
            f"{r['buyers']:,} buyers, cache {[x['drains'] for x in r['runs']['cache']]}, "
            f"off {[x['drains'] for x in r['runs']['off']]}"
            for r in results
        )
        + ".",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", default="3000,20000")
    parser.add_argument("--block", type=int, default=3000)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=1, help="runs of each mode")
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    settings, launcher = settings_for_bench()
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    try:
        with Store(settings) as store:
            results = [
                measure(store, int(b), args.block, args.blocks, args.pairs)
                for b in args.buyers.split(",")
            ]
    finally:
        if launcher is not None:
            launcher.stop()
    splice_section(Path(args.report), section(results, stamp, args.blocks), TITLE[:30])
    if not all(r["equal"] for r in results):
        sys.exit("the deriver with and without its cache derived different states")


if __name__ == "__main__":
    main()
