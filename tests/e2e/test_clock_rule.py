"""The clock rule over real HTTP and the real CLI: an event dated later than the wall clock plus
TRUSTGRAPH_MAX_CLOCK_SKEW is refused with FUTURE_EVENT by every input path and leaves the graph's
clock where it was; trust and trustBatch give the same answer at the same asOf."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.test_ingest_and_subscriptions import RECORD, order_events

pytestmark = pytest.mark.integration

TRUST = """query($b: ID!, $h: ID, $s: ID, $at: DateTime) {
  trust(buyerId: $b, hostId: $h, shopId: $s, asOf: $at) { level score confidence asOf }
}"""
BATCH = """query($b: ID!, $h: [ID!], $s: [ID!], $at: DateTime) {
  trustBatch(buyerId: $b, hostIds: $h, shopIds: $s, asOf: $at) {
    targetIds levels scores confidences asOf
  }
}"""


def far_future(event_id: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "type": "COMMENTED",
        "at": "2099-12-31T12:00:00+08:00",
        "buyerId": "b1",
        "hostId": "h1",
    }


def event_count(store) -> int:
    return store.driver.execute_query(
        "MATCH (e:Event) RETURN count(e) AS n", database_=store.database
    )[0][0]["n"]


@pytest.fixture()
def shopping(_session_store):
    """b1 bought from h1/s1 on three days in September 2021 (recorded and rescored)."""
    store = _session_store
    store.wipe()
    return store


def record(client, events: list[dict[str, Any]]) -> dict[str, Any]:
    return client.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]


def test_an_event_from_2099_is_refused_and_the_clock_does_not_move(client, shopping, cli, tmp_path):
    events = [e for day in (3, 10, 17) for e in order_events(f"d{day}", "b1", "h1", "s1", day)]
    assert record(client, events)["accepted"] == len(events)
    clock = client.gql("{ clock }", role=None)["clock"]
    before = event_count(shopping)

    ok = {**order_events("late", "b1", "h1", "s1", 5)[0], "eventId": "in-time"}
    got = record(client, [far_future("from-2099"), ok])
    assert got["accepted"] == 1
    [refused] = got["rejected"]
    assert (refused["index"], refused["eventId"], refused["code"], refused["field"]) == (
        0,
        "from-2099",
        "FUTURE_EVENT",
        "at",
    )
    assert "2099-12-31" in refused["message"] and "TRUSTGRAPH_MAX_CLOCK_SKEW" in refused["message"]
    assert client.gql("{ clock }", role=None)["clock"] == clock
    assert event_count(shopping) == before + 1  # the one in time, not the one from 2099

    # The import path: the same rule, the same code, and exit status 4 (some rejected).
    path = tmp_path / "future.jsonl"
    path.write_text(json.dumps(far_future("from-2099-file")) + "\n", encoding="utf-8")
    done = cli("import", str(path), "--json")
    assert done.returncode == 4, done.stderr
    summary = json.loads(done.stdout)
    assert summary["accepted"] == 0 and summary["rejected"] == 1
    reject = json.loads((tmp_path / "future.jsonl.rejected.jsonl").read_text().splitlines()[0])
    assert (reject["code"], reject["field"], reject["line"]) == ("FUTURE_EVENT", "at", 1)
    assert client.gql("{ clock }", role=None)["clock"] == clock
    assert event_count(shopping) == before + 1


def compare(client, variables: dict[str, Any]) -> None:
    batch = client.gql(BATCH, variables, role="RECOMMENDER")["trustBatch"]
    hosts, shops = variables.get("h") or [], variables.get("s") or []
    for i, target in enumerate(batch["targetIds"]):
        one = {"b": variables["b"], "at": variables.get("at")}
        one["h" if i < len(hosts) else "s"] = target
        single = client.gql(TRUST, one, role="RECOMMENDER")["trust"]
        assert (batch["levels"][i], batch["scores"][i], batch["confidences"][i]) == (
            single["level"],
            single["score"],
            single["confidence"],
        ), (target, variables.get("at"))
    assert len(batch["targetIds"]) == len(hosts) + len(shops)


def test_trust_and_trust_batch_agree_at_the_same_as_of(client, shopping):
    events = [e for day in (3, 10, 17) for e in order_events(f"d{day}", "b1", "h1", "s1", day)]
    assert record(client, events)["accepted"] == len(events)
    targets = {"b": "b1", "h": ["h1", "h2", "nobody"], "s": ["s1", "no-shop"]}
    compare(client, targets)  # no asOf: both at the graph's clock (b1's stored relations)
    later = order_events("later", "b2", "h2", "s1", 25)
    assert record(client, later)["accepted"] == len(later)
    # b1's stored relations were scored before b2's events moved the clock: trustBatch scores
    # them live at the new clock, as trust does.
    compare(client, targets)
    for at in ("2021-09-05T00:00:00+08:00", "2021-09-20T00:00:00+08:00", "2022-03-01T00:00:00Z"):
        compare(client, {**targets, "at": at})
    early = client.gql(BATCH, {**targets, "at": "2021-09-05T00:00:00+08:00"}, role="RECOMMENDER")
    late = client.gql(BATCH, {**targets, "at": "2022-03-01T00:00:00Z"}, role="RECOMMENDER")
    assert early["trustBatch"]["scores"][0] != late["trustBatch"]["scores"][0]  # asOf is used
    assert early["trustBatch"]["asOf"][0].startswith("2021-09-04T16:00:00")
    assert early["trustBatch"]["asOf"][2] is None  # no facts with "nobody"
