"""How the commands print their results: summaries on stdout, one line per
fact a person looks for."""

from __future__ import annotations

from datetime import UTC, datetime

from graph_api.derive import RescoreSummary
from graph_api.ingest import ImportSummary


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
