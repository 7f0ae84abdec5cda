"""Exports against the real Neo4j: GraphML, JSON and CSV round-trip through networkx to the same
graph as the in-memory entry point; filters; the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from graph_api.research.export import ExportError, ExportFilter, export, to_networkx
from graph_api.seed import SeedConfig
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform(_session_store):
    seed_platform(_session_store, SeedConfig(seed=5, buyers=300, days=60))
    return _session_store


def same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True), key=repr) == sorted(
        b.edges(keys=True, data=True), key=repr
    )


def test_exports_round_trip_through_networkx(platform, tmp_path):
    g = to_networkx(platform)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"BUYER", "HOST", "SHOP"}
    trust = [(u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if k == "TRUST"]
    stored = platform.driver.execute_query(
        "MATCH ()-[t:TRUST]->() RETURN count(t) AS n", database_=platform.database
    )
    assert len(trust) == stored[0][0]["n"] > 0
    assert {k for _, _, k in g.edges(keys=True)} == {"TRUST", "ORDERED", "SELLS_FOR"}

    summary = export(platform, "graphml", tmp_path / "g.graphml", ExportFilter())
    assert (summary.nodes, summary.total_edges) == (g.number_of_nodes(), g.number_of_edges())
    read = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True, edge_key_type=str)
    assert isinstance(read, nx.MultiDiGraph)  # directed, and forced multi: what same() compares
    same(read, g)

    export(platform, "json", tmp_path / "g.json", ExportFilter())
    data = json.loads((tmp_path / "g.json").read_text())
    back = nx.node_link_graph(data, edges="links")
    assert isinstance(back, nx.MultiDiGraph)  # the data say directed and multigraph
    same(back, g)

    export(platform, "csv", tmp_path / "csv", ExportFilter())
    with (tmp_path / "csv" / "nodes.csv").open() as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == g.number_of_nodes()
    with (tmp_path / "csv" / "edges.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == g.number_of_edges() and {r["key"] for r in rows} == {
        "TRUST",
        "ORDERED",
        "SELLS_FOR",
    }


def test_filters(platform):
    everything = to_networkx(platform)
    category = next(d["category"] for _, d in everything.nodes(data=True) if d["kind"] == "SHOP")
    g = to_networkx(platform, ExportFilter(category=category))
    targets = [d for _, d in g.nodes(data=True) if d["kind"] != "BUYER"]
    assert targets and all(d["category"] == category for d in targets)

    times = sorted(
        d["firstAt"] for _, _, k, d in everything.edges(keys=True, data=True) if k == "ORDERED"
    )
    mid = times[len(times) // 2]
    late = to_networkx(platform, ExportFilter(since=mid))
    ordered = [d for _, _, k, d in late.edges(keys=True, data=True) if k == "ORDERED"]
    assert ordered and all(d["lastAt"] >= mid for d in ordered)
    assert late.number_of_edges() < everything.number_of_edges()

    shop = next(
        n
        for n, d in everything.nodes(data=True)
        if d["kind"] == "SHOP" and everything.in_degree(n) > 3
    )
    near = to_networkx(platform, ExportFilter(center=shop, depth=1))
    assert shop in near and all(
        n == shop or d["kind"] == "BUYER" or near.has_edge(n, shop)
        for n, d in near.nodes(data=True)
    )
    assert set(near.predecessors(shop)) == {
        u for u, _ in everything.in_edges(shop) if u.startswith("BUYER:")
    } | {u for u, _ in everything.in_edges(shop) if u.startswith("HOST:")}
    with pytest.raises(ExportError, match="not in the graph"):
        to_networkx(platform, ExportFilter(center="SHOP:nope"))
    with pytest.raises(ExportError, match="HOST:<id>, SHOP:<id> or BUYER:<id>"):
        ExportFilter(center="ORDER:o1")
    buyer = next(u for u, _ in everything.in_edges(shop) if u.startswith("BUYER:"))
    around = to_networkx(platform, ExportFilter(center=buyer, depth=1))
    assert set(around) == {buyer} | set(everything.successors(buyer))


def test_cli_export(platform, tmp_path):
    env = platform.settings.child_environment()
    out = tmp_path / "x.graphml"
    proc = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "export", "--format", "graphml", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "edges/s" in proc.stdout and out.exists() and not Path(str(out) + ".part").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "export", "--out", str(out), "--center", "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "HOST:<id>, SHOP:<id> or BUYER:<id>" in bad.stderr
