"""Every example operation in docs/api.md runs, with the role its marker names, against the demo
platform that `make run` loads; none may return an error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from graph_api.seed import SeedConfig
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_EXAMPLE = re.compile(
    r"<!-- example: role=(\w+) -->\n```graphql\n(.*?)```\n(?:```json\n(.*?)```\n)?", re.S
)


def examples() -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        (role, query, json.loads(variables) if variables else {})
        for role, query, variables in _EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    ]
    assert len(found) >= 8, "docs/api.md lost its examples"
    return found


def _operation_name(query: str) -> str:
    """The name an example declares its operation with: the test's id."""
    named = re.search(r"(query|mutation) (\w+)", query)
    assert named is not None, f"an example of docs/api.md has no operation name: {query}"
    return named.group(2)


@pytest.fixture(scope="module")
def demo(_session_store):
    seed_platform(_session_store, SeedConfig(seed=7, buyers=2000, start="2021-06-01", days=180))
    return _session_store


@pytest.mark.parametrize(
    "role, query, variables",
    examples(),
    ids=[_operation_name(q) for _, q, _ in examples()],
)
def test_documented_example_runs(client, demo, role, query, variables):
    data = client.gql(query, variables, role=None if role == "PUBLIC" else role)
    assert data and all(v is not None for v in data.values()), data
    if "journey" in data:
        levels = [s["toLevel"] for s in data["journey"]["steps"]]
        assert levels[0] == "STRANGER" and "REGULAR" in levels
    if "recordEvents" in data:
        got = data["recordEvents"]
        assert (got["accepted"], [r["code"] for r in got["rejected"]]) == (2, ["OUT_OF_RANGE"])
    if "global" in data:
        assert data["global"]["converged"] and len(data["global"]["entries"]) == 5
        assert data["forBuyer"]["entries"] and not any(
            e["known"] for e in data["forBuyer"]["entries"]
        )
    if "funnel" in data:
        f = data["funnel"]
        assert f["pairs"] > 100 and f["timeToRegular"]["reached"] > 0
        assert {c["category"] for c in f["conversion"]} == {None, "tea"}
        assert {c["factor"] for c in f["conversion"]} == {"ALL", "SHOP_RIGHTS", "FAN_CLUB_TIER"}
    if "badges" in data:
        assert data["badges"][1]["badge"]["badges"]  # s00031 holds badges in the demo
