"""Research commands: ``simulate``, ``report``, ``propagate``, ``rings`` and ``export``. Each calls
the same use case as its GraphQL field (:class:`graph_api.usecases.Trustgraph`), with the same
argument checks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from graph_api.cli.console import buyers, buyers_shops_hosts, progress, say, trustgraph
from graph_api.cli.output import iso
from graph_api.errors import BadInput, OutputError
from graph_api.research.report import write_report
from graph_api.settings import Settings
from graph_api.usecases import arguments as check
from scoring.rings import precision_recall


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """What a candidate policy would change, against the policy in force, writing nothing."""
    try:
        text = Path(args.policy).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput("policy", f"cannot read the policy {args.policy}: {exc.strerror}") from exc
    with trustgraph(settings) as tg:
        as_of = args.as_of if args.as_of is not None else tg.clock()
        if as_of is None:
            say("the graph holds no events: nothing to simulate")
            return 0
        with progress(buyers_shops_hosts(tg.store), " buyers/shops/hosts", "simulate") as bar:
            sim = tg.simulate(
                text, source=args.policy, examples=args.examples, as_of=as_of, progress=bar.update
            )
    if args.json:
        print(json.dumps(sim.to_dict(), indent=2))
        return 0
    print(
        f"policy {sim.candidate} against {sim.current}, as of {iso(as_of)}: {sim.pairs:,} pairs, "
        f"{sim.entities:,} shops and hosts, in {sim.seconds:.1f}s (nothing written)"
    )
    shifted = sum(sim.level_shifts.values())
    print(f"  level shifts: {shifted:,}" + ("" if shifted else " (none)"))
    for (kind, a, b), n in sorted(sim.level_shifts.items()):
        print(f"    {kind:<5} {a} -> {b}: {n:,}")
    for label, counter in (("badges gained", sim.badges_gained), ("badges lost", sim.badges_lost)):
        print(
            f"  {label}: " + (", ".join(f"{k} {n:,}" for k, n in sorted(counter.items())) or "none")
        )
    print(
        "  tier changes: "
        + (
            ", ".join(f"{k} {a}->{b} {n:,}" for (k, a, b), n in sorted(sim.tier_changes.items()))
            or "none"
        )
    )
    print(
        "  boost multipliers: "
        + (
            ", ".join(
                f"{k} {d.lower()} {n:,} (mean {sim.boost_deltas[(k, d)] / n:+.3f})"
                for (k, d), n in sorted(sim.boost_changes.items())
            )
            or "unchanged"
        )
    )
    for what, items in sim.examples.items():
        print(f"  e.g. {what}: " + "; ".join(items))
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """The funnel as PNG charts, a Markdown summary and JSON (graph_api/research/report.py)."""
    kind = args.kind.upper() if args.kind else None
    category = check.category(args.category)
    with trustgraph(settings) as tg:
        if tg.clock() is None:
            say("the graph holds no events: nothing to report (trustgraph seed loads a platform)")
            return 0
        with progress(buyers(tg.store), " buyers", "funnel") as bar:
            funnel, clock = tg.funnel(
                period=args.period.upper(),
                since=args.since,
                until=args.until,
                category=category,
                kind=kind,
                horizon_days=args.horizon_days,
                progress=bar.update,
            )
        version = tg.policy_version
    try:
        written = write_report(
            funnel,
            Path(args.out),
            as_of=clock,
            policy_version=version,
            category=category,
            kind=kind,
        )
    except OSError as exc:
        raise OutputError("report", args.out, exc.strerror or str(exc)) from exc
    print(
        f"funnel of {funnel.pairs:,} pairs written to {args.out}/: "
        + ", ".join(p.name for p in written)
    )
    return 0


def cmd_propagate(args: argparse.Namespace, settings: Settings) -> int:
    """Hosts and shops ranked by propagated trust (EigenTrust over the stored TRUST)."""
    with trustgraph(settings) as tg:
        as_of = tg.clock()
        if as_of is None:
            say("the graph holds no events: nothing to propagate")
            return 0
        with progress(buyers(tg.store), " buyers", "trust edges") as bar:
            g = tg.ranking(
                from_buyer=args.from_buyer,
                pretrusted=args.pretrusted,
                alpha=args.alpha,
                progress=bar.update,
            )
    kind = args.kind.upper() if args.kind else None
    ranking = g.ranking(
        kind, args.top, exclude_known=args.from_buyer is not None and not args.include_known
    )
    if args.json:
        print(
            json.dumps(
                {
                    "asOf": as_of,
                    "fromBuyer": g.from_buyer,
                    "pretrusted": list(g.pretrusted),
                    "edges": g.edges,
                    "iterations": g.result.iterations,
                    "converged": g.result.converged,
                    "ranking": [
                        {"kind": k, "id": i, "trust": v, "known": f"{k}:{i}" in g.known}
                        for k, i, v in ranking
                    ],
                },
                indent=2,
            )
        )
        return 0
    seen_from = (
        f"seen from buyer {g.from_buyer}"
        if g.from_buyer
        else f"anchored on {len(g.pretrusted):,} pre-trusted"
    )
    print(
        f"trust propagated over {g.edges:,} trust edges, {seen_from}: {g.result.iterations} "
        f"iterations, {'converged' if g.result.converged else 'NOT converged'}, {g.seconds:.1f}s"
    )
    for rank, (k, i, v) in enumerate(ranking, 1):
        print(f"{rank:>4}. {k:<4} {i:<12} {v:.6f}" + ("  (known)" if f"{k}:{i}" in g.known else ""))
    return 0


def cmd_rings(args: argparse.Namespace, settings: Settings) -> int:
    """Find brushing rings (scoring/rings.py) and the policy's groups (lockstep, dense blocks,
    and with v4 weighed crowds and claim bursts: scoring/lockstep.py, fraudar.py, crowds.py); with
    --truth, score them against a seed's planted rings and attack accounts; with --apply, mark
    their members so that the next rescore caps their weight."""
    planted: list[str] | None = None
    if args.truth:
        try:
            truth = json.loads(Path(args.truth).read_text())
            planted = [b for ring in truth["rings"] for b in ring["buyerIds"]]
            planted += [b for attack in truth.get("attacks", ()) for b in attack["buyerIds"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadInput("truth", f"cannot read the ground truth {args.truth}: {exc}") from exc
    with trustgraph(settings) as tg:
        rings, groups, marked = tg.rings(apply=args.apply)
        caps = tg.ring_caps() if args.apply else None
    found = sorted({b for r in rings for b in r.members} | {b for g in groups for b in g.members})
    result: dict[str, Any] = {
        "rings": [
            {
                "id": r.id,
                "shopId": r.shop_id,
                "hostId": r.host_id,
                "size": len(r.members),
                "score": round(r.score, 3),
                "members": list(r.members),
            }
            for r in rings
        ],
        "groups": [
            {
                "id": g.id,
                "size": len(g.members),
                "reason": g.reason(),
                "members": list(g.members),
            }
            for g in groups
        ],
        "buyersFlagged": len(found),
        "applied": marked,
    }
    if caps is not None:
        result["capped"] = {"marked": caps[0], "aboveCap": caps[1], "cap": caps[2]}
    if planted is not None:
        precision, recall = precision_recall(found, planted)
        result.update(planted=len(planted), precision=round(precision, 4), recall=round(recall, 4))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{len(rings)} rings, {len(groups)} groups, {len(found):,} buyers flagged")
    if caps is not None:
        # The effect is visible before the rescore that applies it: who will be capped.
        marked_now, above, cap = caps
        if above:
            effect = (
                f"{above:,} of them weigh more than the ring cap {cap:g} now and will count at "
                f"most {cap:g} after `trustgraph rescore` (which prints what changes)"
            )
        else:
            effect = (
                f"none of them weighs more than the ring cap {cap:g} now (their own signals "
                "already weigh them down), so `trustgraph rescore` will not lower their weight"
            )
        print(f"  marked {marked_now:,} buyers as ring members: {effect}")
    for r in rings:
        print(f"  {r.id}: {len(r.members)} accounts, score {r.score:.2f}")
    for g in groups:
        print(f"  {g.id}: {g.reason()}")
    if planted is not None:
        print(
            f"against {args.truth}: precision {result['precision']:.3f}, recall "
            f"{result['recall']:.3f} ({result['planted']:,} planted buyers)"
        )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Export the trust graph (graph_api/research/export.py) as GraphML, JSON or CSV, streaming."""
    out = Path(args.out)
    with trustgraph(settings) as tg:
        with progress(buyers(tg.store), " buyers", f"export {args.format}") as bar:
            summary = tg.export(
                args.format,
                out,
                since=args.since,
                until=args.until,
                category=args.category,
                center=args.center,
                depth=args.depth,
                max_nodes=args.max_nodes,
                progress=bar.update,
            )
    edges = ", ".join(f"{k} {n:,}" for k, n in sorted(summary.edges.items()))
    print(
        f"wrote {out}: {summary.nodes:,} nodes, {summary.total_edges:,} edges ({edges}) in "
        f"{summary.seconds:.1f}s "
        f"({summary.total_edges / summary.seconds if summary.seconds else 0:,.0f} edges/s)"
    )
    return 0
