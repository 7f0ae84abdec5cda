"""Shared test configuration.

Integration tests run against a real Neo4j. By default the test session starts its own local
server (the same launcher as `trustgraph neo4j start`) on ports 17687/17474 with a home under
`.trustgraph/test-neo4j`, and stops it at the end; if those ports are taken by something other
than this checkout's test server, it picks free ones. With NEO4J_URI set they use that server
instead -- and since they delete everything in it, they insist on TRUSTGRAPH_TEST_ALLOW_WIPE=1.
TRUSTGRAPH_TEST_NEO4J_SCHEME=neo4j runs them through the routing driver (``neo4j://``) against the
server the session started.

The session is hermetic: the caller's own settings (TRUSTGRAPH_API_KEYS, TRUSTGRAPH_MAX_DEPTH,
NEO4J_PASSWORD...) are removed from the environment before anything reads it
(:func:`scrub_environment`); only the tests' own TRUSTGRAPH_TEST_* variables, the jar cache
(TRUSTGRAPH_CACHE_DIR) and an existing server's connection (NEO4J_*, with NEO4J_URI) stay.
tests/unit/test_hermetic.py proves it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest

from graph_api.neo4j_local import LocalNeo4j
from graph_api.settings import Settings, load_settings
from graph_api.store import Store

ROOT = Path(__file__).resolve().parent.parent

# What the caller's environment may still say to the tests.
KEPT_VARIABLES = ("TRUSTGRAPH_TEST_", "TRUSTGRAPH_CACHE_DIR")


def scrub_environment(environ: MutableMapping[str, str]) -> list[str]:
    """Remove every TRUSTGRAPH_* setting but KEPT_VARIABLES, and every NEO4J_* setting unless
    NEO4J_URI names a server to test against (then neo4j_settings decides: it insists on
    TRUSTGRAPH_TEST_ALLOW_WIPE=1). Returns the names removed."""
    uses_a_server = bool(environ.get("NEO4J_URI"))
    removed = [
        name
        for name in environ
        if (name.startswith("TRUSTGRAPH_") and not name.startswith(KEPT_VARIABLES))
        or (name.startswith("NEO4J_") and not uses_a_server)
    ]
    for name in removed:
        del environ[name]
    return removed


SCRUBBED = scrub_environment(os.environ)


def _ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j] {m}"))
    if not launcher.status().running and not _ports_free(settings.bolt_port, settings.http_port):
        if "TRUSTGRAPH_TEST_BOLT_PORT" in os.environ:
            pytest.exit(
                f"TRUSTGRAPH_TEST_BOLT_PORT={settings.bolt_port} is in use by something else",
                returncode=2,
            )
        # Another checkout's test server (or anything else) holds the default ports: use free
        # ones, so that two clones can run their tests side by side.
        bolt, http = _free_port(), _free_port()
        settings = settings.with_overrides(bolt_port=bolt, http_port=http)
        launcher = LocalNeo4j(settings, log=lambda m: print(f"[neo4j] {m}"))
    launcher.start()
    if os.environ.get("TRUSTGRAPH_TEST_NEO4J_SCHEME") == "neo4j":
        # The whole suite through the routing driver (as on a cluster), against the same server.
        settings = settings.with_overrides(neo4j_uri=f"neo4j://127.0.0.1:{settings.bolt_port}")
    try:
        yield settings
    finally:
        if os.environ.get("TRUSTGRAPH_TEST_KEEP_NEO4J") != "1":
            launcher.stop()


@pytest.fixture(scope="session")
def _session_store(neo4j_settings: Settings):

    store = Store(neo4j_settings)
    store.verify()
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture(scope="session")
def cli(neo4j_settings: Settings):
    """A function: run ``trustgraph ARGS`` (``python -m graph_api.cli``) as a user would, against
    the tests' Neo4j by NEO4J_URI etc., without the caller's own NEO4J_/TRUSTGRAPH_ settings;
    returns the finished process (text output captured)."""
    env = neo4j_settings.child_environment()

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "graph_api.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture()
def store(_session_store):
    """A store over an empty graph (constraints in place)."""
    _session_store.wipe()
    return _session_store


def _derived_state(store) -> dict[str, dict]:
    """Every piece of derived state, by a stable key: TRUST relationships, buyer weights and the
    Standing nodes, with all their properties but the write's revision."""
    state: dict[str, dict] = {}
    run = lambda q: store.driver.execute_query(q, database_=store.database)[0]  # noqa: E731
    for r in run(
        "MATCH (b:Buyer)-[t:TRUST]->(x) "
        "RETURN b.id AS b, labels(x)[0] AS l, x.id AS x, properties(t) AS p"
    ):
        state[f"TRUST {r['b']} {r['l']} {r['x']}"] = r["p"]
    for r in run(
        "MATCH (b:Buyer) WHERE b.derivedAt IS NOT NULL RETURN b.id AS b, b.weight AS w, "
        "b.weightSignals AS s, b.weightReasons AS r, b.derivedAt AS at"
    ):
        state[f"BUYER {r['b']}"] = {
            "weight": r["w"],
            "signals": r["s"],
            "reasons": r["r"],
            "derivedAt": r["at"],
        }
    for r in run(
        "MATCH (st:Standing)-[:STANDING_OF]->(x) RETURN st.id AS id, properties(st) AS p, x.id AS x"
    ):
        # `rev` numbers the write for the badge-card caches: when it was written, not what
        props = {k: v for k, v in r["p"].items() if k != "rev"}
        state[f"STANDING {r['id']}"] = {**props, "entity": r["x"]}
    return state


@pytest.fixture()
def derived_state():
    """A function: store -> every piece of derived state (TRUST, buyer weights, Standing)."""
    return _derived_state
