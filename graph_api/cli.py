"""The ``trustgraph`` command line.

    trustgraph neo4j start|stop|status     the local Neo4j that trustgraph installs and runs
    trustgraph import FILE.jsonl           record events from a file (idempotent)
    trustgraph seed [--buyers N] [--out F] generate a realistic platform
    trustgraph stats [--json]              node and relationship counts
    trustgraph rescore [--as-of ISO8601]   rebuild every buyer's trust in hosts and shops
    trustgraph up                          start Neo4j, load and score demo data if the graph is empty
    trustgraph report [--out DIR]          the stranger -> regular funnel: PNG charts and a summary
    trustgraph propagate [--from-buyer ID] hosts and shops ranked by propagated trust

Every error trustgraph expects (bad flags, bad settings, Neo4j down) ends in one line on stderr
and exit code 1 (2 for bad flags), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from graph_api.errors import StoreUnavailable, TrustgraphError
from graph_api.settings import Settings, load_settings


def _bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside {lo}..{hi}")
        return value

    return parse


def _progress(total: int | None, unit: str, desc: str) -> Any:
    from tqdm import tqdm

    # disable=None: a bar on a terminal, silence in logs and CI.
    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, disable=None, file=sys.stderr)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- Neo4j ---------------------------------------------------------------------------------------

def _launcher(settings: Settings) -> Any:
    from graph_api.neo4j_local import LocalNeo4j

    return LocalNeo4j(settings, log=_say)


def cmd_neo4j(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.uses_local_neo4j:
        if args.action == "status":
            store = _open_store(settings)
            store.close()
            print(f"using the existing Neo4j at {settings.neo4j_uri} (NEO4J_URI is set): reachable")
            return 0
        _say(f"NEO4J_URI is set ({settings.neo4j_uri}): trustgraph uses that server and starts or stops nothing")
        return 1
    launcher = _launcher(settings)
    if args.action == "start":
        launcher.start()
        with _open_store(settings) as store:
            count = store.apply_schema()
        _say(f"schema: {count} constraints and indexes in place")
    elif args.action == "stop":
        launcher.stop()
    else:
        status = launcher.status()
        print(status.describe())
        return 0 if status.running else 3
    return 0


def _open_store(settings: Settings) -> Any:
    from graph_api.store import Store

    store = Store(settings)
    try:
        store.verify()
    except StoreUnavailable as exc:
        store.close()
        hint = (
            "start it with `trustgraph neo4j start`"
            if settings.uses_local_neo4j
            else "check NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
        )
        raise StoreUnavailable(settings.bolt_uri, f"{exc.__cause__ or exc}; {hint}") from exc
    return store


# -- import / seed / stats -----------------------------------------------------------------------

def _print_summary(summary: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.to_dict(), indent=2))
        return
    print(
        f"{summary.path}: {summary.lines:,} events read in {summary.seconds:.1f}s "
        f"({summary.events_per_second:,.0f} events/s)\n"
        f"  accepted   {summary.accepted:,}\n  duplicates {summary.duplicates:,}\n  rejected   {summary.rejected:,}"
    )
    for code, n in sorted(summary.rejection_codes.items()):
        print(f"    {code:<18} {n:,}")
    if summary.rescored_buyers or summary.rescored_entities:
        print(f"  rescored   {summary.rescored_buyers:,} buyers and {summary.rescored_entities:,} shops and hosts in "
              f"{summary.derive_seconds:.1f}s ({summary.trust_changes:,} level changes, "
              f"{summary.badge_changes:,} badge changes)")
    if summary.rejected_path:
        print(f"  rejected events with their reasons: {summary.rejected_path}")


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from graph_api.ingest import Ingester, import_jsonl

    path = Path(args.file)
    if not path.is_file():
        raise TrustgraphError(f"cannot import {path}: no such file")
    with _open_store(settings) as store:
        store.apply_schema()
        ingester = Ingester(store, args.batch_size or settings.batch_size, deriver=_deriver(args.derive, store, settings))
        with _progress(path.stat().st_size, "B", f"import {path.name}") as bar:
            summary = import_jsonl(ingester, path, args.rejected, progress=bar.update)
        rebuilt = _rebuild(store, settings, None, 2000) if args.derive == "rebuild" and summary.accepted else None
    if args.json:
        print(json.dumps({**summary.to_dict(), "rebuild": rebuilt.to_dict() if rebuilt else None}, indent=2))
    else:
        _print_summary(summary, False)
        if rebuilt:
            _print_rescore(rebuilt)
    return 0


def _deriver(mode: str, store: Any, settings: Settings) -> Any:
    """The incremental rescoring of ``--derive incremental``, else None."""
    if mode != "incremental":
        return None
    from graph_api.derive import Deriver
    from graph_api.policy_file import load_policy

    return Deriver(store, load_policy(settings))


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from graph_api import seed as seedmod

    try:
        config = seedmod.SeedConfig(
            seed=args.seed, buyers=args.buyers, hosts=args.hosts, shops=args.shops, start=args.start, days=args.days
        )
    except ValueError as exc:
        raise TrustgraphError(f"seed: {exc}") from exc
    events, report = seedmod.generate(config)
    if args.out:
        with _progress(None, " events", f"seed -> {args.out}") as bar:
            count = seedmod.write_jsonl(events, args.out, progress=bar.update)
        _say(f"wrote {count:,} events to {args.out}")
    else:
        from graph_api.ingest import Ingester, ingest_stream, validated_events

        with _open_store(settings) as store:
            store.apply_schema()
            if args.reset:
                _say(f"--reset: deleted {store.wipe():,} nodes")
            ingester = Ingester(store, settings.batch_size, deriver=_deriver(args.derive, store, settings))
            with _progress(None, " events", "seed -> Neo4j") as bar:

                def counted(stream: Any) -> Any:
                    for item in stream:
                        bar.update(1)
                        yield item

                summary = ingest_stream(
                    ingester, counted(validated_events(events)), Path("seed.rejected.jsonl"), f"seed {config.seed}"
                )
            _print_summary(summary, as_json=False)
            if args.derive == "rebuild" and summary.accepted:
                rebuilt = _rebuild(store, settings, None, 2000)
                if rebuilt:
                    _print_rescore(rebuilt)
        clashes = sum(summary.rejection_codes.get(c, 0) for c in ("EVENT_ID_CONFLICT", "DUPLICATE_ORDER", "DUPLICATE_REPORT"))
        if clashes:
            _say(f"note: {clashes:,} generated events clash with what the graph already holds (seeded earlier "
                 "with another --seed or size?); add --reset to replace the graph with this platform")
    if args.truth:
        Path(args.truth).write_text(json.dumps(report.to_dict(), indent=2))
        _say(f"ground truth and calibration written to {args.truth}")
    print(report.summary())
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    with _open_store(settings) as store:
        nodes, rels = store.graph_counts()
    if args.json:
        print(json.dumps({"nodes": nodes, "relationships": rels}, indent=2))
        return 0
    width = max([len(k) for k in [*nodes, *rels]] + [10])
    print(f"nodes ({sum(nodes.values()):,})")
    for label, n in nodes.items():
        print(f"  {label:<{width}} {n:>12,}")
    print(f"relationships ({sum(rels.values()):,})")
    for kind, n in rels.items():
        print(f"  {kind:<{width}} {n:>12,}")
    return 0


def _as_of(text: str) -> int:
    from graph_api.events import parse_at

    try:
        return parse_at(text)
    except Exception as exc:  # events._Invalid: its message says what is wrong
        raise argparse.ArgumentTypeError(getattr(exc, "message", None) or str(exc)) from None


def cmd_rescore(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild all derived state from the facts, as of --as-of or, by default, the latest event in
    the graph (not the wall clock: two runs on the same graph agree)."""
    with _open_store(settings) as store:
        summary = _rebuild(store, settings, args.as_of, args.batch_buyers)
    if summary is None:
        return 0
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        _print_rescore(summary)
    return 0


def _rebuild(store: Any, settings: Settings, as_of: int | None, batch_buyers: int) -> Any:
    """Run the full rebuild with a progress bar; the RescoreSummary, or None on an empty graph."""
    from datetime import datetime, timezone

    from graph_api.policy_file import load_policy
    from graph_api.rescore import rescore_all

    policy = load_policy(settings)  # TRUSTGRAPH_POLICY, or the shipped policy
    as_of = as_of if as_of is not None else store.latest_event_at()
    if as_of is None:
        _say("the graph holds no events: nothing to score")
        return None
    when = datetime.fromtimestamp(as_of / 1000, tz=timezone.utc).isoformat()
    _say(f"rescoring everything as of {when} (policy {policy.version})")
    nodes = store.graph_counts()[0]
    total = nodes.get("Buyer", 0) + nodes.get("Shop", 0) + nodes.get("Host", 0)
    with _progress(total, " buyers/shops/hosts", "rescore") as bar:
        return rescore_all(store, policy, as_of, batch_buyers=batch_buyers, progress=bar.update)


def _print_rescore(summary: Any) -> None:
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(summary.as_of / 1000, tz=timezone.utc).isoformat()
    d = summary.to_dict()
    print(
        f"rescored {summary.buyers:,} buyers as of {when}: {summary.total_pairs:,} pairs and "
        f"{sum(summary.standings.values()):,} shops and hosts in {summary.seconds:.1f}s "
        f"({summary.pairs_per_second:,.0f} pairs/s; "
        f"{summary.reweighted:,} buyers down-weighted as possible throwaway accounts)"
    )
    for kind, levels in d["levels"].items():
        counts = ", ".join(f"{level} {n:,}" for level, n in levels.items())
        print(f"  {kind:<5} {d['pairs'][kind]:>9,}   {counts}")
    if d["badges"]:
        print("  badges   " + ", ".join(f"{k} {n:,}" for k, n in d["badges"].items()))
    print("  tiers    " + ", ".join(f"{k} {n:,}" for k, n in d["tiers"].items()))


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Start the local Neo4j (unless NEO4J_URI is set), apply the schema, load demo data into an
    empty graph and score it, print the counts, then serve the GraphQL API (``make run``)."""
    if settings.uses_local_neo4j:
        _launcher(settings).start()
    with _open_store(settings) as store:
        store.apply_schema()
        nodes, _ = store.graph_counts()
    if sum(nodes.values()) == 0:
        _say(f"the graph is empty: loading a demo platform ({args.demo_buyers:,} buyers, seed 7)")
        seed_args = argparse.Namespace(
            seed=7, buyers=args.demo_buyers, hosts=None, shops=None, start="2021-06-01", days=180,
            out=None, reset=False, truth=None, derive="rebuild",
        )
        cmd_seed(seed_args, settings)
    else:
        _say("the graph already holds data: not loading the demo")
    cmd_stats(argparse.Namespace(json=False), settings)
    if args.no_serve:
        return 0
    return cmd_serve(argparse.Namespace(host=args.host, port=args.port, workers=1, no_neo4j=True), settings)


DERIVE_MODES = ("incremental", "rebuild", "none")


def cmd_rings(args: argparse.Namespace, settings: Settings) -> int:
    """Find brushing rings (scoring/rings.py); with --truth, score them against a seed's planted
    rings; with --apply, mark their members so that the next rescore caps their weight."""
    from graph_api.policy_file import load_policy
    from graph_api.research import apply_rings, find_rings
    from scoring.rings import precision_recall

    policy = load_policy(settings)
    with _open_store(settings) as store:
        rings = find_rings(store, policy)
        marked = apply_rings(store, rings) if args.apply else 0
    found = sorted({b for r in rings for b in r.members})
    result: dict[str, Any] = {"rings": [{"id": r.id, "shopId": r.shop_id, "hostId": r.host_id, "size": len(r.members),
                                         "score": round(r.score, 3), "members": list(r.members)} for r in rings],
                              "buyersFlagged": len(found), "applied": marked}
    if args.truth:
        try:
            truth = json.loads(Path(args.truth).read_text())
            planted = [b for ring in truth["rings"] for b in ring["buyerIds"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TrustgraphError(f"rings: cannot read the ground truth {args.truth}: {exc}") from exc
        precision, recall = precision_recall(found, planted)
        result.update(planted=len(planted), precision=round(precision, 4), recall=round(recall, 4))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{len(rings)} rings, {len(found):,} buyers flagged" + (f"; {marked:,} marked (run trustgraph rescore "
                                                                     "to apply their weight)" if args.apply else ""))
    for r in rings:
        print(f"  {r.id}: {len(r.members)} accounts, score {r.score:.2f}")
    if args.truth:
        print(f"against {args.truth}: precision {result['precision']:.3f}, recall {result['recall']:.3f} "
              f"({result['planted']:,} planted buyers)")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """The funnel as PNG charts, a Markdown summary and JSON (graph_api/report.py)."""
    from graph_api.funnel import compute_funnel
    from graph_api.policy_file import load_policy
    from graph_api.report import write_report

    if args.since is not None and args.until is not None and args.until < args.since:
        raise TrustgraphError("report: --until must not be before --since")
    policy = load_policy(settings)
    category = args.category.strip().lower() if args.category else None
    kind = args.kind.upper() if args.kind else None
    with _open_store(settings) as store:
        clock = store.latest_event_at()
        if clock is None:
            _say("the graph holds no events: nothing to report (trustgraph seed loads a platform)")
            return 0
        buyers = store.graph_counts()[0].get("Buyer", 0)
        with _progress(buyers, " buyers", "funnel") as bar:
            funnel = compute_funnel(store, policy, clock=clock, since=args.since, until=args.until, period=args.period.upper(),
                               horizon_days=args.horizon_days, category=category, kind=kind, progress=bar.update)
    try:
        written = write_report(funnel, Path(args.out), as_of=clock, policy_version=policy.version, category=category,
                               kind=kind)
    except OSError as exc:
        raise TrustgraphError(f"report: cannot write to {args.out}: {exc.strerror or exc}") from exc
    print(f"funnel of {funnel.pairs:,} pairs written to {args.out}/: " + ", ".join(p.name for p in written))
    return 0


def cmd_propagate(args: argparse.Namespace, settings: Settings) -> int:
    """Hosts and shops ranked by propagated trust (EigenTrust over the stored TRUST)."""
    from graph_api.research import NoAnchor, propagate_stored

    if not 0.0 < args.alpha < 1.0:
        raise TrustgraphError(f"propagate: --alpha must be between 0 and 1, exclusive (got {args.alpha:g})")
    anchors = None
    if args.pretrusted:
        anchors = []
        for value in args.pretrusted:
            kind, _, ident = value.partition(":")
            if kind not in ("HOST", "SHOP") or not ident:
                raise TrustgraphError(f"propagate: --pretrusted {value!r} must be HOST:<id> or SHOP:<id>")
            anchors.append(value)
    with _open_store(settings) as store:
        as_of = store.latest_event_at()
        if as_of is None:
            _say("the graph holds no events: nothing to propagate")
            return 0
        buyers = store.graph_counts()[0].get("Buyer", 0)
        with _progress(buyers, " buyers", "trust edges") as bar:
            try:
                g = propagate_stored(store, as_of, pretrusted=anchors, from_buyer=args.from_buyer, alpha=args.alpha,
                                     progress=bar.update)
            except NoAnchor as exc:
                raise TrustgraphError(f"propagate: {exc}") from None
    kind = args.kind.upper() if args.kind else None
    ranking = g.ranking(kind, args.top, exclude_known=args.from_buyer is not None and not args.include_known)
    if args.json:
        print(json.dumps({"asOf": as_of, "fromBuyer": g.from_buyer, "pretrusted": list(g.pretrusted), "edges": g.edges,
                          "iterations": g.result.iterations, "converged": g.result.converged,
                          "ranking": [{"kind": k, "id": i, "trust": v, "known": f"{k}:{i}" in g.known}
                                      for k, i, v in ranking]}, indent=2))
        return 0
    seen_from = f"seen from buyer {g.from_buyer}" if g.from_buyer else f"anchored on {len(g.pretrusted):,} pre-trusted"
    print(f"trust propagated over {g.edges:,} trust edges, {seen_from}: {g.result.iterations} iterations, "
          f"{'converged' if g.result.converged else 'NOT converged'}, {g.seconds:.1f}s")
    for rank, (k, i, v) in enumerate(ranking, 1):
        print(f"{rank:>4}. {k:<4} {i:<12} {v:.6f}" + ("  (known)" if f"{k}:{i}" in g.known else ""))
    return 0


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """What a candidate policy would change, against the policy in force, writing nothing."""
    from datetime import datetime, timezone

    from graph_api.policy_file import load_policy
    from graph_api.simulate import simulate
    from scoring.policy import parse_policy

    try:
        text = Path(args.policy).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrustgraphError(f"simulate: cannot read the policy {args.policy}: {exc.strerror}") from exc
    try:
        candidate = parse_policy(text, args.policy)
    except ValueError as exc:
        raise TrustgraphError(f"simulate: {exc}") from exc
    current = load_policy(settings)
    with _open_store(settings) as store:
        as_of = args.as_of if args.as_of is not None else store.latest_event_at()
        if as_of is None:
            _say("the graph holds no events: nothing to simulate")
            return 0
        nodes = store.graph_counts()[0]
        total = nodes.get("Buyer", 0) + nodes.get("Shop", 0) + nodes.get("Host", 0)
        with _progress(total, " buyers/shops/hosts", "simulate") as bar:
            sim = simulate(store, current, candidate, as_of, examples=args.examples, progress=bar.update)
    if args.json:
        print(json.dumps(sim.to_dict(), indent=2))
        return 0
    when = datetime.fromtimestamp(as_of / 1000, tz=timezone.utc).isoformat()
    print(f"policy {candidate.version} against {current.version}, as of {when}: {sim.pairs:,} pairs, "
          f"{sim.entities:,} shops and hosts, in {sim.seconds:.1f}s (nothing written)")
    shifted = sum(sim.level_shifts.values())
    print(f"  level shifts: {shifted:,}" + ("" if shifted else " (none)"))
    for (kind, a, b), n in sorted(sim.level_shifts.items()):
        print(f"    {kind:<5} {a} -> {b}: {n:,}")
    for label, counter in (("badges gained", sim.badges_gained), ("badges lost", sim.badges_lost)):
        print(f"  {label}: " + (", ".join(f"{k} {n:,}" for k, n in sorted(counter.items())) or "none"))
    print("  tier changes: " + (", ".join(f"{k} {a}->{b} {n:,}" for (k, a, b), n in sorted(sim.tier_changes.items()))
                                or "none"))
    print("  boost multipliers: " + (", ".join(f"{k} {d.lower()} {n:,} (mean {sim.boost_deltas[(k, d)] / n:+.3f})"
                                               for (k, d), n in sorted(sim.boost_changes.items())) or "unchanged"))
    for what, items in sim.examples.items():
        print(f"  e.g. {what}: " + "; ".join(items))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export the trust graph (see graph_api/export.py) as GraphML, JSON or CSV, streaming."""
    from graph_api.export import ExportError, ExportFilter, export

    try:
        f = ExportFilter(since=args.since, until=args.until, category=args.category, center=args.center,
                         depth=args.depth, max_nodes=args.max_nodes)
    except ExportError as exc:
        raise TrustgraphError(f"export: {exc}") from exc
    out = Path(args.out)
    with _open_store(settings) as store:
        buyers = store.graph_counts()[0].get("Buyer", 0)
        with _progress(buyers, " buyers", f"export {args.format}") as bar:
            try:
                summary = export(store, args.format, out, f, progress=bar.update)
            except ExportError as exc:
                raise TrustgraphError(f"export: {exc}") from exc
    edges = ", ".join(f"{k} {n:,}" for k, n in sorted(summary.edges.items()))
    print(f"wrote {out}: {summary.nodes:,} nodes, {summary.total_edges:,} edges ({edges}) in {summary.seconds:.1f}s "
          f"({summary.total_edges / summary.seconds if summary.seconds else 0:,.0f} edges/s)")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the GraphQL API with uvicorn. Each worker process reads the environment once
    (the same settings as this command) and follows the change log for its subscribers."""
    import uvicorn

    if settings.uses_local_neo4j and not args.no_neo4j:
        _launcher(settings).start()
    _say(f"serving GraphQL on http://{args.host}:{args.port}/graphql "
         f"({args.workers} worker{'s' if args.workers > 1 else ''}; GraphiQL "
         f"{'on' if settings.graphiql else 'off'}); health: /healthz, /readyz; metrics: /metrics")
    _say("first query to try:  { badges(shopIds: [\"s00010\", \"s00031\", \"s00003\"]) { id name badge { eligible badges } "
         "boost { multiplier tier } } }")
    uvicorn.run("graph_api.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_config=None, access_log=False, ws="websockets-sansio")
    return 0


# -- wiring --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trustgraph", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("neo4j", help="start, stop or inspect the local Neo4j")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_neo4j)

    p = sub.add_parser("import", help="record the events of a JSONL file")
    p.add_argument("file", help="a file with one JSON event per line")
    p.add_argument("--batch-size", type=_bounded_int(1, 100_000), default=None,
                   help="events per transaction (default: TRUSTGRAPH_BATCH_SIZE or 5000)")
    p.add_argument("--rejected", default=None, help="where to write rejected events (default FILE.rejected.jsonl)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--derive", choices=DERIVE_MODES, default="incremental",
                   help="keep trust and standings current: rescore what each batch touched (incremental, the "
                        "default), rebuild everything once at the end (rebuild: faster for a first bulk load), "
                        "or leave it to `trustgraph rescore` (none)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("seed", help="generate a realistic platform into the graph or a file")
    p.add_argument("--seed", type=_bounded_int(0, 2**31 - 1), default=7, help="random seed (default 7)")
    p.add_argument("--buyers", type=_bounded_int(1, 10_000_000), default=2000, help="number of buyers (default 2000)")
    p.add_argument("--hosts", type=_bounded_int(1, 1_000_000), default=None, help="number of hosts (default: from buyers)")
    p.add_argument("--shops", type=_bounded_int(1, 1_000_000), default=None, help="number of shops (default: from buyers)")
    p.add_argument("--start", default="2021-06-01", help="first day, YYYY-MM-DD (default 2021-06-01)")
    p.add_argument("--days", type=_bounded_int(1, 3650), default=180, help="days of activity (default 180)")
    p.add_argument("--out", default=None, help="write JSONL here instead of into the graph")
    p.add_argument("--reset", action="store_true", help="delete everything in the graph first")
    p.add_argument("--truth", default=None, help="write the planted bad actors and calibration as JSON here")
    p.add_argument("--derive", choices=DERIVE_MODES, default="rebuild",
                   help="into the graph: rebuild derived state once at the end (default), rescore per batch "
                        "(incremental) or not at all (none)")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("stats", help="node counts by label, relationship counts by type")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("rescore", help="rebuild all derived state (trust, weights, badges, boosts) from the facts")
    p.add_argument("--as-of", type=_as_of, default=None,
                   help="evaluation time, ISO-8601 with offset (default: the latest event in the graph)")
    p.add_argument("--batch-buyers", type=_bounded_int(1, 100_000), default=2000,
                   help="buyers read and written per transaction (default 2000)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_rescore)

    p = sub.add_parser("simulate", help="what a candidate policy would change (levels, badges, tiers), writing nothing")
    p.add_argument("--policy", required=True, help="the candidate policy file (TOML, like scoring/policies/v1.toml)")
    p.add_argument("--as-of", type=_as_of, default=None, help="evaluation time (default: the latest event)")
    p.add_argument("--examples", type=_bounded_int(0, 100), default=5, help="examples per kind of change (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("report", help="the stranger -> regular funnel as PNG charts and a Markdown summary")
    p.add_argument("--out", default="report", help="the directory to write (default ./report)")
    p.add_argument("--period", choices=["day", "week", "month"], default="month", help="period length (default month)")
    p.add_argument("--since", type=_as_of, default=None, help="window start, ISO-8601 with offset (default: first fact)")
    p.add_argument("--until", type=_as_of, default=None, help="window end (default: the latest event)")
    p.add_argument("--category", default=None, help="only hosts and shops of this category")
    p.add_argument("--kind", choices=["host", "shop"], default=None, help="only buyer -> host or buyer -> shop pairs")
    p.add_argument("--horizon-days", type=_bounded_int(1, 365), default=90,
                   help="conversion counts levels reached within this many days of a pair's first fact (default 90)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("propagate", help="hosts and shops ranked by trust propagated over buyers' trust (EigenTrust)")
    p.add_argument("--pretrusted", nargs="+", default=None, metavar="KIND:ID",
                   help="anchors, HOST:<id> or SHOP:<id> (default: shops whose inspections pass, hosts with a long "
                        "clean record)")
    p.add_argument("--from-buyer", default=None, help="personalized: what buyers like this one trust")
    p.add_argument("--include-known", action="store_true", help="with --from-buyer: keep what the buyer already knows")
    p.add_argument("--kind", choices=["host", "shop"], default=None, help="rank only hosts or only shops")
    p.add_argument("--top", type=_bounded_int(1, 1_000_000), default=20, help="how many to list (default 20)")
    p.add_argument("--alpha", type=float, default=0.15, help="restart probability, in (0, 1) (default 0.15)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_propagate)

    p = sub.add_parser("rings", help="find brushing rings; --truth to score them, --apply to weigh them down")
    p.add_argument("--truth", default=None, help="a seed's ground truth (trustgraph seed --truth FILE) to score against")
    p.add_argument("--apply", action="store_true", help="mark the members (the next rescore caps their weight)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_rings)

    p = sub.add_parser("export", help="export the trust graph as GraphML, JSON (networkx node-link) or CSV")
    p.add_argument("--format", choices=["graphml", "json", "csv"], default="graphml")
    p.add_argument("--out", required=True, help="the file to write (a directory for csv)")
    p.add_argument("--since", type=_as_of, default=None, help="orders placed at or after this time (ISO-8601 with offset)")
    p.add_argument("--until", type=_as_of, default=None, help="orders placed at or before this time")
    p.add_argument("--category", default=None, help="only hosts and shops of this category")
    p.add_argument("--center", default=None, help="only the neighbourhood of HOST:<id>, SHOP:<id> or BUYER:<id>")
    p.add_argument("--depth", type=_bounded_int(1, 6), default=2, help="hops around --center (default 2)")
    p.add_argument("--max-nodes", type=_bounded_int(1, 10_000_000), default=100_000,
                   help="at most this many nodes around --center (default 100,000)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", help="serve the GraphQL API (starts the local Neo4j unless NEO4J_URI is set)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=_bounded_int(1, 65535), default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=_bounded_int(1, 64), default=1, help="worker processes (default 1)")
    p.add_argument("--no-neo4j", action="store_true", help="do not start the local Neo4j (it runs already)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("up", help="start Neo4j, load demo data if the graph is empty, print stats, serve the API")
    p.add_argument("--demo-buyers", type=_bounded_int(1, 1_000_000), default=2000, help="demo size (default 2000)")
    p.add_argument("--host", default="127.0.0.1", help="interface to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=_bounded_int(1, 65535), default=8000, help="port to serve on (default 8000)")
    p.add_argument("--no-serve", action="store_true", help="stop after loading and printing the stats")
    p.set_defaults(func=cmd_up)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return args.func(args, settings)
    except TrustgraphError as exc:
        _say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("interrupted: every batch that finished is recorded; run the same command again to resume")
        return 130


if __name__ == "__main__":
    sys.exit(main())
