"""The bulk writer without a database: the same batch decisions as the transactional import, and
CSV files that neo4j-admin reads back as the values written (tests/integration/test_bulk.py
compares whole graphs against the real import)."""

from __future__ import annotations

import csv
from pathlib import Path

from graph_api import events as ev
from graph_api.ingest.bulk import _APPLY, BulkWriter
from graph_api.ingest.plan import write_queries


def _items(raw: list[dict]) -> list[tuple[int, dict]]:
    out = []
    for i, r in enumerate(raw):
        checked = ev.validate_event(r, i)
        assert isinstance(checked, dict), checked
        out.append((i, checked))
    return out


def _placed(n: str) -> dict:
    return {
        "eventId": f"p{n}", "type": "ORDER_PLACED", "at": "2021-07-01T00:00:00Z", "orderId": n,
        "buyerId": "b1", "hostId": "h1", "shopId": "s1", "amount": 10,
    }  # fmt: skip


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_batches_decide_as_the_transactional_import_does(tmp_path):
    writer = BulkWriter(tmp_path, 2, clock=lambda: ev.parse_at("2022-01-01T00:00:00Z"))
    early = {
        "eventId": "d1",
        "type": "ORDER_DELIVERED",
        "at": "2021-07-02T00:00:00Z",
        "orderId": "o1",
    }
    first = writer.write_valid(_items([early, _placed("o2")]))
    assert [r.code for r in first.rejected] == ["UNKNOWN_ORDER"]
    assert first.position == 1
    # The same delivery in the batch of its order is accepted; a replay is a duplicate; a reused
    # eventId with other content is a conflict; a future event is refused by the clock rule.
    second = writer.write_valid(_items([_placed("o1"), early]))
    assert not second.rejected and second.position == 2
    replay = {**_placed("o1")}
    conflict = {**_placed("o1"), "amount": 11}
    future = {**early, "eventId": "d9", "at": "2023-01-01T00:00:00Z"}
    third = writer.write_valid(_items([replay, conflict, future]))
    assert third.duplicates == 1
    assert sorted(r.code for r in third.rejected) == ["EVENT_ID_CONFLICT", "FUTURE_EVENT"]
    assert third.position is None  # nothing accepted: no log entry

    files = writer.graph.write_csv()
    nodes = dict(files.nodes)
    orders = _rows(nodes["Order"])
    assert orders[0][:3] == ["id:ID(Order)", "amount:double", "placedAt:long"]
    delivered = {row[0]: row[5] for row in orders[1:]}
    assert delivered == {"o2": "", "o1": str(ev.parse_at("2021-07-02T00:00:00Z"))}
    assert [r[0] for r in _rows(nodes["IngestBatch"])[1:]] == ["1", "2"]
    assert files.node_count == sum(len(_rows(p)) - 1 for _, p in files.nodes)


def test_text_survives_csv_quoting(tmp_path):
    writer = BulkWriter(tmp_path, 10)
    name = 'He said "hi", ok; 好'
    writer.write_valid(
        _items([{"eventId": "h", "type": "HOST_REGISTERED", "at": "2021-07-01T00:00:00Z",
                 "hostId": "h1", "name": name}])
    )  # fmt: skip
    hosts = _rows(dict(writer.graph.write_csv().nodes)["Host"])
    assert hosts[1][0] == "h1" and hosts[1][3] == name


def test_every_planned_query_has_a_bulk_function():
    assert set(write_queries()) <= set(_APPLY)
