"""The funnel and `trustgraph report` on a seeded graph in the real Neo4j.

The replay is checked against what the scoring stored: every pair's replayed path ends at the
level the rescore wrote for it, and the funnel's moves add up to the stored level counts."""

from __future__ import annotations

import json
from collections import Counter

import matplotlib.image
import pytest

import graph_api.research.funnel as funnel_mod
from graph_api.research.funnel import compute_funnel, pair_paths
from graph_api.research.report import CHARTS, FEW_PAIRS, conversion_figure, funnel_dict
from graph_api.seed import SeedConfig
from scoring.funnel import TIER_GROUPS
from scoring.policy import default_policy
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded(_session_store):
    clock, _ = seed_platform(_session_store, SeedConfig(seed=5, buyers=400, days=150))
    return _session_store, clock


def _stored_levels(store) -> dict[tuple[str, str, str], str]:
    rows = store.driver.execute_query(
        "MATCH (b:Buyer)-[t:TRUST]->(x) "
        "RETURN b.id AS b, labels(x)[0] AS kind, x.id AS x, t.level AS level",
        database_=store.database,
    )[0]
    return {(r["b"], r["kind"].upper(), r["x"]): r["level"] for r in rows}


def test_every_replayed_path_ends_at_the_stored_level(seeded):
    store, clock = seeded
    paths = list(pair_paths(store, default_policy(), clock))
    stored = _stored_levels(store)
    assert len(paths) > 500
    assert {(p.buyer_id, p.kind, p.target_id): p.changes[-1][1] for p in paths} == stored
    assert all(
        p.changes[0][0] == p.first_at and p.changes == tuple(sorted(p.changes)) for p in paths
    )
    # every level is reached somewhere, and some pairs fall back (decay, refunds): a real funnel
    moves = Counter(
        (a[1], b[1]) for p in paths for a, b in zip(p.changes, p.changes[1:], strict=False)
    )
    assert (
        moves[("STRANGER", "ACQUAINTANCE")]
        and moves[("ACQUAINTANCE", "REGULAR")]
        and moves[("ACQUAINTANCE", "STRANGER")]
    )


def test_skipping_moments_before_the_first_delivery_changes_nothing(seeded, monkeypatch):
    store, clock = seeded
    fast = list(pair_paths(store, default_policy(), clock))
    exhaustive = funnel_mod.level_changes
    monkeypatch.setattr(
        funnel_mod,
        "level_changes",
        lambda facts, score_at, until, resolution, policy: exhaustive(
            facts, score_at, until, resolution
        ),
    )
    assert list(pair_paths(store, default_policy(), clock)) == fast


def test_the_moves_add_up_to_the_stored_levels(seeded):
    store, clock = seeded
    f = compute_funnel(store, default_policy(), clock=clock, period="WEEK", horizon_days=60)
    at_end = Counter({"STRANGER": sum(p.new_pairs for p in f.periods)})
    for p in f.periods:
        for (a, b), n in p.transitions.items():
            at_end[a] -= n
            at_end[b] += n
    assert +at_end == Counter(_stored_levels(store).values())
    assert f.pairs == len(_stored_levels(store))
    assert f.time_to_regular.reached > 0 and all(d > 0 for d in f.time_to_regular.days)
    rows = {(c.kind, c.category, c.factor, c.group): c for c in f.conversion}
    hosts = rows[("HOST", None, "ALL", "all")]
    assert hosts.pairs == sum(
        c.pairs for k, c in rows.items() if k[:3] == ("HOST", None, "FAN_CLUB_TIER")
    )
    shops = rows[("SHOP", None, "ALL", "all")]
    assert shops.pairs == sum(
        c.pairs for k, c in rows.items() if k[:3] == ("SHOP", None, "SHOP_RIGHTS")
    )
    by_category = sum(
        c.pairs for k, c in rows.items() if k[0] == "SHOP" and k[1] is not None and k[2] == "ALL"
    )
    assert by_category == shops.pairs
    # a category filter keeps exactly that category's pairs
    tea = compute_funnel(
        store,
        default_policy(),
        clock=clock,
        period="WEEK",
        horizon_days=60,
        category="tea",
        kind="SHOP",
    )
    assert {c.category for c in tea.conversion} == {None, "tea"} and {
        c.kind for c in tea.conversion
    } == {"SHOP"}
    assert tea.conversion[0].pairs == rows[("SHOP", "tea", "ALL", "all")].pairs


def test_report_writes_charts_summary_and_json(seeded, cli, tmp_path):

    store, clock = seeded
    out = tmp_path / "report"
    done = cli("report", "--out", str(out), "--period", "month", "--horizon-days", "60")
    assert done.returncode == 0, done.stderr
    for name in CHARTS:
        image = matplotlib.image.imread(out / name)  # a PNG that decodes
        assert image.shape[0] >= 300 and image.shape[1] >= 600 and image.std() > 0
    expected = funnel_dict(
        compute_funnel(store, default_policy(), clock=clock, period="MONTH", horizon_days=60)
    )
    written = json.loads((out / "funnel.json").read_text())
    assert written == json.loads(json.dumps(expected))
    summary = (out / "summary.md").read_text()
    for name in CHARTS:
        assert f"]({name})" in summary
    host_all = next(
        c
        for c in written["conversion"]
        if c["targetKind"] == "HOST" and c["category"] is None and c["factor"] == "ALL"
    )
    assert f"({host_all['pairs']:,} pairs)" in summary
    assert f"{100 * host_all['regularRate']:.1f}% regulars" in summary
    assert not list(out.glob("*.part"))

    again = cli(
        "report", "--out", str(tmp_path / "again"), "--period", "month", "--horizon-days", "60"
    )
    assert (
        again.returncode == 0
        and (tmp_path / "again" / "funnel.json").read_text() == (out / "funnel.json").read_text()
    )


def test_report_rejects_bad_flags_with_a_clear_message(seeded, cli, tmp_path):
    bad_window = cli(
        "report", "--since", "2021-09-01T00:00:00+08:00", "--until", "2021-08-01T00:00:00+08:00"
    )
    assert bad_window.returncode == 1 and "--until must not be before --since" in bad_window.stderr
    bad_horizon = cli("report", "--horizon-days", "0")
    assert bad_horizon.returncode == 2 and "--horizon-days" in bad_horizon.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    not_a_dir = cli("report", "--out", str(blocker))
    assert not_a_dir.returncode == 1 and f"cannot write to {blocker}" in not_a_dir.stderr
    assert "Traceback" not in not_a_dir.stderr


def test_conversion_charts_say_how_many_pairs_each_bar_stands_for(seeded):
    store, clock = seeded
    f = compute_funnel(store, default_policy(), clock=clock, period="MONTH", horizon_days=60)
    fig = conversion_figure(
        f,
        "HOST",
        "FAN_CLUB_TIER",
        TIER_GROUPS,
        ("#9e9e9e", "#90caf9", "#1e88e5", "#4527a0"),
        "Hosts by tier",
    )
    ax = fig.axes[0]
    rows = [c for c in f.conversion if c.kind == "HOST" and c.factor == "FAN_CLUB_TIER"]
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(f"n={c.pairs:,}" for c in rows if c.pairs)
    assert all(t.get_fontsize() >= 9 for t in ax.texts)
    assert all(label.get_fontsize() >= 11 for label in ax.get_xticklabels())
    faded = [b for b in ax.patches if b.get_alpha() is not None and b.get_alpha() < 1]
    assert len(faded) == sum(1 for c in rows if 0 < c.pairs < FEW_PAIRS)
