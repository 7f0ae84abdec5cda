"""docs/research.md's walkthrough, run as written (on a smaller platform) against the real Neo4j:
a researcher goes from `trustgraph seed` to a networkx graph, a funnel report, the suspected rings
with their precision and recall, and a propagated ranking, following only the docs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "research.md"


def walkthrough() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## From a seeded graph to answers", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found is not None, "docs/research.md's walkthrough lost its sh block"
    return [line.split("  #")[0].strip() for line in found.group(1).splitlines() if line.strip()]


def test_the_walkthrough_runs_as_documented(store, tmp_path):
    steps = walkthrough()
    assert [s.split()[0] for s in steps] == [
        "trustgraph",
        "trustgraph",
        "python",
        "trustgraph",
        "trustgraph",
        "trustgraph",
    ], steps
    s = store.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRUSTGRAPH_"))}
    env.update(
        NEO4J_USER=s.neo4j_user, NEO4J_PASSWORD=s.neo4j_password, NEO4J_DATABASE=s.neo4j_database
    )
    if s.neo4j_uri:  # the tests run against an existing server: as a user of one would (NEO4J_URI)
        env["NEO4J_URI"] = s.neo4j_uri
        steps = [step for step in steps if not step.startswith("trustgraph neo4j start")]
    else:  # the test's own local Neo4j, which `trustgraph neo4j start` finds running
        env.update(
            TRUSTGRAPH_NEO4J_HOME=str(s.neo4j_home),
            TRUSTGRAPH_NEO4J_BOLT_PORT=str(s.bolt_port),
            TRUSTGRAPH_NEO4J_HTTP_PORT=str(s.http_port),
        )
    bindir = Path(sys.executable).parent
    outputs = []
    for step in steps:
        argv = shlex.split(
            step.replace("--buyers 20000", "--buyers 1500")
        )  # the docs' size takes minutes
        argv[0] = str(bindir / "trustgraph") if argv[0] == "trustgraph" else sys.executable
        done = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (step, done.stderr[-2000:])
        outputs.append(done.stdout)
    out = dict(zip((step.split()[1] for step in steps), outputs, strict=True))
    assert re.search(r"MultiDiGraph with \d+ nodes and \d+ edges", out["-c"])
    assert (
        (tmp_path / "report" / "summary.md")
        .read_text()
        .startswith("# The stranger -> regular funnel")
    )
    assert len(list((tmp_path / "report").glob("*.png"))) == 4
    assert "precision 1.000, recall 1.000" in out["rings"]
    assert re.search(r"^\s+1\. (HOST|SHOP) ", out["propagate"], re.M)
