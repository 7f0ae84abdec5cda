"""The research section's measurements, each in a process of its own, and ``finish``.

    python -m bench.research propagate | rings TRUTH.json | export OUT.graphml
    python -m bench.research finish IMPORT_SECONDS... [rescore=SECONDS]

Each measurement runs in a fresh Python process (``python -m bench.research MEASURE``, started by
:func:`measure_all`) so that its peak resident memory is its own: ``VmHWM`` of /proc/self/status,
which starts anew at exec (``ru_maxrss`` does not: it keeps the parent's peak across fork and
exec). The process's resident memory after its imports (the baseline) is reported next to it. So
this module imports only what the measurements need; loading the graph (the seed generator, the
ingester, the rebuild) is in :mod:`bench.research_section`, which the measured processes never
import. ``finish`` measures a graph that a stopped run left loaded and rewrites the report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.graph import OUT, ROOT, settings_for_bench
from bench.report import write_report
from graph_api.research import find_rings, pretrusted_targets, trust_edges
from graph_api.research.export import ExportFilter, export
from graph_api.research.rings import ring_candidates
from graph_api.settings import Settings, load_settings
from graph_api.store import Store
from scoring.policy import default_policy
from scoring.propagation import propagate
from scoring.rings import detect_rings


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_mb() -> float:
    """Resident memory now (MB)."""
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    """Peak resident memory of this process since it started (exec), MB."""
    return _status_mb("VmHWM")


def _worker(measure: str, args: list[str], settings: Settings) -> dict[str, Any]:
    env = settings.child_environment()
    done = subprocess.run(
        [sys.executable, "-m", "bench.research", measure, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.research {measure} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_all(settings: Settings, truth_path: Path, export_path: Path) -> dict[str, Any]:
    return {
        "propagation": _worker("propagate", [], settings),
        "rings": _worker("rings", [str(truth_path)], settings),
        "export": _worker("export", [str(export_path)], settings),
    }


def measure_sizes(store: Store, settings: Settings, out: Path, prefix: str) -> dict[str, Any]:
    """Measure the graph as it is (two platforms), delete the platform whose ids start with
    ``prefix``, measure again; the sizes, smallest first."""
    truth_all = json.loads((out / "research-truth.json").read_text())["ringBuyers"]
    sizes = []
    for platforms in (2, 1):
        if platforms == 1:
            started = time.perf_counter()
            remove_platform(store, prefix)
            print(
                f"research: removed platform {prefix!r} in {time.perf_counter() - started:.0f}s",
                file=sys.stderr,
            )
            truth = [b for b in truth_all if not b.startswith(prefix)]
        else:
            truth = truth_all
        truth_path = out / f"research-truth-{platforms}x.json"
        truth_path.write_text(json.dumps({"ringBuyers": truth}))
        nodes, rels = store.graph_counts()
        size = {
            "platforms": platforms,
            "buyers": nodes.get("Buyer", 0),
            "events": nodes.get("Event", 0),
            "trust_edges": rels.get("TRUST", 0),
            "orders": nodes.get("Order", 0),
            **measure_all(settings, truth_path, out / "research-export.graphml"),
        }
        print(f"research: {json.dumps(size)}", file=sys.stderr)
        sizes.append(size)
    (out / "research-export.graphml").unlink(missing_ok=True)
    return {"sizes": sorted(sizes, key=lambda s: s["platforms"])}


def remove_platform(store: Store, prefix: str) -> None:
    """Delete every node of one loaded platform: ids (and standings' entity ids) with ``prefix``.
    Label by label, through the id uniqueness index (``STARTS WITH`` is an index range seek), in
    transactions of 2,000 nodes: a scan of every node with the deletes in it makes Neo4j hold
    them all at once (an eager plan), which does not fit a 2 GB heap."""
    labels = {
        r["label"]
        for r in store.driver.execute_query(
            "CALL db.labels() YIELD label RETURN label", database_=store.database
        )[0]
    } - {"Category"}
    # Leaves first: a host or shop deleted before its orders would take all their relationships
    # into one transaction (over the transaction memory limit).
    first = [
        "Review",
        "Complaint",
        "Inspection",
        "Penalty",
        "FalseAdReport",
        "RightsChange",
        "Event",
        "Buyer",
        "Order",
    ]
    for label in [x for x in first if x in labels] + sorted(labels - set(first)):
        key = "entityId" if label == "Standing" else "id"
        text = (
            f"MATCH (n:`{label}`) WHERE n.{key} STARTS WITH $p WITH n LIMIT 2000 "
            "DETACH DELETE n RETURN count(*) AS deleted"
        )
        while store.driver.execute_query(text, p=prefix, database_=store.database)[0][0]["deleted"]:
            pass


# -- the measurements, each in its own process -----------------------------------------------------


def graph_clock(store: Store) -> int:
    """The time of the bench graph's latest event, which the measurements and the rescore run as
    of. An empty graph has no clock, and there is nothing to measure: stop with a message."""
    as_of = store.latest_event_at()
    if as_of is None:
        raise SystemExit("the bench graph holds no events: load the platforms first")
    return as_of


def _measure_propagate() -> dict[str, Any]:
    base = _rss_mb()
    with Store(load_settings()) as store:
        as_of = graph_clock(store)
        t0 = time.perf_counter()
        edges = list(trust_edges(store))
        t1 = time.perf_counter()
        anchors = pretrusted_targets(store, as_of)
        t2 = time.perf_counter()
    result = propagate(edges, anchors)
    t3 = time.perf_counter()
    return {
        "edges": len(edges),
        "pretrusted": len(anchors),
        "iterations": result.iterations,
        "converged": result.converged,
        "targets": len(result.targets),
        "buyers": len(result.buyers),
        "read_seconds": t1 - t0,
        "pretrust_seconds": t2 - t1,
        "compute_seconds": t3 - t2,
        "seconds": t3 - t0,
        "base_rss_mb": base,
        "peak_rss_mb": _peak_mb(),
    }


def _measure_rings(truth_path: str) -> dict[str, Any]:
    truth = set(json.loads(Path(truth_path).read_text())["ringBuyers"])
    policy = default_policy()
    base = _rss_mb()
    with Store(load_settings()) as store:
        as_of = graph_clock(store)
        t0 = time.perf_counter()
        candidates = ring_candidates(store)  # the read of its input, decoded
        t1 = time.perf_counter()
        rings = detect_rings(candidates, policy.rings, as_of)
        t2 = time.perf_counter()
        assert len(find_rings(store, policy, as_of)) == len(
            rings
        )  # the same path as `trustgraph rings`
    found = {b for r in rings for b in r.members}
    hits = len(found & truth)
    return {
        "candidates": len(candidates),
        "rings": len(rings),
        "flagged": len(found),
        "planted": len(truth),
        "precision": hits / len(found) if found else None,
        "recall": hits / len(truth) if truth else None,
        "read_seconds": t1 - t0,
        "detect_seconds": t2 - t1,
        "seconds": t2 - t0,
        "base_rss_mb": base,
        "peak_rss_mb": _peak_mb(),
    }


def _measure_export(path: str) -> dict[str, Any]:
    base = _rss_mb()
    with Store(load_settings()) as store:
        summary = export(store, "graphml", Path(path), ExportFilter())
    return {
        "nodes": summary.nodes,
        "edges": summary.total_edges,
        "by_kind": summary.edges,
        "seconds": summary.seconds,
        "edges_per_second": summary.total_edges / summary.seconds,
        "bytes": Path(path).stat().st_size,
        "base_rss_mb": base,
        "peak_rss_mb": _peak_mb(),
    }


def finish(import_seconds: list[float], rescore_seconds: float | None = None) -> None:
    """Measure a bench graph that holds both platforms already (a run stopped after its rescore):
    what :func:`bench.research_section.bench_research` does after loading; results into
    results.json and the report."""
    settings, launcher = settings_for_bench()
    results_path = OUT / "results.json"
    results = json.loads(results_path.read_text())
    try:
        with Store(settings) as store:
            measured = measure_sizes(store, settings, OUT, "x")
    finally:
        if launcher is not None:
            launcher.stop()
    results["research"] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **measured,
        "import_seconds": import_seconds,
        "rescore_seconds": rescore_seconds,
    }
    results_path.write_text(json.dumps(results, indent=2, default=str))
    write_report(results, ROOT / "docs" / "benchmarks.md")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.research", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "propagate", help="trust propagation over the graph's trust edges; JSON on stdout"
    )
    rings = commands.add_parser(
        "rings", help="ring detection, scored against the planted ring buyers; JSON on stdout"
    )
    rings.add_argument("truth", help='a JSON file {"ringBuyers": [...]}')
    exporting = commands.add_parser(
        "export", help="export the whole graph as GraphML; JSON on stdout"
    )
    exporting.add_argument("path", help="the GraphML file to write")
    finishing = commands.add_parser(
        "finish",
        help="measure a graph that holds both platforms already (a run stopped "
        "after its rescore); results into bench/out/results.json and the report",
    )
    # IMPORT_SECONDS... [rescore=SECONDS]: the figures of the run that loaded the graph
    finishing.add_argument("figures", nargs="*", metavar="IMPORT_SECONDS | rescore=SECONDS")
    args = parser.parse_args()
    if args.command == "finish":
        finish(
            [float(x) for x in args.figures if "=" not in x],
            next(
                (float(x.split("=", 1)[1]) for x in args.figures if x.startswith("rescore=")), None
            ),
        )
        return
    if args.command == "propagate":
        measured = _measure_propagate()
    elif args.command == "rings":
        measured = _measure_rings(args.truth)
    else:
        measured = _measure_export(args.path)
    print(json.dumps(measured))  # the last line of stdout is what measure_all reads


if __name__ == "__main__":
    main()
