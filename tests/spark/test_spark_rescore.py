"""`trustgraph rescore --engine spark` against `trustgraph rescore`, on one seeded platform in a
real local[2] Spark session and the tests' real Neo4j: the graph each leaves, property by
property (every TRUST relationship, every Buyer node, every Standing node). This is also the
guard of the facts extraction that exists twice (cypher/features/*.cypher and
graph_api/spark/facts.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.derived import derived_state, differences, forget_derived
from graph_api.derive import rescore_all
from graph_api.ingest import Ingester, import_jsonl
from graph_api.research.rings import apply_rings, find_groups
from graph_api.seed import SeedConfig, generate
from graph_api.seed.jsonl import write_jsonl
from graph_api.spark.events import judged_events, summarize, validated_events
from graph_api.spark.parquet import export_events
from graph_api.spark.rebuild import spark_rescore
from graph_api.spark.session import open_session
from scoring.facts import MS_PER_DAY
from scoring.policy import default_policy
from tests.platforms import JUDGED_LINES, ORDER

pytestmark = pytest.mark.integration

BUYERS = 300


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    with open_session("local[2]", partitions=2) as session:
        yield session


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> tuple[list[dict[str, Any]], Path]:
    events = list(
        generate(
            SeedConfig(
                seed=11, buyers=BUYERS, attacks=("review_bombing", "refund_hiding", "camouflage")
            )
        )[0]
    )
    path = tmp_path_factory.mktemp("spark") / "events.jsonl"
    write_jsonl(events, str(path))
    return events, path


def test_spark_rebuild_equals_rescore(store, spark, platform):
    events, path = platform
    assert not Ingester(store, 5000).ingest(events).rejected
    policy = default_policy()
    clock = store.latest_event_at()
    assert clock is not None
    earlier = clock - 30 * MS_PER_DAY
    # Rings found on a scored graph and applied; then, from the facts and the marks alone, a
    # rebuild a month back and one at the clock (which starts from the first's badge state):
    # everything a rebuild reads besides the facts.
    rescore_all(store, policy, clock)
    rings, groups = find_groups(store, policy)
    assert apply_rings(store, rings, groups) > 0
    forget_derived(store)
    rescore_all(store, policy, earlier)
    summary = rescore_all(store, policy, clock)
    expected = derived_state(store)
    assert summary.total_pairs > 500 and summary.reweighted > 0
    assert any(k.startswith("STANDING ") and v["badges"] for k, v in expected.items())

    forget_derived(store)
    assert derived_state(store) != expected
    # The first from the JSONL file, the second from its Parquet export: both sources.
    parquet = path.with_suffix(".parquet")
    exported = export_events([str(path)], str(parquet))
    assert exported.events == len(events) and not exported.rejected
    first = spark_rescore(spark, store, policy, [str(path)], as_of=earlier, partitions=3)
    second = spark_rescore(spark, store, policy, [str(parquet)], partitions=2)
    assert first is not None and second is not None
    got = derived_state(store)
    assert not differences(expected, got), "\n".join(differences(expected, got))
    assert got == expected
    # Its summary counts what rescore's counts.
    s = second.summary
    assert (s.as_of, s.buyers, s.buyers_with_pairs, s.reweighted) == (
        summary.as_of,
        summary.buyers,
        summary.buyers_with_pairs,
        summary.reweighted,
    )
    assert s.to_dict()["levels"] == summary.to_dict()["levels"]
    assert (s.standings, s.badges, s.tiers) == (summary.standings, summary.badges, summary.tiers)
    assert second.log.accepted == len(events) == second.graph_events
    assert second.log.duplicates == 0 and not second.log.rejected


def test_the_log_is_judged_as_the_ingester_judges_it(store, spark, tmp_path):
    """Duplicates, reused ids, a second placement, an event about an unknown order, lines that
    are not events: the Spark job's counts are the import's, rejection code by code."""
    lines = [
        *JUDGED_LINES,
        "",
        json.dumps(
            {
                "eventId": "e8",
                "type": "COMMENTED",
                "at": "2099-01-01T00:00:00Z",
                "buyerId": "b1",
                "hostId": "h1",
            }
        ),  # fmt: skip
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = import_jsonl(Ingester(store, 5000), path, tmp_path / "rejected.jsonl")
    judged = judged_events(validated_events(spark, [str(path)]), store_now(), 300_000)
    log = summarize(judged)
    assert (log.read, log.accepted, log.duplicates) == (
        imported.lines,
        imported.accepted,
        imported.duplicates,
    )
    assert dict(log.rejected) == imported.rejection_codes
    assert imported.accepted == 2 and imported.duplicates == 1 and len(log.rejected) == 8
    assert log.examples and all(":" in line for line in log.examples)


def store_now() -> int:
    return int(time.time() * 1000)


def test_bad_event_paths_are_said_before_spark_starts(cli, tmp_path):
    missing = tmp_path / "nope.jsonl"
    done = cli("rescore", "--engine", "spark", "--events", str(missing))
    assert done.returncode == 1
    assert f"cannot import {missing}: no such file or folder" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    done = cli("rescore", "--engine", "spark", "--events", str(tmp_path / "notes.txt"))
    assert done.returncode == 1 and "not an event file" in done.stderr
    done = cli("rescore", "--engine", "spark")
    assert done.returncode == 1 and "--events" in done.stderr
    done = cli("rescore", "--events", str(missing))
    assert done.returncode == 1 and "--events is for --engine spark" in done.stderr


def test_no_java_is_one_line_before_spark_starts(neo4j_settings, tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"eventId": "e1", **ORDER}) + "\n", encoding="utf-8")
    env = {**neo4j_settings.child_environment(), "PATH": str(tmp_path)}  # no java on it
    env.pop("JAVA_HOME", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph_api.cli",
            "rescore",
            "--engine",
            "spark",
            "--events",
            str(log),
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "error: Spark (local[2]): no Java found" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_events_writes_the_valid_events_as_parquet(cli, tmp_path):
    src = tmp_path / "log.jsonl"
    src.write_text(
        json.dumps({"eventId": "e1", **ORDER, "category": "Tea"}) + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "events.parquet"
    done = cli("export-events", str(src), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["events"] == 1
    assert json.loads(done.stdout)["rejected"] == {"INVALID_JSON": 1}
    table = pq.read_table(out)
    assert table.num_rows == 1
    row = table.to_pylist()[0]
    assert row["category"] == "tea" and row["amount"] == 20.0 and row["rights"] is None
    assert row["at"].isoformat() == "2024-03-01T02:00:00+00:00"
    assert table.schema.field("at").type == pa.timestamp("ms", tz="UTC")
