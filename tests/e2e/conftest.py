"""End-to-end fixtures: the real service (uvicorn, real HTTP and WebSocket) over the real Neo4j
of the test session, with one API key per role."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from graph_api.auth import load_keys
from graph_api.service.app import create_app
from graph_api.service.ready import NotReady, wait_ready
from graph_api.settings import Settings

KEYS = {
    "MERCHANT": "mer-key-0123456789abcdef",
    "RECOMMENDER": "rec-key-0123456789abcdef",
    "RESEARCHER": "res-key-0123456789abcdef",
    "INGEST": "ing-key-0123456789abcdef",
    "ADMIN": "adm-key-0123456789abcdef",
}
# What a role's key is bound to (only MERCHANT keys are): the shop and host of the tests' tiny
# platforms (tests/e2e/test_roles.py, test_hints_by_role.py).
BINDINGS = {"MERCHANT": "shop/s1+host/h1"}
# TRUSTGRAPH_API_KEYS for all of them.
API_KEYS = ",".join(
    f"{k}:{role}" + (f"={BINDINGS[role]}" if role in BINDINGS else "") for role, k in KEYS.items()
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A uvicorn server in a thread of the test process, serving ``create_app(settings)``."""

    def __init__(self, settings: Settings) -> None:

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, name=f"uvicorn-{self.port}", daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class Client:
    """GraphQL over HTTP as a client sees it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=60)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        role: str | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if role is not None:
            headers["Authorization"] = f"Bearer {KEYS[role]}"
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, role: str | None = "ADMIN"
    ) -> dict[str, Any]:
        """Run an operation that must succeed; return its data."""
        r = self.post(query, variables, role)
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), body
        return body["data"]

    def error_codes(
        self, query: str, variables: dict[str, Any] | None = None, role: str | None = None
    ) -> list[str]:
        body = self.post(query, variables, role).json()
        return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.fixture(scope="session")
def service_settings(neo4j_settings: Settings) -> Settings:
    env = {"TRUSTGRAPH_API_KEYS": API_KEYS}
    return neo4j_settings.with_overrides(api_keys=load_keys(env), change_poll_ms=100)


@pytest.fixture(scope="module")
def server(service_settings: Settings, _session_store) -> Iterator[Server]:
    with Server(service_settings) as s:
        yield s


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Client]:
    c = Client(server.url)
    yield c
    c.http.close()


def serve_process(env: dict[str, str], port: int, **popen: Any) -> subprocess.Popen[Any]:
    """`trustgraph serve --port PORT` as a child process with ``env``."""
    return subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", str(port)], env=env, **popen
    )


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (serve's deriver), none once it is gone."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture()
def other_process(service_settings):
    """A second service, as its own process (`trustgraph serve`), on the same Neo4j."""
    port = _free_port()
    env = service_settings.child_environment(TRUSTGRAPH_API_KEYS=API_KEYS)
    proc = serve_process(env, port, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc=proc)
    except NotReady as exc:
        proc.kill()
        raise NotReady(f"{exc}: {proc.stdout.read() if proc.stdout else ''}") from None
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
