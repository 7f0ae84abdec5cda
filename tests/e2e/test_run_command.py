"""What a new user does: `trustgraph up` (make run's command) loads the demo into an empty graph,
scores it, serves the API and prints a first query, which then answers."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.e2e.conftest import _free_port

pytestmark = pytest.mark.integration


def test_up_loads_the_demo_serves_and_prints_a_first_query(neo4j_settings, _session_store):
    _session_store.wipe()
    port = _free_port()
    env = neo4j_settings.child_environment()
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "up", "--demo-buyers", "600", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.time() + 300
        query = None
        assert proc.stdout is not None
        while query is None:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            m = re.search(r"first query to try:\s+(\{.*\})\s*$", line)
            if m:
                query = m.group(1)
            assert time.time() < deadline, "".join(lines)
        out = "".join(lines)
        assert "loading a demo platform" in out and "rescored 600 buyers" in out
        assert f"http://127.0.0.1:{port}/graphql" in out
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.3)
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=30
        ).json()
        assert not body.get("errors") and len(body["data"]["badges"]) == 3, body
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_busy_port_is_refused_before_anything_starts(neo4j_settings):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["serve", "--no-neo4j"], ["up"]):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "graph_api.cli", *command, "--port", str(port)],
                env=neo4j_settings.child_environment(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 1, done.stdout + done.stderr
            assert f"cannot serve on http://127.0.0.1:{port}: the port is in use" in done.stderr
            assert "make run PORT=" in done.stderr
            assert "serving" not in done.stdout + done.stderr  # nothing claimed to serve
            assert "Traceback" not in done.stderr
            assert time.monotonic() - started < 30
