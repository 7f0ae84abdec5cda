"""Research benchmarks: trust propagation, ring detection and export on seeded graphs with at
least 1,000,000 TRUST relationships, and on twice that graph.

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

Each measurement runs in a fresh Python process (``python -m bench.research MEASURE``) so that
its peak resident memory is its own: ``VmHWM`` of /proc/self/status, which starts anew at exec
(``ru_maxrss`` does not: it keeps the parent's peak across fork and exec). The process's
resident memory after its imports (the baseline) is reported next to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
ID_FIELDS = ("eventId", "buyerId", "hostId", "shopId", "orderId", "reportId", "itemId")


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


def prefixed(events: Iterator[dict[str, Any]], prefix: str) -> Iterator[dict[str, Any]]:
    """The same events with every id prefixed (a second platform that shares nothing)."""
    for e in events:
        if prefix:
            e = dict(e)
            for k in ID_FIELDS:
                if e.get(k) is not None:
                    e[k] = prefix + str(e[k])
        yield e


def load_platform(store: Any, buyers: int, seed: int, prefix: str) -> dict[str, Any]:
    """Seed a platform straight into the graph (no file), without derived state; its ground truth."""
    from graph_api import seed as seedmod
    from graph_api.ingest import Ingester, ingest_stream, validated_events

    events, truth = seedmod.generate(seedmod.SeedConfig(seed=seed, buyers=buyers))
    started = time.perf_counter()
    count = 0

    def counted(stream: Iterator[Any]) -> Iterator[Any]:
        nonlocal count
        for item in stream:
            count += 1
            if count % 500_000 == 0:
                print(f"  {count:,} events in {time.perf_counter() - started:.0f}s", file=sys.stderr)
            yield item

    summary = ingest_stream(Ingester(store, 5000), counted(validated_events(prefixed(events, prefix))),
                            ROOT / "bench" / "out" / "research.rejected.jsonl", f"seed {seed}")
    if summary.rejected:
        raise SystemExit(f"seed {seed}: {summary.rejected} events rejected")
    return {"events": summary.accepted, "import_seconds": time.perf_counter() - started,
            "ring_buyers": sorted(prefix + b for b in truth.ring_buyers)}


def _worker(measure: str, args: list[str], settings: Any) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(NEO4J_URI=settings.bolt_uri, NEO4J_USER=settings.neo4j_user, NEO4J_PASSWORD=settings.neo4j_password,
               NEO4J_DATABASE=settings.neo4j_database)
    done = subprocess.run([sys.executable, "-m", "bench.research", measure, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"bench.research {measure} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_all(settings: Any, truth_path: Path, export_path: Path) -> dict[str, Any]:
    return {"propagation": _worker("propagate", [], settings),
            "rings": _worker("rings", [str(truth_path)], settings),
            "export": _worker("export", [str(export_path)], settings)}


def bench_research(store: Any, settings: Any, buyers: int, out: Path) -> dict[str, Any]:
    """Load both platforms, rescore, measure twice the graph, remove the second, measure again."""
    from graph_api.derive.rebuild import rescore_all
    from scoring.policy import default_policy

    from bench.run import fresh

    fresh(store)
    truth: list[str] = []
    loads = []
    for seed, prefix in ((7, ""), (8, "x")):
        print(f"research: loading seed {seed} ({buyers:,} buyers, prefix {prefix!r})", file=sys.stderr)
        loaded = load_platform(store, buyers, seed, prefix)
        truth += loaded["ring_buyers"]
        loads.append(loaded["import_seconds"])
    rescored = rescore_all(store, default_policy(), store.latest_event_at())
    (out / "research-truth.json").write_text(json.dumps({"ringBuyers": truth}))
    result = measure_sizes(store, settings, out, "x")
    result.update(import_seconds=loads, rescore_seconds=rescored.seconds)
    fresh(store)
    return result


def measure_sizes(store: Any, settings: Any, out: Path, prefix: str) -> dict[str, Any]:
    """Measure the graph as it is (two platforms), delete the platform whose ids start with
    ``prefix``, measure again; the sizes, smallest first."""
    truth_all = json.loads((out / "research-truth.json").read_text())["ringBuyers"]
    sizes = []
    for platforms in (2, 1):
        if platforms == 1:
            started = time.perf_counter()
            remove_platform(store, prefix)
            print(f"research: removed platform {prefix!r} in {time.perf_counter() - started:.0f}s", file=sys.stderr)
            truth = [b for b in truth_all if not b.startswith(prefix)]
        else:
            truth = truth_all
        truth_path = out / f"research-truth-{platforms}x.json"
        truth_path.write_text(json.dumps({"ringBuyers": truth}))
        nodes, rels = store.graph_counts()
        size = {"platforms": platforms, "buyers": nodes.get("Buyer", 0), "events": nodes.get("Event", 0),
                "trust_edges": rels.get("TRUST", 0), "orders": nodes.get("Order", 0),
                **measure_all(settings, truth_path, out / "research-export.graphml")}
        print(f"research: {json.dumps(size)}", file=sys.stderr)
        sizes.append(size)
    (out / "research-export.graphml").unlink(missing_ok=True)
    return {"sizes": sorted(sizes, key=lambda s: s["platforms"])}


def remove_platform(store: Any, prefix: str) -> None:
    """Delete every node of one loaded platform: ids (and standings' entity ids) with ``prefix``.
    Label by label, through the id uniqueness index (``STARTS WITH`` is an index range seek), in
    transactions of 2,000 nodes: a scan of every node with the deletes in it makes Neo4j hold
    them all at once (an eager plan), which does not fit a 2 GB heap."""
    labels = {r["label"] for r in store.driver.execute_query("CALL db.labels() YIELD label RETURN label",
                                                             database_=store.database)[0]} - {"Category"}
    # Leaves first: a host or shop deleted before its orders would take all their relationships
    # into one transaction (over the transaction memory limit).
    first = ["Review", "Complaint", "Inspection", "Penalty", "FalseAdReport", "RightsChange", "Event", "Buyer", "Order"]
    for label in [x for x in first if x in labels] + sorted(labels - set(first)):
        key = "entityId" if label == "Standing" else "id"
        text = (f"MATCH (n:`{label}`) WHERE n.{key} STARTS WITH $p WITH n LIMIT 2000 "
                "DETACH DELETE n RETURN count(*) AS deleted")
        while store.driver.execute_query(text, p=prefix, database_=store.database)[0][0]["deleted"]:
            pass


# -- the measurements, each in its own process -----------------------------------------------------

def _measure_propagate() -> dict[str, Any]:
    from graph_api.research import pretrusted_targets, trust_edges
    from graph_api.settings import load_settings
    from graph_api.store import Store
    from scoring.propagation import propagate

    base = _rss_mb()
    with Store(load_settings()) as store:
        as_of = store.latest_event_at()
        t0 = time.perf_counter()
        edges = list(trust_edges(store))
        t1 = time.perf_counter()
        anchors = pretrusted_targets(store, as_of)
        t2 = time.perf_counter()
    result = propagate(edges, anchors)
    t3 = time.perf_counter()
    return {"edges": len(edges), "pretrusted": len(anchors), "iterations": result.iterations,
            "converged": result.converged, "targets": len(result.targets), "buyers": len(result.buyers),
            "read_seconds": t1 - t0, "pretrust_seconds": t2 - t1, "compute_seconds": t3 - t2,
            "seconds": t3 - t0, "base_rss_mb": base, "peak_rss_mb": _peak_mb()}


def _measure_rings(truth_path: str) -> dict[str, Any]:
    from graph_api.research import find_rings
    from graph_api.settings import load_settings
    from graph_api.store import Store
    from scoring.policy import default_policy
    from scoring.rings import Candidate, detect_rings

    truth = set(json.loads(Path(truth_path).read_text())["ringBuyers"])
    policy = default_policy()
    base = _rss_mb()
    with Store(load_settings()) as store:
        as_of = store.latest_event_at()
        t0 = time.perf_counter()
        rows = store.rows("research/ring_candidates")
        t1 = time.perf_counter()
        candidates = [Candidate(r["buyerId"], float(r["weight"]), tuple(r["signals"]),
                                tuple((s, h, t) for s, h, t in r["orders"])) for r in rows]
        rings = detect_rings(candidates, policy.rings, as_of)
        t2 = time.perf_counter()
        assert len(find_rings(store, policy, as_of)) == len(rings)  # the same path as `trustgraph rings`
    found = {b for r in rings for b in r.members}
    hits = len(found & truth)
    return {"candidates": len(candidates), "rings": len(rings), "flagged": len(found), "planted": len(truth),
            "precision": hits / len(found) if found else None, "recall": hits / len(truth) if truth else None,
            "read_seconds": t1 - t0, "detect_seconds": t2 - t1, "seconds": t2 - t0,
            "base_rss_mb": base, "peak_rss_mb": _peak_mb()}


def _measure_export(path: str) -> dict[str, Any]:
    from graph_api.research.export import ExportFilter, export
    from graph_api.settings import load_settings
    from graph_api.store import Store

    base = _rss_mb()
    with Store(load_settings()) as store:
        summary = export(store, "graphml", Path(path), ExportFilter())
    return {"nodes": summary.nodes, "edges": summary.total_edges, "by_kind": summary.edges,
            "seconds": summary.seconds, "edges_per_second": summary.total_edges / summary.seconds,
            "bytes": Path(path).stat().st_size, "base_rss_mb": base, "peak_rss_mb": _peak_mb()}


def report(rs: dict[str, Any]) -> list[str]:
    sizes = rs["sizes"]
    one = sizes[0]
    lines = ["## Research tools (issue 5)", "", f"- date: {rs['date']}", "",
             "Seeded graphs in the bench Neo4j (`bench/research.py`): `trustgraph seed --seed 7` with "
             f"{one['buyers']:,} buyers and a second platform of the same size (seed 8, every id prefixed `x`) "
             "loaded next to it and rescored: twice the graph. The measurements ran on twice the graph, then "
             "the second platform was deleted and they ran again on the first alone. Each measurement runs in a "
             "fresh process; memory is its peak resident set (`VmHWM`), next to its resident set after its "
             "imports.", "",
             "| graph | buyers | events | trust edges | orders |", "| --- | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        lines.append(f"| {s['platforms']}x | {s['buyers']:,} | {s['events']:,} | {s['trust_edges']:,} | {s['orders']:,} |")
    if rs.get("note"):
        lines += ["", rs["note"]]
    imports = [x for x in rs.get("import_seconds", []) if x]
    if imports:
        lines += ["", "Importing took " + " and ".join(f"{x / 60:.0f} min" for x in imports)
                  + (f"; rescoring {rs['rescore_seconds'] / 60:.1f} min." if rs.get("rescore_seconds") else ".")]
    lines += ["", "| measurement | graph | read from Neo4j | compute | total | peak memory (after imports) |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        p, r = s["propagation"], s["rings"]
        lines.append(f"| propagation (EigenTrust: {p['iterations']} iterations, {p['pretrusted']:,} pre-trusted) | "
                     f"{s['platforms']}x: {p['edges']:,} edges | {p['read_seconds'] + p['pretrust_seconds']:.1f} s | "
                     f"{p['compute_seconds']:.1f} s | {p['seconds']:.1f} s | {p['peak_rss_mb']:,.0f} MB "
                     f"({p['base_rss_mb']:,.0f} MB) |")
        lines.append(f"| ring detection ({r['candidates']:,} candidates, {r['rings']} rings) | {s['platforms']}x | "
                     f"{r['read_seconds']:.1f} s | {r['detect_seconds']:.1f} s | {r['seconds']:.1f} s | "
                     f"{r['peak_rss_mb']:,.0f} MB ({r['base_rss_mb']:,.0f} MB) |")
    if len(sizes) == 2:
        a, b = sizes
        edge_ratio = b["trust_edges"] / a["trust_edges"]
        lines += [""]
        for name, key in (("propagation", "propagation"), ("ring detection", "rings")):
            ratio = b[key]["seconds"] / a[key]["seconds"]
            mem = b[key]["peak_rss_mb"] / a[key]["peak_rss_mb"]
            lines.append(f"- {name}: time ratio for {edge_ratio:.2f}x the trust edges **{ratio:.2f}** (target <= 2.2: "
                         f"{'met' if ratio <= 2.2 else 'NOT met'}); peak memory ratio {mem:.2f}")
        if rs.get("analysis"):
            lines += ["", rs["analysis"]]
    lines += ["", "Ring detection against the planted rings (buyers):", "",
              "| graph | planted ring buyers | flagged | precision | recall |", "| --- | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        r = s["rings"]
        lines.append(f"| {s['platforms']}x | {r['planted']:,} | {r['flagged']:,} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} |")
    lines += ["", "Export (`trustgraph export --format graphml`, the whole graph, streamed to a file):", "",
              "| graph | nodes | edges | seconds | edges/s | file | peak memory |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in sizes:
        e = s["export"]
        lines.append(f"| {s['platforms']}x | {e['nodes']:,} | {e['edges']:,} | {e['seconds']:.1f} | "
                     f"{e['edges_per_second']:,.0f} | {e['bytes'] / 2**20:,.0f} MiB | {e['peak_rss_mb']:,.0f} MB |")
    return lines + [""]


def finish(import_seconds: list[float], rescore_seconds: float | None = None) -> None:
    """Measure a bench graph that holds both platforms already (a run stopped after its rescore):
    what :func:`bench_research` does after loading; results into results.json and the report."""
    from datetime import datetime, timezone

    from graph_api.store import Store

    from bench.run import OUT, settings_for_bench, write_report

    settings, launcher = settings_for_bench()
    results_path = OUT / "results.json"
    results = json.loads(results_path.read_text())
    try:
        with Store(settings) as store:
            measured = measure_sizes(store, settings, OUT, "x")
    finally:
        if launcher is not None:
            launcher.stop()
    results["research"] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **measured,
                           "import_seconds": import_seconds, "rescore_seconds": rescore_seconds}
    results_path.write_text(json.dumps(results, indent=2, default=str))
    write_report(results, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    what, rest = sys.argv[1], sys.argv[2:]
    if what == "finish":
        # finish IMPORT_SECONDS... [rescore=SECONDS], figures of the run that loaded the graph
        finish([float(x) for x in rest if "=" not in x],
               next((float(x.split("=", 1)[1]) for x in rest if x.startswith("rescore=")), None))
        sys.exit(0)
    measures = {"propagate": _measure_propagate, "rings": _measure_rings, "export": _measure_export}
    print(json.dumps(measures[what](*rest)))
