"""The `trustgraph` command as a user runs it: a real process against the real Neo4j."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from graph_api.derive import read_positions

pytestmark = pytest.mark.integration


def run(settings, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = settings.child_environment()
    proc = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_seed_to_file_is_deterministic_and_imports_idempotently(store, tmp_path):
    settings = store.settings
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run(settings, "seed", "--buyers", "300", "--seed", "11", "--out", str(a))
    run(settings, "seed", "--buyers", "300", "--seed", "11", "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    events = a.read_text().count("\n")

    first = json.loads(run(settings, "import", str(a), "--json").stdout)
    assert (first["lines"], first["accepted"], first["rejected"]) == (events, events, 0)
    stats1 = json.loads(run(settings, "stats", "--json").stdout)
    assert stats1["nodes"]["Event"] == events and stats1["nodes"]["Buyer"] > 0

    again = run(settings, "import", str(a))
    assert "duplicates " in again.stdout and f"{events:,}" in again.stdout
    assert json.loads(run(settings, "stats", "--json").stdout) == stats1


def test_seed_into_the_graph_prints_what_it_made(store, tmp_path):
    settings = store.settings
    truth = tmp_path / "truth.json"
    out = run(settings, "seed", "--buyers", "500", "--truth", str(truth)).stdout
    assert "accepted" in out and "repurchase" in out.lower()
    report = json.loads(truth.read_text())
    stats = json.loads(run(settings, "stats", "--json").stdout)
    assert (
        stats["nodes"]["Order"] > 0 and stats["relationships"]["PLACED"] == stats["nodes"]["Order"]
    )
    assert report  # the ground truth of the planted bad actors
    # Scored once at the end (--derive rebuild): trust, and a standing per shop and host.
    assert "rescored 500 buyers" in out and stats["relationships"]["TRUST"] > 0
    assert stats["nodes"]["Standing"] == stats["nodes"]["Shop"] + stats["nodes"]["Host"]
    # A rescore says what it changed: years later, trust has decayed and tiers moved.
    later = run(settings, "rescore", "--as-of", "2030-01-01T00:00:00Z").stdout
    changed = re.search(r"changed  ([\d,]+) badges granted, ([\d,]+) lost, ([\d,]+) tiers", later)
    assert changed and sum(int(g.replace(",", "")) for g in changed.groups()) > 0, later
    assert re.search(r"^    [-+~] (SHOP|HOST):\S+ ", later, re.M), later
    assert re.search(r"^  levels   .*REGULAR [\d,]+ -> [\d,]+", later, re.M), later


def test_import_derive_modes(store, tmp_path):
    settings = store.settings
    src = tmp_path / "small.jsonl"
    run(settings, "seed", "--buyers", "120", "--days", "30", "--out", str(src))
    none = json.loads(run(settings, "import", str(src), "--derive", "none", "--json").stdout)
    assert none["rescored"]["buyers"] == 0 and none["rebuild"] is None
    assert json.loads(run(settings, "stats", "--json").stdout)["relationships"].get("TRUST", 0) == 0
    store.wipe()
    incremental = json.loads(run(settings, "import", str(src), "--json").stdout)
    assert incremental["rescored"]["buyers"] >= 120 and incremental["rescored"]["trustChanges"] > 0
    assert read_positions(store).lag == 0, "the import ends when everything is derived"
    trust = json.loads(run(settings, "stats", "--json").stdout)["relationships"]["TRUST"]
    store.wipe()
    rebuilt = json.loads(run(settings, "import", str(src), "--derive", "rebuild", "--json").stdout)
    assert rebuilt["rebuild"]["buyers"] >= 120
    assert sum(rebuilt["rebuild"]["pairs"].values()) == trust
    bad = run(settings, "import", str(src), "--derive", "sometimes", check=False)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_import_reports_rejects_with_their_reasons(store, tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "eventId": "a",
                        "type": "BUYER_REGISTERED",
                        "at": "2021-09-01T00:00:00Z",
                        "buyerId": "b1",
                    }
                ),
                "{oops",
                json.dumps(
                    {
                        "eventId": "c",
                        "type": "WATCHED",
                        "at": "2021-09-01T00:00:00Z",
                        "buyerId": "b1",
                        "hostId": "h1",
                        "minutes": 2000,
                    }
                ),
            ]
        )
        + "\n"
    )
    done = run(store.settings, "import", str(src), "--json", check=False)
    assert done.returncode == 4, done.stderr  # ran to the end, some rejected (README)
    summary = json.loads(done.stdout)
    assert (summary["accepted"], summary["rejected"]) == (1, 2)
    assert summary["rejectionCodes"] == {"INVALID_JSON": 1, "OUT_OF_RANGE": 1}
    rejected = [json.loads(x) for x in Path(summary["rejectedPath"]).read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rejected] == [(2, None), (3, "minutes")]


def test_bad_input_gets_a_clear_error(store, tmp_path):
    proc = run(store.settings, "import", str(tmp_path / "missing.jsonl"), check=False)
    assert proc.returncode == 1 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(store.settings, "seed", "--buyers", "0", check=False)
    assert proc.returncode == 2 and "--buyers" in proc.stderr
    proc = run(
        store.settings, "seed", "--start", "June", "--out", str(tmp_path / "x.jsonl"), check=False
    )
    assert proc.returncode == 1 and "start" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(store.settings, "neo4j", "start", check=False)
    assert proc.returncode == 1 and "NEO4J_URI is set" in proc.stderr


def test_unreachable_server_is_reported_without_a_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRUSTGRAPH_"))}
    env["NEO4J_URI"] = "bolt://127.0.0.1:9"  # nothing listens on the discard port
    proc = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "unavailable" in proc.stderr and "Traceback" not in proc.stderr
