"""The research section of the benchmarks (``python -m bench.run --sections research``): trust
propagation, ring detection and export on seeded graphs with at least 1,000,000 TRUST
relationships, and on twice that graph.

    python -m bench.run --sections research [--research-buyers 330000]

The graph: a seeded platform (``trustgraph seed``, seed 7, N buyers: about 3.1 trust edges a
buyer, so 330,000 buyers give about 1.0M), imported and rescored in the bench Neo4j. Twice the
graph: a second seeded platform of the same size (seed 8) with every id prefixed ``x``, imported
into the same database next to the first and rescored: two independent platforms side by side,
so every node and edge count doubles while the shape of each part stays a seeded platform's.

Order: both platforms are loaded and rescored, the measurements run on twice the graph, then the
second platform is deleted (every node whose id starts with ``x``, and its standings) and the
same measurements run on the first one alone, so both sizes are measured minutes apart, each
over a graph the rescore left.

This module loads the graph; the measurements are in :mod:`bench.research`, apart from the seed
generator, the ingester and the rebuild imported here, so that a measurement's process does not
carry them (see there).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.graph import OUT, fresh
from bench.research import graph_clock, measure_sizes
from graph_api import seed as seedmod
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester, ingest_stream, validated_events
from graph_api.settings import Settings
from graph_api.store import Store
from scoring.policy import default_policy

ID_FIELDS = ("eventId", "buyerId", "hostId", "shopId", "orderId", "reportId", "itemId")


def prefixed(events: Iterator[dict[str, Any]], prefix: str) -> Iterator[dict[str, Any]]:
    """The same events with every id prefixed (a second platform that shares nothing)."""
    for e in events:
        if prefix:
            e = dict(e)
            for k in ID_FIELDS:
                if e.get(k) is not None:
                    e[k] = prefix + str(e[k])
        yield e


def load_platform(store: Store, buyers: int, seed: int, prefix: str) -> dict[str, Any]:
    """Seed a platform straight into the graph (no file), without derived
    state; its ground truth."""
    events, truth = seedmod.generate(seedmod.SeedConfig(seed=seed, buyers=buyers))
    started = time.perf_counter()
    count = 0

    def counted(stream: Iterator[Any]) -> Iterator[Any]:
        nonlocal count
        for item in stream:
            count += 1
            if count % 500_000 == 0:
                print(
                    f"  {count:,} events in {time.perf_counter() - started:.0f}s", file=sys.stderr
                )
            yield item

    summary = ingest_stream(
        Ingester(store, 5000),
        counted(validated_events(prefixed(events, prefix))),
        OUT / "research.rejected.jsonl",
        f"seed {seed}",
    )
    if summary.rejected:
        raise SystemExit(f"seed {seed}: {summary.rejected} events rejected")
    return {
        "events": summary.accepted,
        "import_seconds": time.perf_counter() - started,
        "ring_buyers": sorted(prefix + b for b in truth.ring_buyers),
    }


def bench_research(store: Store, settings: Settings, buyers: int, out: Path) -> dict[str, Any]:
    """Load both platforms, rescore, measure twice the graph, remove the second, measure again."""
    fresh(store)
    truth: list[str] = []
    loads = []
    for seed, prefix in ((7, ""), (8, "x")):
        print(
            f"research: loading seed {seed} ({buyers:,} buyers, prefix {prefix!r})", file=sys.stderr
        )
        loaded = load_platform(store, buyers, seed, prefix)
        truth += loaded["ring_buyers"]
        loads.append(loaded["import_seconds"])
    rescored = rescore_all(store, default_policy(), graph_clock(store))
    (out / "research-truth.json").write_text(json.dumps({"ringBuyers": truth}))
    result = measure_sizes(store, settings, out, "x")
    result.update(import_seconds=loads, rescore_seconds=rescored.seconds)
    fresh(store)
    return result
