"""Stopping `trustgraph serve` stops its deriver (TRUSTGRAPH_DERIVE=async).

uvicorn ends a server stopped by SIGTERM (a service manager's or `kill`'s stop) by raising the
signal again once its shutdown is done, so serve dies by the signal and its own cleanup, which
stops the deriver process, never runs. The deriver left behind went on deriving and holding the
lease: found by bench.ingest_api, whose next mode (inline) ran beside the previous mode's
deriver at a third of its speed. The deriver now watches the process that started it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from graph_api.service.ready import wait_ready
from tests.e2e.conftest import API_KEYS, _free_port, child_pids, serve_process

pytestmark = pytest.mark.integration


def test_a_sigtermed_service_leaves_no_deriver_behind(store, neo4j_settings):
    env = neo4j_settings.child_environment(
        TRUSTGRAPH_API_KEYS=API_KEYS, TRUSTGRAPH_DERIVE="async", TRUSTGRAPH_DERIVE_POLL_MS="50"
    )
    port = _free_port()
    serve = serve_process(
        env,
        port,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc=serve)
        deadline = time.monotonic() + 30
        while not (derivers := child_pids(serve.pid)):
            assert time.monotonic() < deadline, "serve started no deriver process"
            time.sleep(0.1)
        (deriver,) = derivers
        assert b"derive" in Path(f"/proc/{deriver}/cmdline").read_bytes()

        serve.send_signal(signal.SIGTERM)  # the service only, as `kill PID` does
        serve.wait(timeout=30)
        deadline = time.monotonic() + 15
        while Path(f"/proc/{deriver}").exists() and not _zombie(deriver):
            assert time.monotonic() < deadline, (
                f"the deriver (pid {deriver}) still runs 15 s after its service stopped "
                f"(serve's exit status {serve.returncode})"
            )
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):  # serve's group: a deriver left behind
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except OSError:
        return False
