"""The benchmarks' graph: the Neo4j they run against, where their files go, and emptying the graph
between measurements.

Every section needs these (bench.run's and the research section's), so they live here rather than
in either, and imports run one way: run -> research_section -> research -> graph.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from graph_api.neo4j_local import LocalNeo4j
from graph_api.settings import Settings, load_settings
from graph_api.store import Store

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def settings_for_bench() -> tuple[Settings, LocalNeo4j | None]:
    """The bench Neo4j's settings, and its launcher if the bench started one (stop it after)."""
    env = dict(os.environ)
    if env.get("NEO4J_URI"):
        if env.get("TRUSTGRAPH_BENCH_ALLOW_WIPE") != "1":
            sys.exit(
                "NEO4J_URI is set and the benchmarks empty that database: "
                "set TRUSTGRAPH_BENCH_ALLOW_WIPE=1"
            )
        return load_settings(env), None
    env.setdefault("TRUSTGRAPH_NEO4J_HOME", str(ROOT / ".trustgraph" / "bench-neo4j"))
    env["TRUSTGRAPH_NEO4J_BOLT_PORT"] = env.get("TRUSTGRAPH_BENCH_BOLT_PORT", "37687")
    env["TRUSTGRAPH_NEO4J_HTTP_PORT"] = env.get("TRUSTGRAPH_BENCH_HTTP_PORT", "37474")
    settings = load_settings(env)
    launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j] {m}", file=sys.stderr))
    launcher.start()
    return settings, launcher


def fresh(store: Store) -> None:
    """An empty graph with exactly the project's schema: indexes left by other experiments on the
    same server would change both the write costs and the plans being measured."""
    store.wipe()
    records, _, _ = store.driver.execute_query(
        "SHOW INDEXES YIELD name, type, owningConstraint WHERE owningConstraint IS NULL "
        "AND type <> 'LOOKUP' RETURN name",
        database_=store.database,
    )
    for r in records:
        print(f"dropping index {r['name']} (the schema's own are made again)", file=sys.stderr)
        store.driver.execute_query(f"DROP INDEX `{r['name']}`", database_=store.database)
    store.apply_schema()
