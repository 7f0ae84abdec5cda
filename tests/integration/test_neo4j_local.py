"""The local Neo4j launcher against a real server: own home dir, unusual ports, shared jar cache.

The jars are assembled once into the default cache (~/.cache/trustgraph, or TRUSTGRAPH_CACHE_DIR)
and shared with every other use; the server itself runs in a temporary home on free ports so it
never meets a Neo4j on 7687 or 17687.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from graph_api.errors import Neo4jLaunchError
from graph_api.neo4j_local import LocalNeo4j
from graph_api.settings import Settings, load_settings

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Free ports chosen at collection, so that two checkouts can run these tests side by side.
BOLT_PORT = _free_port()
HTTP_PORT = _free_port()
PASSWORD = "local-test-pw"

# No skip when java or mvn is missing: the test command installs them (scripts/bootstrap.sh),
# so their absence is a failure to report, not a reason to pass quietly.
needs_tools = pytest.mark.integration


def _settings(home: Path, **env: str) -> Settings:
    base = {
        "TRUSTGRAPH_NEO4J_HOME": str(home),
        "TRUSTGRAPH_NEO4J_BOLT_PORT": str(BOLT_PORT),
        "TRUSTGRAPH_NEO4J_HTTP_PORT": str(HTTP_PORT),
        "TRUSTGRAPH_NEO4J_HEAP": "512m",
        "TRUSTGRAPH_NEO4J_PAGECACHE": "256m",
        "NEO4J_PASSWORD": PASSWORD,
    }
    if os.environ.get("TRUSTGRAPH_CACHE_DIR"):
        base["TRUSTGRAPH_CACHE_DIR"] = os.environ["TRUSTGRAPH_CACHE_DIR"]
    return load_settings({**base, **env})


@pytest.fixture
def neo(tmp_path: Path) -> Iterator[LocalNeo4j]:
    local = LocalNeo4j(_settings(tmp_path / "home"), log=print)
    yield local
    local.stop(timeout=30)  # never leave a server behind, whatever the test did


def _query(uri: str, password: str) -> int:
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
        records, _, _ = driver.execute_query("CREATE (n:Probe {v: 41}) RETURN n.v + 1 AS v")
        return int(records[0]["v"])


@needs_tools
def test_start_query_idempotent_start_stop(neo: LocalNeo4j, tmp_path: Path) -> None:
    assert not neo.status().running

    uri = neo.start()
    assert uri == f"bolt://127.0.0.1:{BOLT_PORT}"
    status = neo.status()
    assert status.running and status.pid is not None and status.installed
    assert "running" in status.describe() and uri in status.describe()

    # Auth is on: the configured password works, another one does not.
    assert _query(uri, PASSWORD) == 42
    with pytest.raises(AuthError):
        _query(uri, "not-the-password")

    # A second start finds the running server and does not spawn another.
    assert neo.start() == uri
    assert neo.status().pid == status.pid

    # Another home on the same ports: the (dual-stack) listener of the running server is detected.
    other = LocalNeo4j(_settings(tmp_path / "other-home"), log=print)
    with pytest.raises(Neo4jLaunchError, match=f"port {BOLT_PORT} .*TRUSTGRAPH_NEO4J_BOLT_PORT"):
        other.start(timeout=30)

    assert neo.stop() is True
    stopped = neo.status()
    assert not stopped.running and stopped.pid is None
    assert "not running" in stopped.describe()
    assert not (neo.home / "run" / "neo4j.pid").exists()
    assert neo.stop() is False


@needs_tools
def test_server_started_by_one_process_is_stopped_by_another(neo: LocalNeo4j) -> None:
    # Start in a separate Python process (which then exits), then find and stop it from here:
    # only the pid file connects the two. The data from the first life survives a restart.
    script = (
        "import json, sys\n"
        "from graph_api.neo4j_local import LocalNeo4j\n"
        "from graph_api.settings import load_settings\n"
        "print(LocalNeo4j(load_settings(json.loads(sys.argv[1]))).start())\n"
    )
    env_for_child = {
        "TRUSTGRAPH_NEO4J_HOME": str(neo.home),
        "TRUSTGRAPH_CACHE_DIR": str(neo.settings.cache_dir),
        "TRUSTGRAPH_NEO4J_BOLT_PORT": str(BOLT_PORT),
        "TRUSTGRAPH_NEO4J_HTTP_PORT": str(HTTP_PORT),
        "TRUSTGRAPH_NEO4J_HEAP": "512m",
        "TRUSTGRAPH_NEO4J_PAGECACHE": "256m",
        "NEO4J_PASSWORD": PASSWORD,
    }
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(env_for_child)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    status = neo.status()
    assert status.running, result.stdout
    assert _query(status.bolt_uri, PASSWORD) == 42

    assert neo.stop() is True
    assert not neo.status().running

    neo.start()
    with GraphDatabase.driver(neo.bolt_uri, auth=("neo4j", PASSWORD)) as driver:
        records, _, _ = driver.execute_query("MATCH (n:Probe) RETURN count(n) AS c")
    assert records[0]["c"] == 1
    assert neo.stop() is True


@needs_tools
@pytest.mark.parametrize("which", ["bolt", "http"])
def test_taken_port_is_named_in_the_error(tmp_path: Path, which: str) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        var = f"TRUSTGRAPH_NEO4J_{which.upper()}_PORT"
        neo = LocalNeo4j(_settings(tmp_path / "home", **{var: str(port)}), log=lambda _msg: None)
        with pytest.raises(Neo4jLaunchError) as err:
            neo.start(timeout=30)
    message = str(err.value)
    assert str(port) in message and var in message
    assert not neo.status().running


def test_missing_java_and_maven_are_explained(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    settings = _settings(tmp_path / "home", TRUSTGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    neo = LocalNeo4j(settings, log=lambda _msg: None, env={"PATH": str(empty)})
    for action in (neo.install, neo.start):
        with pytest.raises(Neo4jLaunchError) as err:
            action()
        assert "'java' was not found" in str(err.value) and "apt-get install" in str(err.value)
    assert not neo.status().installed


@needs_tools
def test_missing_maven_is_explained(tmp_path: Path) -> None:
    # A PATH that holds a real java but no mvn.
    only_java = tmp_path / "only-java"
    only_java.mkdir()
    (only_java / "java").symlink_to(os.path.realpath(shutil.which("java") or ""))
    settings = _settings(tmp_path / "home", TRUSTGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    neo = LocalNeo4j(settings, log=lambda _msg: None, env={"PATH": str(only_java)})
    with pytest.raises(Neo4jLaunchError) as err:
        neo.install()
    assert "'mvn' was not found" in str(err.value) and "maven" in str(err.value)


def test_unsupported_java_version_is_explained(tmp_path: Path) -> None:
    fake = tmp_path / "old-java"
    fake.mkdir()
    java = fake / "java"
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    java.chmod(0o755)
    settings = _settings(tmp_path / "home", TRUSTGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    neo = LocalNeo4j(settings, log=lambda _msg: None, env={"PATH": str(fake)})
    with pytest.raises(Neo4jLaunchError, match="Java 11"):
        neo.install()


def test_stale_pid_file_is_ignored_and_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])  # a pid that certainly is gone once waited for
    dead.wait()
    settings = _settings(tmp_path / "home")
    pid_file = settings.neo4j_home / "run" / "neo4j.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{dead.pid}\n")
    neo = LocalNeo4j(settings, log=lambda _msg: None)
    assert not neo.status().running
    assert not pid_file.exists()
    assert neo.stop() is False

    # A live process that is not our server (pid reuse) is not mistaken for it either.
    pid_file.write_text(f"{os.getpid()}\n")
    assert not neo.status().running


@needs_tools
def test_failed_start_reports_the_server_log(tmp_path: Path) -> None:
    # Heap plus page cache beyond physical memory: Neo4j refuses to start (exit code 3).
    neo = LocalNeo4j(
        _settings(tmp_path / "home", TRUSTGRAPH_NEO4J_PAGECACHE="4096g"), log=lambda _msg: None
    )
    with pytest.raises(Neo4jLaunchError) as err:
        neo.start(timeout=60)
    assert "exited during startup" in str(err.value)
    assert err.value.log_tail and "exceeds physical memory" in err.value.log_tail
    assert not neo.status().running
