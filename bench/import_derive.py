"""`trustgraph import` with derived state kept current against the same import with `--derive none`
(issue 12: at least 0.8x the events/s, on a seeded file of at least 1,000,000 events, and derived
state equal to a full rebuild after it).

The seeded file (bench.run's generator, seed 7) with one event put first that moves the graph's
clock to the platform's last moment (a late buyer's registration, as the equality tests do):
every round of derivation then evaluates at the time a rebuild at the end uses, so "equal to a
full rebuild" compares what the rounds derived, not how far the clock moved since (scores decay
with time, and a buyer no later batch touched keeps the time it was derived at).

Both commands run as a user runs them (`python -m graph_api.cli import FILE`), each into an empty
graph: `--derive none` first, then the default (`--derive incremental`: the ingest log derived in
rounds beside the import, and what is left at the end; its time is until derived state includes
every event). Then the derived state is read, a full rebuild at the clock runs, and the two are
compared property for property.

    python -m bench.import_derive [--buyers 41000]

Against the bench Neo4j (bench.graph). Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bulk import _cli
from bench.derived import derived_state, differences
from bench.graph import OUT, ROOT, fresh, settings_for_bench
from bench.report import splice_section
from bench.run import machine, seeded_file
from graph_api.derive.rebuild import rescore_all
from graph_api.events import parse_at
from graph_api.settings import Settings
from graph_api.store import Store
from scoring.policy import default_policy

TITLE = "## Import with derived state kept current against `--derive none` (issue 12)"


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def clock_first_file(buyers: int) -> tuple[Path, int, int]:
    """The seeded file with the clock event first: (path, events, the clock)."""
    src, _ = seeded_file(buyers, 7)
    path = OUT / f"{src.stem}-clockfirst.jsonl"
    last = 0
    with src.open("rb") as f:
        for line in f:
            last = max(last, parse_at(json.loads(line)["at"]))
    if not path.exists():
        clock = {
            "eventId": "bench-clock",
            "type": "BUYER_REGISTERED",
            "buyerId": "b-late",
            "at": datetime.fromtimestamp(last / 1000, tz=UTC).isoformat(),
        }
        tmp = path.with_suffix(".tmp")
        with src.open("rb") as f, tmp.open("wb") as out:
            out.write(json.dumps(clock).encode() + b"\n")
            for line in f:
                out.write(line)
        tmp.rename(path)
    with path.open("rb") as f:
        events = sum(1 for _ in f)
    return path, events, last


def measure(settings: Settings, path: Path, last: int) -> dict[str, Any]:
    results: dict[str, Any] = {"load_average": [round(os.getloadavg()[0], 1)]}
    env = settings.child_environment()
    for name, extra in (("none", ("--derive", "none")), ("incremental", ())):
        with Store(settings) as store:
            fresh(store)
        _log(f"import --derive {name} ...")
        seconds = _cli(env, "import", str(path), *extra, "--rejected", str(OUT / "id.rejected"))
        results[name] = {"seconds": round(seconds, 1)}
        results["load_average"].append(round(os.getloadavg()[0], 1))
        _log(f"  {seconds:.1f} s")
    with Store(settings) as store:
        kept = derived_state(store)
        summary = rescore_all(store, default_policy(), last)
        rebuilt = derived_state(store)
    diff = differences(kept, rebuilt)
    results.update(
        compared=len(rebuilt),
        pairs=summary.total_pairs,
        rebuild_seconds=round(summary.seconds, 1),
        differences=diff,
    )
    return results


def section(r: dict[str, Any], events: int, stamp: str) -> list[str]:
    none, inc = r["none"], r["incremental"]
    ratio = none["seconds"] / inc["seconds"]
    return [
        TITLE,
        "",
        f"`python -m bench.import_derive`, {stamp}, {machine()}. The seeded file of {events:,} "
        "events (bench.run's seeded platform, seed 7, with an event first that moves the clock "
        "to the platform's last moment: every round then evaluates at the time the rebuild at "
        "the end uses) through `trustgraph import FILE --derive none` and `trustgraph import "
        "FILE` (derivation beside the import, the default; timed until derived state includes "
        "every event), each into an empty graph, as a user runs them. Load average "
        f"{' / '.join(str(x) for x in r['load_average'])} (start, after each).",
        "",
        "| command | events | seconds | events/s |",
        "| --- | ---: | ---: | ---: |",
        f"| `trustgraph import FILE --derive none` | {events:,} | {none['seconds']:.1f} | "
        f"{events / none['seconds']:,.0f} |",
        f"| `trustgraph import FILE` (derived state kept current) | {events:,} | "
        f"{inc['seconds']:.1f} | {events / inc['seconds']:,.0f} |",
        "",
        f"- with derivation / without = **{ratio:.2f}x** the events/s (target: at least 0.8x) — "
        + ("met" if ratio >= 0.8 else "NOT met"),
        f"- after it, derived state against a full rebuild at the clock ({r['pairs']:,} pairs, "
        f"{r['rebuild_seconds']:.1f} s): {r['compared']:,} records compared, "
        + (
            "**equal**"
            if not r["differences"]
            else f"**{len(r['differences'])} differences**: " + "; ".join(r["differences"][:3])
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=41000)
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    path, events, last = clock_first_file(args.buyers)
    _log(f"{path.name}: {events:,} events")
    settings, launcher = settings_for_bench()
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    try:
        results = measure(settings, path, last)
    finally:
        if launcher is not None:
            launcher.stop()
    print(json.dumps(results), file=sys.stderr)
    splice_section(Path(args.report), section(results, events, stamp), TITLE[:30])
    if results["differences"]:
        sys.exit("derived state after the import differs from a full rebuild")


if __name__ == "__main__":
    main()
