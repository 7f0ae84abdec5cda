"""The bulk path (``--bulk``: neo4j-admin database import full) builds the graph the transactional
import builds from the same events: every node and relationship with every property, derived
state, ingest log and clocks included, and rejects the same events with the same codes.

The transactional import runs against the tests' server; the bulk load against a second local
server of its own (the tool stops and restarts the server it loads into).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graph_api.seed import SeedConfig, generate, write_jsonl
from graph_api.settings import load_settings
from graph_api.store import Store

ROOT = Path(__file__).resolve().parents[2]
BATCH = "97"  # small batches: many batch boundaries, across which rejections differ


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def bulk_env(neo4j_settings):
    """The environment of a ``trustgraph`` command that uses a second local server, stopped at
    the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TRUSTGRAPH_"))}
    if "TRUSTGRAPH_CACHE_DIR" in os.environ:
        env["TRUSTGRAPH_CACHE_DIR"] = os.environ["TRUSTGRAPH_CACHE_DIR"]
    env.update(
        TRUSTGRAPH_NEO4J_HOME=str(ROOT / ".trustgraph" / "test-neo4j-bulk"),
        TRUSTGRAPH_NEO4J_BOLT_PORT=str(_free_port()),
        TRUSTGRAPH_NEO4J_HTTP_PORT=str(_free_port()),
        TRUSTGRAPH_NEO4J_HEAP="1g",
        TRUSTGRAPH_NEO4J_PAGECACHE="256m",
    )
    # A fresh database every run: a previous run's load is in the way of the next (it must be
    # empty). The server is stopped first in case an interrupted run left it up.
    _run(env, "neo4j", "stop")
    shutil.rmtree(env["TRUSTGRAPH_NEO4J_HOME"], ignore_errors=True)
    try:
        yield env
    finally:
        _run(env, "neo4j", "stop")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _edge_cases() -> list[Any]:
    """Events where batching, MERGE and clause-at-a-time semantics decide the outcome, and bad
    events of every kind (all dated inside the seeded platform's time)."""
    t = "2021-07-0{}T12:00:00Z".format
    e: list[Any] = [
        # Registrations: two in one batch with different categories, then an older one.
        {
            "eventId": "x-h1",
            "type": "HOST_REGISTERED",
            "at": t(1),
            "hostId": "hx",
            "name": 'He said "hi", ok; 好',
            "category": "Tea",
        },
        {
            "eventId": "x-h2",
            "type": "HOST_REGISTERED",
            "at": t(2),
            "hostId": "hx",
            "category": "snacks",
        },
        {
            "eventId": "x-s1",
            "type": "SHOP_REGISTERED",
            "at": t(3),
            "shopId": "sx",
            "name": "Shop, with comma",
        },
        {
            "eventId": "x-r0",
            "type": "SHOP_RIGHTS_CHANGED",
            "at": t(3),
            "shopId": "sx",
            "rights": [],
        },
        {
            "eventId": "x-o1",
            "type": "ORDER_PLACED",
            "at": t(3),
            "orderId": "ox1",
            "buyerId": "bx",
            "hostId": "hx",
            "shopId": "sx",
            "amount": 19.9,
        },
        {
            "eventId": "x-rf1",
            "type": "ORDER_REFUNDED",
            "at": t(4),
            "orderId": "ox1",
            "reason": "DEFECT",
            "returned": True,
        },
        {
            "eventId": "x-rf2",
            "type": "ORDER_REFUNDED",
            "at": t(5),
            "orderId": "ox1",
            "reason": "OTHER",
            "returned": False,
        },
        {
            "eventId": "x-d1",
            "type": "DISPUTE_RULED",
            "at": t(5),
            "orderId": "ox1",
            "ruling": "FOR_BUYER",
        },
        {"eventId": "x-f1", "type": "FOLLOWED", "at": t(1), "buyerId": "bx", "hostId": "hx"},
        {"eventId": "x-f2", "type": "UNFOLLOWED", "at": t(2), "buyerId": "bx", "hostId": "hx"},
        {"eventId": "x-f3", "type": "FOLLOWED", "at": t(3), "buyerId": "bx", "hostId": "hx"},
        {
            "eventId": "x-t1",
            "type": "FAN_CLUB_TIER_SET",
            "at": t(2),
            "buyerId": "bx",
            "hostId": "hx",
            "tier": 0,
        },
        {
            "eventId": "x-t2",
            "type": "FAN_CLUB_TIER_SET",
            "at": t(3),
            "buyerId": "bx",
            "hostId": "hx",
            "tier": 4,
        },
        {
            "eventId": "x-p1",
            "type": "VIOLATION_PENALIZED",
            "at": t(4),
            "hostId": "hx",
            "severity": 2,
            "code": "FAKE_ID",
        },
        {
            "eventId": "x-p2",
            "type": "VIOLATION_PENALIZED",
            "at": t(4),
            "shopId": "sx",
            "severity": 1,
            "code": "LATE",
        },
        {
            "eventId": "x-a1",
            "type": "FALSE_AD_REPORTED",
            "at": t(4),
            "reportId": "rx1",
            "buyerId": "bx",
            "hostId": "hx",
        },
        {"eventId": "x-a2", "type": "FALSE_AD_CONFIRMED", "at": t(5), "reportId": "rx1"},
        # Bad ones, each rejected alone.
        {"eventId": "x-u1", "type": "ORDER_DELIVERED", "at": t(5), "orderId": "nope"},
        {
            "eventId": "x-o1",
            "type": "ORDER_PLACED",
            "at": t(3),
            "orderId": "ox2",
            "buyerId": "bx",
            "hostId": "hx",
            "shopId": "sx",
            "amount": 5,
        },
        {
            "eventId": "x-o3",
            "type": "ORDER_PLACED",
            "at": t(6),
            "orderId": "ox1",
            "buyerId": "bx",
            "hostId": "hx",
            "shopId": "sx",
            "amount": 5,
        },
        {
            "eventId": "x-fut",
            "type": "WATCHED",
            "at": "2099-01-01T00:00:00Z",
            "buyerId": "bx",
            "hostId": "hx",
            "minutes": 3,
        },
        {"eventId": "x-bad", "type": "NOPE", "at": t(1)},
        {"eventId": "x-miss", "type": "REVIEW_POSTED", "at": t(1), "orderId": "ox1"},
        # A replay (a duplicate, not a rejection).
        {"eventId": "x-f1", "type": "FOLLOWED", "at": t(1), "buyerId": "bx", "hostId": "hx"},
    ]
    # An order event sent before its order (rejected, it is in an earlier batch), then the order.
    e += [{"eventId": "x-early", "type": "ORDER_DELIVERED", "at": t(7), "orderId": "ox9"}]
    e += [
        {
            "eventId": f"x-w{i}",
            "type": "WATCHED",
            "at": t(6),
            "buyerId": "by",
            "hostId": "hx",
            "minutes": 1.5,
        }
        for i in range(100)
    ]
    e += [
        {
            "eventId": "x-o9",
            "type": "ORDER_PLACED",
            "at": t(7),
            "orderId": "ox9",
            "buyerId": "by",
            "hostId": "hx",
            "shopId": "sx",
            "amount": 7.25,
            "itemId": "i9",
            "category": "Tea",
        },
        {
            "eventId": "x-h0",
            "type": "HOST_REGISTERED",
            "at": "2021-06-01T00:00:00Z",
            "hostId": "hx",
            "name": "old",
            "category": "phones",
        },
        {
            "eventId": "x-rf3",
            "type": "ORDER_REFUNDED",
            "at": t(3),
            "orderId": "ox1",
            "reason": "NOT_DELIVERED",
            "returned": False,
        },
    ]
    return e


@pytest.fixture(scope="module")
def events_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "platform.jsonl"
    events, _ = generate(SeedConfig(seed=11, buyers=400, days=60, start="2021-06-01"))
    write_jsonl(events, str(path))
    with path.open("a", encoding="utf-8") as out:
        for event in _edge_cases():
            out.write(json.dumps(event, ensure_ascii=False) + "\n")
        out.write("{not json\n")
    return path


# The deriver's lease (after incremental derivation) names its process and time: not compared.
_NODES = "MATCH (n) WHERE NOT n:Lease RETURN labels(n) AS labels, properties(n) AS props"
_RELS = (
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS al, "
    "coalesce(a.id, toString(a.seq)) AS a, labels(b) AS bl, coalesce(b.id, toString(b.seq)) AS b, "
    "properties(r) AS props"
)


def dump(store: Store) -> tuple[Counter[str], Counter[str]]:
    """Every node and relationship as a canonical row (labels, end points, all properties)."""

    def rows(query: str) -> Counter[str]:
        records = store.driver.execute_query(query, database_=store.database)[0]
        return Counter(
            json.dumps(_comparable(r.data()), sort_keys=True, ensure_ascii=False) for r in records
        )

    return rows(_NODES), rows(_RELS)


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """The epochs of the badge-card and trust counters are random ids, new in every graph: not
    compared."""
    if row.get("labels") == ["Clock"] and row["props"].get("id") in ("cards", "trust"):
        row["props"].pop("epoch", None)
    return row


def _rejects(path: Path) -> list[tuple[Any, ...]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        # FUTURE_EVENT's message names the wall clock of the moment it was checked.
        message = None if r["code"] == "FUTURE_EVENT" else r["message"]
        out.append((r["line"], r["eventId"], r["code"], r["field"], message, r["event"]))
    # By line: the file's order interleaves parse-time and batch-time rejects as threads run.
    return sorted(out)


def _assert_same(expected: Counter[str], got: Counter[str], what: str) -> None:
    missing, extra = expected - got, got - expected
    assert not missing and not extra, (
        f"{what} differ: {sum(missing.values())} only transactional, e.g. "
        f"{list(missing)[:3]}; {sum(extra.values())} only bulk, e.g. {list(extra)[:3]}"
    )


def test_bulk_load_builds_the_graph_the_transactional_import_builds(
    store, cli, bulk_env, events_file, tmp_path
):
    tx = cli(
        "import", str(events_file), "--batch-size", BATCH, "--derive", "rebuild",
        "--rejected", str(tmp_path / "tx.rejected.jsonl"),
    )  # fmt: skip
    assert tx.returncode == 4, tx.stderr
    bulk = _run(
        bulk_env, "import", "--bulk", str(events_file), "--batch-size", BATCH,
        "--rejected", str(tmp_path / "bulk.rejected.jsonl"),
    )  # fmt: skip
    assert bulk.returncode == 4, bulk.stdout + bulk.stderr
    assert "bulk load:" in bulk.stdout

    tx_rejects = _rejects(tmp_path / "tx.rejected.jsonl")
    assert _rejects(tmp_path / "bulk.rejected.jsonl") == tx_rejects
    codes = {r[2] for r in tx_rejects}
    assert codes >= {
        "UNKNOWN_ORDER", "EVENT_ID_CONFLICT", "DUPLICATE_ORDER", "FUTURE_EVENT", "UNKNOWN_TYPE",
        "MISSING_FIELD", "INVALID_JSON",
    }  # fmt: skip

    with Store(load_settings(bulk_env)) as bulk_store:
        tx_nodes, tx_rels = dump(store)
        bulk_nodes, bulk_rels = dump(bulk_store)
        _assert_same(tx_nodes, bulk_nodes, "nodes")
        _assert_same(tx_rels, bulk_rels, "relationships")
        labels = Counter(json.loads(row)["labels"][0] for row in tx_nodes.elements())
        assert labels["Order"] > 100 and labels["Standing"] > 0 and labels["Clock"] >= 3
        # Two category registrations of one host in one batch leave the later one; of the
        # refunds of one order (two in one batch, an earlier one in a later batch), the
        # earliest stands: both paths, within a batch as across batches.
        categories = store.driver.execute_query(
            "MATCH (:Host {id: 'hx'})-[:IN_CATEGORY]->(c) RETURN collect(c.id) AS c",
            database_=store.database,
        )[0][0]["c"]
        assert categories == ["snacks"]
        refund = store.driver.execute_query(
            "MATCH (o:Order {id: 'ox1'}) RETURN o.refundReason AS reason, o.returned AS returned",
            database_=store.database,
        )[0][0]
        assert (refund["reason"], refund["returned"]) == ("NOT_DELIVERED", False)

        # Transactional ingestion and incremental derivation carry on from a bulk load.
        more = tmp_path / "more.jsonl"
        more.write_text(
            json.dumps({"eventId": "y-1", "type": "WATCHED", "at": "2021-07-09T00:00:00Z",
                        "buyerId": "bx", "hostId": "hx", "minutes": 9}) + "\n"
            + json.dumps({"eventId": "y-2", "type": "ORDER_DELIVERED", "at": "2021-07-09T00:00:00Z",
                          "orderId": "ox9"}) + "\n"
        )  # fmt: skip
        assert cli("import", str(more)).returncode == 0
        again = _run({**bulk_env}, "import", str(more))
        assert again.returncode == 0, again.stderr
        tx_nodes, tx_rels = dump(store)
        bulk_nodes, bulk_rels = dump(bulk_store)
        _assert_same(tx_nodes, bulk_nodes, "nodes after more events")
        _assert_same(tx_rels, bulk_rels, "relationships after more events")

    # A database that holds data is refused, and so is a server trustgraph does not run.
    refused = _run(bulk_env, "import", "--bulk", str(more))
    assert refused.returncode == 1
    assert "loads only an empty database" in refused.stderr and "holds" in refused.stderr
    remote = cli("import", "--bulk", str(more))
    assert remote.returncode == 1
    assert "NEO4J_URI is set" in remote.stderr
