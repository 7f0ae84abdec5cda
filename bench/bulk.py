"""The bulk path against the transactional import: the same seeded file loaded into an empty
graph both ways, in one run; writes its section of docs/benchmarks.md.

    python -m bench.bulk [--buyers 20000] [--seed 7]

Against the bench Neo4j (bench.graph: a local server of its own; the bulk path stops and
restarts it, so NEO4J_URI is refused). Both paths leave derived state to the full rebuild, which
is the same on both (tests/integration/test_bulk.py proves the graphs equal), so the figures
compare the loads:

  import  `trustgraph import --derive none`'s path: parse, validate, check, write, 5,000 a batch
  bulk    `trustgraph import --bulk --derive none`'s path: parse, validate, plan the same
          batches in memory, CSV files, stop the server (during the reading), neo4j-admin
          database import full, start the server, constraints and indexes; timed from the
          first line read to the schema online

With --with-derived, then both commands as a user runs them, derived state included:
`trustgraph import FILE` (derivation beside it) and `trustgraph import --bulk FILE` (the full
rebuild after it), timed end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.report import splice_section
from bench.run import machine, seeded_file
from graph_api.ingest import Ingester, import_jsonl
from graph_api.ingest.bulk_load import BULK_WORKERS, BulkLoad, check_target
from graph_api.settings import Settings
from graph_api.store import Store

TITLE = "## Bulk load (`trustgraph import --bulk`; issue 12)"


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def measure(settings: Settings, path: Path, events: int, batch_size: int) -> dict[str, Any]:
    results: dict[str, Any] = {"events": events, "bytes": path.stat().st_size}
    results["load_average"] = [os.getloadavg()[0]]
    with Store(settings) as store:
        fresh(store)
        summary = import_jsonl(Ingester(store, batch_size), path, OUT / "bulk-import.rejected")
        nodes, rels = store.graph_counts()
    results["import"] = {"seconds": summary.seconds, "accepted": summary.accepted}
    results["import_graph"] = {"nodes": nodes, "relationships": rels}
    _log(f"import: {summary.events_per_second:,.0f} events/s")

    started = time.perf_counter()
    load = BulkLoad(settings, check_target(settings, replace=True, log=_log), batch_size, log=_log)
    read = import_jsonl(
        load.writer, path, OUT / "bulk-bulk.rejected", workers=BULK_WORKERS, threaded=False
    )
    read_seconds = time.perf_counter() - started
    loaded = load.finish()
    seconds = time.perf_counter() - started
    with Store(settings) as store:
        nodes, rels = store.graph_counts()
    results["bulk"] = {
        "seconds": seconds,
        "read_seconds": read_seconds,
        "accepted": read.accepted,
        "load": loaded.to_dict(),
        "workers": BULK_WORKERS,
    }
    results["bulk_graph"] = {"nodes": nodes, "relationships": rels}
    _log(f"bulk: {events / seconds:,.0f} events/s")
    results["load_average"].append(os.getloadavg()[0])
    return results


def _cli(env: dict[str, str], *args: str) -> float:
    """Run ``trustgraph ARGS``; its wall-clock seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "graph_api.cli", *args], env=env, check=True)
    return time.perf_counter() - started


def _derived_counts(store: Store) -> dict[str, int]:
    records, _, _ = store.driver.execute_query(
        "MATCH ()-[t:TRUST]->() WITH count(t) AS trust MATCH (st:Standing) "
        "RETURN trust, count(st) AS standings",
        database_=store.database,
    )
    return {"trust": int(records[0]["trust"]), "standings": int(records[0]["standings"])}


def measure_derived(settings: Settings, path: Path) -> dict[str, Any]:
    """The two commands as a user runs them, derived state included: `trustgraph import FILE`
    (derivation beside the import, the default) and `trustgraph import --bulk FILE` (the full
    rebuild after the load, its default), each into an empty graph, timed end to end."""
    results: dict[str, Any] = {"load_average": [os.getloadavg()[0]]}
    local = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRUSTGRAPH_"))}
    local.update(
        TRUSTGRAPH_NEO4J_HOME=str(settings.neo4j_home),
        TRUSTGRAPH_NEO4J_BOLT_PORT=str(settings.bolt_port),
        TRUSTGRAPH_NEO4J_HTTP_PORT=str(settings.http_port),
        TRUSTGRAPH_NEO4J_HEAP=settings.heap_size,
        TRUSTGRAPH_NEO4J_PAGECACHE=settings.pagecache_size,
        NEO4J_PASSWORD=settings.neo4j_password,
    )
    for name, env, args in (
        ("import", settings.child_environment(), ("import", str(path))),
        ("bulk", local, ("import", "--bulk", str(path))),
    ):
        with Store(settings) as store:
            fresh(store)
        seconds = _cli(env, *args, "--rejected", str(OUT / f"bulk-{name}.rejected"))
        with Store(settings) as store:
            results[name] = {"seconds": seconds, **_derived_counts(store)}
        _log(f"{name} with derived state: {seconds:.1f} s")
    results["load_average"].append(os.getloadavg()[0])
    return results


def derived_lines(d: dict[str, Any], events: int) -> list[str]:
    imp, bulk = d["import"], d["bulk"]
    ratio = imp["seconds"] / bulk["seconds"]
    return [
        "",
        "The same file through both commands as a user runs them, derived state included, each "
        "into an empty graph and timed end to end (load average "
        f"{d['load_average'][0]:.1f} at the start, {d['load_average'][1]:.1f} at the end):",
        "",
        "| command | events | seconds | events/s | TRUST relationships | Standing nodes |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| `trustgraph import FILE` (derivation beside it, the default) | {events:,} | "
        f"{imp['seconds']:.1f} | {events / imp['seconds']:,.0f} | {imp['trust']:,} | "
        f"{imp['standings']:,} |",
        f"| `trustgraph import --bulk FILE` (the full rebuild after it, the default) | "
        f"{events:,} | {bulk['seconds']:.1f} | {events / bulk['seconds']:,.0f} | "
        f"{bulk['trust']:,} | {bulk['standings']:,} |",
        "",
        f"- bulk / import, derived state included = **{ratio:.1f}x**"
        f" (target: at least 10x) — {'met' if ratio >= 10 else 'NOT met'}",
        "",
    ]


def section(r: dict[str, Any], stamp: str) -> list[str]:
    imp, bulk = r["import"], r["bulk"]
    load = bulk["load"]
    imp_rate = r["events"] / imp["seconds"]
    bulk_rate = r["events"] / bulk["seconds"]
    ratio = bulk_rate / imp_rate
    verdict = "met" if ratio >= 10 else "NOT met"
    same = r["import_graph"] == r["bulk_graph"]
    nodes = sum(r["bulk_graph"]["nodes"].values())
    rels = sum(r["bulk_graph"]["relationships"].values())
    return [
        TITLE,
        "",
        f"- date: {stamp}",
        f"- machine: {machine()}",
        "",
        f"A seeded file of {r['events']:,} events ({r['bytes'] / 1e6:.0f} MB; `bench.run`'s "
        "seeded platform) loaded into an empty graph through transactions "
        "(`trustgraph import --derive none`, batches of 5,000) and through the bulk path "
        "(`trustgraph import --bulk --derive none`: the same batches planned in memory, CSV "
        "files, `neo4j-admin database import full`, the server restarted, constraints and "
        "indexes online), in one run. Derived state is the same full rebuild after either "
        "(see the rescore section), so it is left out of both. The machine was shared with "
        "other work while this ran (load average "
        f"{r['load_average'][0]:.1f} at the start, {r['load_average'][1]:.1f} at the end, on 2 "
        "cores): compare within the run.",
        "",
        "| path | events | seconds | events/s |",
        "| --- | ---: | ---: | ---: |",
        f"| `trustgraph import FILE` | {r['events']:,} | {imp['seconds']:.1f} | {imp_rate:,.0f} |",
        f"| `trustgraph import --bulk FILE` | {r['events']:,} | {bulk['seconds']:.1f} | "
        f"{bulk_rate:,.0f} |",
        "",
        f"- bulk / import = **{ratio:.1f}x** (target: at least 10x) — {verdict}",
        f"- where the bulk load's {bulk['seconds']:.1f} s went: reading, validating (in "
        f"{bulk['workers']} processes) and planning {bulk['read_seconds']:.1f} s (the server "
        f"stopping meanwhile), the rest of the CSV {load['csvSeconds']:.1f} s, waiting for the "
        f"stop {load['stopSeconds']:.1f} s, neo4j-admin {load['importSeconds']:.1f} s, "
        f"restarting the server {load['startSeconds']:.1f} s, constraints and indexes "
        f"{load['schemaSeconds']:.1f} s.",
        f"- both graphs: {nodes:,} nodes and {rels:,} relationships; counts by label and type "
        f"{'identical' if same else 'DIFFERENT'} (every property: tests/integration/test_bulk.py).",
        "- the bulk path's fixed costs (stopping and starting the server, the tool's JVM, "
        "building the indexes) are paid once per load, so its rate grows with the file; the "
        "Python that replays the batches bounds the rest.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--with-derived",
        action="store_true",
        help="then both commands with derived state (slow: derivation beside the import)",
    )
    args = parser.parse_args()
    path, events = seeded_file(args.buyers, args.seed)
    settings, neo4j = settings_for_bench()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        results = measure(settings, path, events, args.batch_size)
        (OUT / "bulk.json").write_text(json.dumps(results, indent=2))
        splice_section(Path(args.report), section(results, stamp), TITLE.split("(")[0])
        if args.with_derived:
            results["derived"] = measure_derived(settings, path)
            (OUT / "bulk.json").write_text(json.dumps(results, indent=2))
            lines = section(results, stamp)
            splice_section(
                Path(args.report),
                lines[:-1] + derived_lines(results["derived"], events),
                TITLE.split("(")[0],
            )
    finally:
        if neo4j is not None:
            neo4j.stop()


if __name__ == "__main__":
    main()
