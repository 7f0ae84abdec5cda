"""Shared test configuration.

Integration tests run against a real Neo4j. By default the test session starts its own local
server (the same launcher as `trustgraph neo4j start`) on ports 17687/17474 with a home under
`.trustgraph/test-neo4j`, and stops it at the end. With NEO4J_URI set they use that server
instead -- and since they delete everything in it, they insist on TRUSTGRAPH_TEST_ALLOW_WIPE=1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from graph_api.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    env = dict(os.environ)
    if env.get("NEO4J_URI"):
        if env.get("TRUSTGRAPH_TEST_ALLOW_WIPE") != "1":
            pytest.exit(
                "NEO4J_URI is set and the integration tests delete everything in that database; "
                "set TRUSTGRAPH_TEST_ALLOW_WIPE=1 to confirm, or unset NEO4J_URI to let the tests "
                "start their own Neo4j",
                returncode=2,
            )
        yield load_settings(env)
        return
    env.setdefault("TRUSTGRAPH_NEO4J_HOME", str(ROOT / ".trustgraph" / "test-neo4j"))
    env["TRUSTGRAPH_NEO4J_BOLT_PORT"] = env.get("TRUSTGRAPH_TEST_BOLT_PORT", "17687")
    env["TRUSTGRAPH_NEO4J_HTTP_PORT"] = env.get("TRUSTGRAPH_TEST_HTTP_PORT", "17474")
    env.setdefault("TRUSTGRAPH_NEO4J_HEAP", "1g")
    env.setdefault("TRUSTGRAPH_NEO4J_PAGECACHE", "512m")
    settings = load_settings(env)
    from graph_api.neo4j_local import LocalNeo4j

    launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j] {m}"))
    launcher.start()
    try:
        yield settings
    finally:
        if os.environ.get("TRUSTGRAPH_TEST_KEEP_NEO4J") != "1":
            launcher.stop()


@pytest.fixture(scope="session")
def _session_store(neo4j_settings: Settings):
    from graph_api.store import Store

    store = Store(neo4j_settings)
    store.verify()
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture()
def store(_session_store):
    """A store over an empty graph (constraints in place)."""
    _session_store.wipe()
    return _session_store
