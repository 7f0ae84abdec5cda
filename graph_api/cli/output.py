"""How the commands print their results: summaries on stdout, one line per
fact a person looks for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graph_api.derive import RescoreSummary, Round
from graph_api.derive.snapshot import RescoreChanges
from graph_api.ingest import ImportSummary
from graph_api.ingest.bulk_load import BulkLoadSummary


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 in UTC."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def print_import(summary: ImportSummary) -> None:
    print(
        f"{summary.path}: {summary.lines:,} events read in {summary.seconds:.1f}s "
        f"({summary.events_per_second:,.0f} events/s)\n"
        f"  accepted   {summary.accepted:,}\n"
        f"  duplicates {summary.duplicates:,}\n"
        f"  rejected   {summary.rejected:,}"
    )
    for code, n in sorted(summary.rejection_codes.items()):
        print(f"    {code:<18} {n:,}")
    if summary.rescored_buyers or summary.rescored_entities:
        print(
            f"  rescored   {summary.rescored_buyers:,} buyers and {summary.rescored_entities:,} "
            f"shops and hosts in {summary.derive_seconds:.1f}s ({summary.trust_changes:,} level "
            f"changes, {summary.badge_changes:,} badge changes)"
        )
    if summary.rejected_path:
        print(f"  rejected events with their reasons: {summary.rejected_path}")


def print_bulk(loaded: BulkLoadSummary) -> None:
    print(
        f"bulk load: {loaded.nodes:,} nodes and {loaded.relationships:,} relationships in "
        f"{loaded.seconds:.1f}s (CSV {loaded.csv_seconds:.1f}s, waiting for the server to stop "
        f"{loaded.stop_seconds:.1f}s, neo4j-admin {loaded.import_seconds:.1f}s, restart "
        f"{loaded.start_seconds:.1f}s, schema {loaded.schema_seconds:.1f}s)"
    )


def round_dict(r: Round, holder: str) -> dict[str, Any]:
    """One round of ``trustgraph derive --json``: which log entries, by whom, what it did."""
    return {
        "from": r.first,
        "to": r.last,
        "batches": r.batches,
        "holder": holder,
        "asOf": iso(r.result.as_of) if r.result.as_of is not None else None,
        "buyers": r.result.buyers,
        "shops": r.result.shops,
        "hosts": r.result.hosts,
        "trustChanges": len(r.result.trust_changes),
        "badgeChanges": len(r.result.badge_changes),
        "seconds": round(r.result.seconds, 3),
    }


def describe_round(r: Round) -> str:
    d = r.result
    return (
        f"derived log positions {r.first + 1:,}-{r.last:,} ({r.batches:,} batches) in "
        f"{d.seconds:.2f}s: {d.buyers:,} buyers, {d.shops:,} shops, {d.hosts:,} hosts; "
        f"{len(d.trust_changes):,} level changes, {len(d.badge_changes):,} badge changes"
    )


def print_rescore(summary: RescoreSummary) -> None:
    when = iso(summary.as_of)
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
    if summary.changes is not None:
        print_changes(summary.changes)


def print_changes(c: RescoreChanges, examples: int = 10) -> None:
    """What the rescore changed against the state before it (badges, tiers, levels, weights)."""
    if not c.any:
        print("  changed  nothing: every badge, tier, level and weight is as it was")
        return
    print(
        f"  changed  {len(c.granted):,} badges granted, {len(c.lost):,} lost, "
        f"{len(c.tiers_changed):,} tiers; down-weighted buyers "
        f"{c.reweighted[0]:,} -> {c.reweighted[1]:,}"
    )
    for sign, items in (("+", c.granted), ("-", c.lost)):
        for who, badge in items[:examples]:
            print(f"    {sign} {who} {badge}")
        if len(items) > examples:
            print(f"    ... and {len(items) - examples:,} more")
    for who, old, new in c.tiers_changed[:examples]:
        print(f"    ~ {who} tier {old} -> {new}")
    if len(c.tiers_changed) > examples:
        print(f"    ... and {len(c.tiers_changed) - examples:,} more tiers")
    moved = [(k, a, b) for k, (a, b) in c.levels.items() if a != b]
    if moved:
        print("  levels   " + ", ".join(f"{k} {a:,} -> {b:,}" for k, a, b in moved))
