"""Two deriver processes side by side (`trustgraph derive --follow`), as two service replicas
would run them: while batches are ingested, one of them is killed mid-stream; the rounds the
processes report never overlap (the lease: one derives at a time), together they cover every
logged batch, and the derived state equals a full rebuild at the same clock."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from graph_api.derive import read_positions
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester
from graph_api.seed import SeedConfig
from scoring.policy import default_policy
from tests.integration.test_incremental import diff
from tests.platforms import clock_first

pytestmark = pytest.mark.integration


def deriver(settings) -> subprocess.Popen[str]:
    env = settings.child_environment(
        TRUSTGRAPH_DERIVE_LEASE_MS="2000", TRUSTGRAPH_DERIVE_POLL_MS="20"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "derive", "--follow", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def rounds_of(proc: subprocess.Popen[str]) -> list[dict]:
    out, _ = proc.communicate(timeout=60)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_two_derivers_share_the_log_without_deriving_a_round_twice(
    store, neo4j_settings, derived_state
):
    events, last = clock_first(SeedConfig(seed=3, buyers=300, days=60))
    first, second = deriver(neo4j_settings), deriver(neo4j_settings)
    killed: list[dict] = []
    try:
        ingester = Ingester(store, 100)
        for i in range(0, len(events), 100):
            ingester.ingest(events[i : i + 100])
            if i == len(events) // 2 // 100 * 100:
                first.send_signal(signal.SIGKILL)  # mid-stream, perhaps mid-round
                killed = rounds_of(first)
            time.sleep(0.02)
        deadline = time.monotonic() + 120
        while read_positions(store).lag > 0:
            assert time.monotonic() < deadline, f"not derived: {read_positions(store)}"
            time.sleep(0.1)
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
    survivor = rounds_of(second)
    assert second.returncode == 0, "SIGTERM is a clean stop"
    logged = read_positions(store).ingested
    assert logged == -(-len(events) // 100)
    spans = sorted((r["from"], r["to"]) for r in killed + survivor)
    assert spans and {r["holder"] for r in survivor} and len({r["holder"] for r in survivor}) == 1
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"two rounds derived the same batches: {spans}"
    covered = {seq for start, end in spans for seq in range(start + 1, end + 1)}
    # The killed process may have finished one more round without printing it (killed between
    # moving the position and the print): that range, right after its last printed round, is
    # the only gap allowed.
    gap = sorted(set(range(1, logged + 1)) - covered)
    if gap:
        after_killed = max((r["to"] for r in killed), default=0)
        assert gap == list(range(after_killed + 1, after_killed + 1 + len(gap))), (gap, spans)

    incremental = derived_state(store)
    rescore_all(store, default_policy(), last)
    assert diff(incremental, derived_state(store)) == []
