"""`trustgraph report`: the funnel as PNG charts, a short Markdown summary and the numbers as JSON.

Files written into the output directory (created if needed; each written under ``.part`` and
renamed, so a reader never sees half a file):

* ``summary.md``: what was measured, the headline numbers, the tables, the charts, the caveats;
* ``moves.png``: pairs that began and moves between levels, per period;
* ``time_to_level.png``: days from a pair's first fact to ACQUAINTANCE and to REGULAR;
* ``conversion_by_rights.png``: shops, REGULAR within the horizon, with and without trust rights
  when the pair began, by category;
* ``conversion_by_fan_club.png``: hosts, REGULAR within the horizon, by fan-club tier before
  converting, by category;
* ``funnel.json``: every number of the summary, for notebooks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scoring.funnel import (
    ALL,
    FAN_CLUB_TIER,
    SHOP_RIGHTS,
    TIER_GROUPS,
    WITH_RIGHTS,
    WITHOUT_RIGHTS,
    Conversion,
    Durations,
    Funnel,
)
from scoring.pair_trust import ACQUAINTANCE, HOST, REGULAR, SHOP, STRANGER

CHARTS = (
    "moves.png",
    "time_to_level.png",
    "conversion_by_rights.png",
    "conversion_by_fan_club.png",
)
# A conversion bar from fewer pairs than this is drawn faded: 100% of two pairs says little.
FEW_PAIRS = 10
UP = ((STRANGER, ACQUAINTANCE), (ACQUAINTANCE, REGULAR), (STRANGER, REGULAR))
DOWN = ((REGULAR, ACQUAINTANCE), (ACQUAINTANCE, STRANGER), (REGULAR, STRANGER))


def _day(f: Funnel, ms: int) -> str:
    """A day of the funnel, in its zone (TRUSTGRAPH_TIMEZONE): a June period starts 06-01."""
    return f.local(ms).strftime("%Y-%m-%d")


def _label(f: Funnel, ms: int) -> str:
    d = f.local(ms)
    return d.strftime("%Y-%m") if f.period == "MONTH" else d.strftime("%m-%d")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def funnel_dict(f: Funnel) -> dict[str, Any]:
    """The funnel as plain JSON values (times as ISO-8601 in the funnel's zone)."""

    def durations(d: Durations) -> dict[str, Any]:
        return {
            "level": d.level,
            "began": d.began,
            "reached": d.reached,
            "notReached": d.not_reached,
            "medianDays": d.median,
            "p25Days": d.quantile(0.25),
            "p75Days": d.quantile(0.75),
            "meanDays": d.mean,
        }

    def iso(ms: int) -> str:
        return f.local(ms).isoformat()

    return {
        "since": iso(f.since),
        "until": iso(f.until),
        "period": f.period,
        "horizonDays": f.horizon_days,
        "cohortUntil": iso(f.cohort_until),
        "pairs": f.pairs,
        "periods": [
            {
                "start": iso(p.start),
                "end": iso(p.end),
                "newPairs": p.new_pairs,
                "moves": [{"from": a, "to": b, "pairs": n} for (a, b), n in p.transitions.items()],
                "byTargetKind": {
                    k: {
                        "newPairs": p.new_by_kind.get(k, 0),
                        "moves": [
                            {"from": a, "to": b, "pairs": n}
                            for (a, b), n in p.moves_by_kind.get(k, {}).items()
                        ],
                    }
                    for k in sorted(set(p.new_by_kind) | set(p.moves_by_kind))
                },
            }
            for p in f.periods
        ],
        "timeToAcquaintance": durations(f.time_to_acquaintance),
        "timeToRegular": durations(f.time_to_regular),
        "conversion": [
            {
                "targetKind": c.kind,
                "category": c.category,
                "factor": c.factor,
                "group": c.group,
                "pairs": c.pairs,
                "acquaintances": c.acquaintances,
                "regulars": c.regulars,
                "acquaintanceRate": c.acquaintance_rate,
                "regularRate": c.regular_rate,
            }
            for c in f.conversion
        ],
    }


# -- charts ---------------------------------------------------------------------------------------


def _figure(width: float = 9.0, height: float = 4.8, rows: int | None = None) -> tuple[Any, Any]:
    """A figure and its axes: one, or a list of ``rows`` stacked when ``rows`` is given."""
    # matplotlib takes 0.5 s to import and must be told its backend before pyplot loads: only
    # `trustgraph report` pays for it.
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt  # noqa: PLC0415

    # Readable when the PNG is shown at its size in a report or a notebook: larger text than
    # matplotlib's defaults (10 pt at 100 dpi made the labels tiny).
    plt.rc("font", size=12)
    plt.rc("axes", titlesize=13, labelsize=12)
    plt.rc("xtick", labelsize=11)
    plt.rc("ytick", labelsize=11)
    plt.rc("legend", fontsize=11)
    fig, axes = plt.subplots(rows or 1, 1, figsize=(width, height), dpi=130, squeeze=False)
    return fig, (list(axes[:, 0]) if rows is not None else axes[0, 0])


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt  # noqa: PLC0415  (loaded by _figure already; see there)

    part = path.with_name(path.name + ".part")
    fig.tight_layout()
    fig.savefig(part, format="png")
    plt.close(fig)
    os.replace(part, path)


def _kinds(f: Funnel) -> list[str]:
    present = {k for p in f.periods for k in (*p.new_by_kind, *p.moves_by_kind)}
    return [k for k in (HOST, SHOP) if k in present] or [HOST]


def chart_moves(f: Funnel, path: Path) -> None:
    """One panel per kind of pair (buyer -> host, buyer -> shop): they convert very differently."""
    kinds = _kinds(f)
    fig, axes = _figure(9.0, 3.6 * len(kinds), rows=len(kinds))
    labels = [_label(f, p.start) for p in f.periods]
    x = list(range(len(labels)))
    width = 0.2
    for ax, kind in zip(axes, kinds, strict=True):
        series = [("new pairs", [p.new_by_kind.get(kind, 0) for p in f.periods], "#9e9e9e")]
        series += [
            (f"{a.lower()} -> {b.lower()}", [p.moves(a, b, kind) for p in f.periods], color)
            for (a, b), color in zip(UP[:2], ("#42a5f5", "#2e7d32"), strict=True)
        ]
        series.append(
            (
                "fell back (any)",
                [-sum(p.moves(a, b, kind) for a, b in DOWN) for p in f.periods],
                "#e53935",
            )
        )
        for i, (name, values, color) in enumerate(series):
            ax.bar([v + (i - 1.5) * width for v in x], values, width, label=name, color=color)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(
            x,
            labels,
            rotation=45 if len(labels) > 8 else 0,
            ha="right" if len(labels) > 8 else "center",
        )
        ax.set_ylabel("pairs")
        ax.set_title(
            f"buyer -> {kind.lower()} pairs: began, and moves between "
            f"levels, per {f.period.lower()}"
        )
        ax.legend()
    _save(fig, path)


def chart_time_to_level(f: Funnel, path: Path) -> None:
    fig, ax = _figure()
    longest = max([*f.time_to_acquaintance.days, *f.time_to_regular.days, 1.0])
    bins = [i * max(1.0, longest / 30) for i in range(32)]
    for d, color in ((f.time_to_acquaintance, "#42a5f5"), (f.time_to_regular, "#2e7d32")):
        if d.days:
            ax.hist(
                d.days,
                bins=bins,
                alpha=0.6,
                color=color,
                label=(
                    f"{d.level.lower()}: {d.reached:,} of {d.began:,} "
                    f"pairs, median {_num(d.median)} days"
                ),
            )
    ax.set_xlabel("days from the pair's first fact")
    ax.set_ylabel("pairs")
    ax.set_title("Time to acquaintance and to regular")
    if f.time_to_acquaintance.days or f.time_to_regular.days:
        ax.legend()
    _save(fig, path)


def _grouped(
    f: Funnel,
    kind: str,
    factor: str,
    groups: tuple[str, ...],
    palette: tuple[str, ...],
    title: str,
    path: Path,
) -> None:
    _save(conversion_figure(f, kind, factor, groups, palette, title), path)


def conversion_figure(
    f: Funnel,
    kind: str,
    factor: str,
    groups: tuple[str, ...],
    palette: tuple[str, ...],
    title: str,
) -> Any:
    """Bars of the share of pairs that became regulars, per category and group; each bar says
    how many pairs it stands for ("n=12"), and bars of fewer than FEW_PAIRS are faded."""
    rows = {(c.category, c.group): c for c in f.conversion if c.kind == kind and c.factor == factor}
    categories = sorted({c for c, _ in rows if c is not None})
    columns = [None, *categories]
    present = [g for g in groups if any((c, g) in rows for c in columns)]
    fig, ax = _figure(max(10.0, 1.4 * len(columns) + 4), 5.6)
    width = 0.8 / max(1, len(present))
    for i, g in enumerate(present):
        values = [
            100 * (rows[(c, g)].regular_rate or 0.0) if (c, g) in rows else 0.0 for c in columns
        ]
        counts = [rows[(c, g)].pairs if (c, g) in rows else 0 for c in columns]
        bars = ax.bar(
            [x + (i - (len(present) - 1) / 2) * width for x in range(len(columns))],
            values,
            width,
            label=g,
            color=palette[groups.index(g) % len(palette)],
        )
        for bar, n in zip(bars, counts, strict=True):
            if not n:
                continue
            if n < FEW_PAIRS:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
            ax.annotate(
                f"n={n:,}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
            )
    ax.set_xticks(
        range(len(columns)), ["all" if c is None else c for c in columns], rotation=30, ha="right"
    )
    ax.set_ylim(0, 112)  # room for the counts above 100% bars
    ax.set_ylabel(f"% regular within {f.horizon_days} days")
    ax.set_title(f"{title}\n(n = pairs per bar; faded: fewer than {FEW_PAIRS})")
    if present:
        ax.legend()
    return fig


# -- the summary ----------------------------------------------------------------------------------


def _conversion_table(rows: list[Conversion], groups: tuple[str, ...]) -> list[str]:
    if not rows:
        return ["No such pairs in this report."]
    by = {(c.category, c.group): c for c in rows}
    categories = [None, *sorted({c.category for c in rows if c.category is not None})]
    out = ["| category | " + " | ".join(groups) + " |", "| --- |" + " ---: |" * len(groups)]
    for cat in categories:
        cells = []
        for g in groups:
            c = by.get((cat, g))
            cells.append("-" if c is None else f"{_pct(c.regular_rate)} of {c.pairs:,}")
        out.append(f"| {cat or 'all'} | " + " | ".join(cells) + " |")
    return out


def summary_markdown(
    f: Funnel, *, as_of: int, policy_version: str, category: str | None, kind: str | None
) -> str:
    scope = (
        ", ".join(
            x
            for x in (
                f"category {category}" if category else "",
                f"buyer -> {kind.lower()} pairs only" if kind else "",
            )
            if x
        )
        or "every category, hosts and shops"
    )
    lines = [
        "# The stranger -> regular funnel",
        "",
        f"Graph as of {_day(f, as_of)} (its latest event), policy {policy_version}; window "
        f"{_day(f, f.since)} to {_day(f, f.until)} by {f.period.lower()}; {scope}. "
        f"{f.pairs:,} buyer -> host/shop pairs had a fact by the window's end. Every pair's "
        "levels are replayed from its facts under the policy (docs/research.md).",
        "",
        "## Headlines",
        "",
    ]
    for kind_ in (HOST, SHOP):
        overall = next(
            (c for c in f.conversion if c.kind == kind_ and c.category is None and c.factor == ALL),
            None,
        )
        if overall is not None:
            lines.append(
                f"- buyer -> {kind_.lower()} pairs that began by "
                f"{_day(f, f.cohort_until)}: {_pct(overall.acquaintance_rate)} became "
                f"acquaintances and {_pct(overall.regular_rate)} regulars within "
                f"{f.horizon_days} days ({overall.pairs:,} pairs)."
            )
    ta, tr = f.time_to_acquaintance, f.time_to_regular
    lines += [
        f"- Time to acquaintance: median {_num(ta.median)} days ({ta.reached:,} of {ta.began:,} "
        "pairs that began in the window got there by its end).",
        f"- Time to regular: median {_num(tr.median)} days, middle half {_num(tr.quantile(0.25))} "
        f"to {_num(tr.quantile(0.75))} ({tr.reached:,} of {tr.began:,}).",
    ]
    rights = {
        c.group: c
        for c in f.conversion
        if c.kind == SHOP and c.category is None and c.factor == SHOP_RIGHTS
    }
    if WITH_RIGHTS in rights and WITHOUT_RIGHTS in rights:
        w, wo = rights[WITH_RIGHTS], rights[WITHOUT_RIGHTS]
        lines.append(
            f"- Shops' trust rights: {_pct(w.regular_rate)} of pairs with a shop that "
            f"held rights became regulars, against {_pct(wo.regular_rate)} without "
            f"({w.pairs:,} and {wo.pairs:,} pairs)."
        )
    tiers = {
        c.group: c
        for c in f.conversion
        if c.kind == HOST and c.category is None and c.factor == FAN_CLUB_TIER
    }
    if tiers:
        lines.append(
            "- Fan-club tier before converting: "
            + ", ".join(
                f"{g} {_pct(tiers[g].regular_rate)} ({tiers[g].pairs:,})"
                for g in TIER_GROUPS
                if g in tiers
            )
            + "."
        )
    lines += [
        "",
        "## Moves per period",
        "",
        "![moves](moves.png)",
        "",
        "| period | pairs | new pairs | stranger -> acquaintance | acquaintance -> regular | "
        "stranger -> regular | fell back |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in f.periods:
        for kind in _kinds(f):
            lines.append(
                f"| {_day(f, p.start)} | buyer -> {kind.lower()} | "
                f"{p.new_by_kind.get(kind, 0):,} | "
                + " | ".join(f"{p.moves(a, b, kind):,}" for a, b in UP)
                + f" | {sum(p.moves(a, b, kind) for a, b in DOWN):,} |"
            )
    lines += [
        "",
        "## Time to each level",
        "",
        "![time to level](time_to_level.png)",
        "",
        "| level | began | reached | not yet | p25 days | median days | p75 days | mean days |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for d in (ta, tr):
        lines.append(
            f"| {d.level.lower()} | {d.began:,} | {d.reached:,} | {d.not_reached:,} "
            f"| {_num(d.quantile(0.25))} | {_num(d.median)} | "
            f"{_num(d.quantile(0.75))} | {_num(d.mean)} |"
        )
    lines += [
        "",
        f"## Conversion within {f.horizon_days} days",
        "",
        f"Pairs that began from {_day(f, f.since)} to {_day(f, f.cohort_until)} (each had the "
        f"whole {f.horizon_days} days); the share that became regulars, of so many pairs.",
        "",
        "### Shops, by trust rights when the pair began",
        "",
        "![rights](conversion_by_rights.png)",
        "",
    ]
    lines += _conversion_table(
        [c for c in f.conversion if c.kind == SHOP and c.factor == SHOP_RIGHTS],
        (WITH_RIGHTS, WITHOUT_RIGHTS),
    )
    lines += [
        "",
        "### Hosts, by the highest fan-club tier before converting",
        "",
        "![fan club](conversion_by_fan_club.png)",
        "",
    ]
    lines += _conversion_table(
        [c for c in f.conversion if c.kind == HOST and c.factor == FAN_CLUB_TIER], TIER_GROUPS
    )
    lines += [
        "",
        "## Reading these numbers",
        "",
        "- Observed differences between groups, not causal effects: shops that hold rights "
        "and buyers who join a fan club differ in other ways too (size, category, how "
        "engaged the buyer already was).",
        "- A fan-club tier counts only if the buyer held it before becoming a regular; the tier is "
        "also evidence in the trust score itself, so part of its association is by construction.",
        "- Times to a level describe the pairs that got there by the window's end; the pairs still "
        "on the way are in the not-yet column.",
        "",
    ]
    return "\n".join(lines)


def write_report(
    f: Funnel,
    out: Path,
    *,
    as_of: int,
    policy_version: str,
    category: str | None = None,
    kind: str | None = None,
) -> list[Path]:
    """Write the charts, the summary and the JSON into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    chart_moves(f, out / "moves.png")
    chart_time_to_level(f, out / "time_to_level.png")
    _grouped(
        f,
        SHOP,
        SHOP_RIGHTS,
        (WITH_RIGHTS, WITHOUT_RIGHTS),
        ("#2e7d32", "#9e9e9e"),
        "Shops: regular within the horizon, by trust rights when the pair began",
        out / "conversion_by_rights.png",
    )
    _grouped(
        f,
        HOST,
        FAN_CLUB_TIER,
        TIER_GROUPS,
        ("#9e9e9e", "#90caf9", "#1e88e5", "#4527a0"),
        "Hosts: regular within the horizon, by fan-club tier before",
        out / "conversion_by_fan_club.png",
    )
    written = [out / name for name in CHARTS]
    for name, text in (
        (
            "summary.md",
            summary_markdown(
                f, as_of=as_of, policy_version=policy_version, category=category, kind=kind
            ),
        ),
        ("funnel.json", json.dumps(funnel_dict(f), indent=2) + "\n"),
    ):
        part = out / (name + ".part")
        part.write_text(text, encoding="utf-8")
        os.replace(part, out / name)
        written.append(out / name)
    return written
