"""Ingestion against the real Neo4j: every event type, idempotency, rejects, concurrency."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from graph_api import events as ev
from graph_api.ingest import Ingester, import_jsonl
from graph_api.seed import SeedConfig, generate

pytestmark = pytest.mark.integration

T0 = datetime(2021, 9, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def at(day: float) -> str:
    return (T0 + timedelta(days=day)).isoformat()


def dump(store) -> list[str]:
    """Every node and relationship with all its properties, as sorted canonical strings; not the
    ingest log's bookkeeping (its entries and counter depend on how events were batched)."""
    nodes, _, _ = store.driver.execute_query(
        "MATCH (n) WHERE NOT n:IngestBatch AND NOT (n:Clock AND n.id IN ['ingest', 'derived']) "
        "RETURN labels(n) AS labels, properties(n) AS props",
        database_=store.database,
    )
    rels, _, _ = store.driver.execute_query(
        "MATCH (a)-[r]->(b) "
        "RETURN type(r) AS type, elementId(a) AS a, elementId(b) AS b, properties(r) AS props",
        database_=store.database,
    )
    ids = {}
    for rec in store.driver.execute_query(
        "MATCH (n) RETURN elementId(n) AS e, labels(n) AS l, n.id AS id", database_=store.database
    )[0]:
        ids[rec["e"]] = f"{rec['l']}{rec['id']}"
    out = [json.dumps([r["labels"], r["props"]], sort_keys=True, default=str) for r in nodes]
    out += [
        json.dumps([r["type"], ids[r["a"]], ids[r["b"]], r["props"]], sort_keys=True, default=str)
        for r in rels
    ]
    return sorted(out)


def one(store, cypher: str, **params):
    records, _, _ = store.driver.execute_query(cypher, params, database_=store.database)
    assert len(records) == 1, records
    return records[0].data()


def test_constraints_apply_twice_without_change(store):
    first, _, _ = store.driver.execute_query(
        "SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name"
    )
    idx_first, _, _ = store.driver.execute_query(
        "SHOW INDEXES YIELD name RETURN name ORDER BY name"
    )
    store.apply_schema()
    store.apply_schema()
    second, _, _ = store.driver.execute_query(
        "SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name"
    )
    idx_second, _, _ = store.driver.execute_query(
        "SHOW INDEXES YIELD name RETURN name ORDER BY name"
    )
    assert [r["name"] for r in first] == [r["name"] for r in second]
    assert [r["name"] for r in idx_first] == [r["name"] for r in idx_second]
    assert {"buyer_id", "order_id", "event_id"} <= {r["name"] for r in second}


EVERY_TYPE: list[dict[str, Any]] = [
    {"eventId": "e01", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b1"},
    {
        "eventId": "e02",
        "type": "HOST_REGISTERED",
        "at": at(0),
        "hostId": "h1",
        "name": "Xiao Li",
        "category": "Jewellery",
    },
    {
        "eventId": "e03",
        "type": "SHOP_REGISTERED",
        "at": at(0),
        "shopId": "s1",
        "name": "Jade House",
        "category": "jewellery",
    },
    {
        "eventId": "e04",
        "type": "HOST_SELLS_FOR_SHOP",
        "at": at(0.1),
        "hostId": "h1",
        "shopId": "s1",
    },
    {
        "eventId": "e05",
        "type": "SHOP_RIGHTS_CHANGED",
        "at": at(0.2),
        "shopId": "s1",
        "rights": ["OFFICIAL_INSPECTION", "REFUND_WITHOUT_RETURN"],
    },
    {
        "eventId": "e06",
        "type": "ORDER_PLACED",
        "at": at(1),
        "orderId": "o1",
        "buyerId": "b1",
        "hostId": "h1",
        "shopId": "s1",
        "amount": 1288.0,
        "category": "jewellery",
        "itemId": "jade-7",
    },
    {
        "eventId": "e07",
        "type": "INSPECTION_RECORDED",
        "at": at(2),
        "orderId": "o1",
        "kind": "AUTHENTICITY",
        "passed": True,
    },
    {"eventId": "e08", "type": "ORDER_DELIVERED", "at": at(4), "orderId": "o1"},
    {"eventId": "e09", "type": "REVIEW_POSTED", "at": at(5), "orderId": "o1", "rating": 2},
    {
        "eventId": "e10",
        "type": "COMPLAINT_FILED",
        "at": at(5),
        "orderId": "o1",
        "reason": "NOT_AS_DESCRIBED",
    },
    {
        "eventId": "e11",
        "type": "ORDER_REFUNDED",
        "at": at(6),
        "orderId": "o1",
        "reason": "NOT_AS_DESCRIBED",
        "returned": False,
    },
    {"eventId": "e12", "type": "FOLLOWED", "at": at(0.5), "buyerId": "b1", "hostId": "h1"},
    {"eventId": "e13", "type": "UNFOLLOWED", "at": at(7), "buyerId": "b1", "hostId": "h1"},
    {"eventId": "e14", "type": "COMMENTED", "at": at(0.6), "buyerId": "b1", "hostId": "h1"},
    {
        "eventId": "e15",
        "type": "WATCHED",
        "at": at(0.6),
        "buyerId": "b1",
        "hostId": "h1",
        "minutes": 42,
    },
    {
        "eventId": "e16",
        "type": "FAN_CLUB_TIER_SET",
        "at": at(0.7),
        "buyerId": "b1",
        "hostId": "h1",
        "tier": 5,
    },
    {
        "eventId": "e17",
        "type": "FALSE_AD_REPORTED",
        "at": at(5),
        "reportId": "r1",
        "buyerId": "b1",
        "hostId": "h1",
    },
    {"eventId": "e18", "type": "FALSE_AD_CONFIRMED", "at": at(8), "reportId": "r1"},
    {
        "eventId": "e19",
        "type": "VIOLATION_PENALIZED",
        "at": at(8),
        "hostId": "h1",
        "severity": 2,
        "code": "FALSE_AD",
    },
    {
        "eventId": "e20",
        "type": "VIOLATION_PENALIZED",
        "at": at(9),
        "shopId": "s1",
        "severity": 1,
        "code": "FAKE_SHIPPING",
    },
    {
        "eventId": "e11b",
        "type": "DISPUTE_RULED",
        "at": at(6.5),
        "orderId": "o1",
        "ruling": "FOR_BUYER",
    },
]


def test_every_event_type_is_written_and_read_back(store):
    assert {e["type"] for e in EVERY_TYPE} == set(ev.EVENT_TYPES)
    result = Ingester(store, 1000).ingest(EVERY_TYPE)
    assert not result.rejected and len(result.accepted) == len(EVERY_TYPE)

    host = one(
        store, "MATCH (h:Host {id:'h1'})-[:IN_CATEGORY]->(c) RETURN h.name AS name, c.id AS cat"
    )
    assert host == {"name": "Xiao Li", "cat": "jewellery"}
    shop = one(
        store,
        "MATCH (h:Host {id:'h1'})-[r:SELLS_FOR]->(s:Shop {id:'s1'}) "
        "MATCH (s)<-[:CHANGES_RIGHTS_OF]-(rc) "
        "RETURN s.name AS name, s.rights AS rights, rc.rights AS hist",
    )
    assert shop == {
        "name": "Jade House",
        "rights": ["OFFICIAL_INSPECTION", "REFUND_WITHOUT_RETURN"],
        "hist": ["OFFICIAL_INSPECTION", "REFUND_WITHOUT_RETURN"],
    }
    order = one(
        store,
        """
        MATCH (b:Buyer {id:'b1'})-[:PLACED]->(o:Order {id:'o1'})-[:HOSTED_BY]->(:Host {id:'h1'}),
              (o)-[:FULFILLED_BY]->(:Shop {id:'s1'})
        MATCH (o)<-[:REVIEWS]-(rv:Review), (o)<-[:ABOUT]-(c:Complaint),
              (o)<-[:INSPECTS]-(i:Inspection)
        RETURN o.amount AS amount, o.itemId AS item, o.placedAt AS placed, o.category AS category,
               o.deliveredAt IS NOT NULL AS delivered, o.refundReason AS reason,
               o.returned AS returned, o.ruling AS ruling,
               rv.rating AS rating, c.reason AS complaint, i.kind AS kind, i.passed AS passed,
               b.registeredAt IS NOT NULL AS registered""",
    )
    assert order == {
        "amount": 1288.0,
        "item": "jade-7",
        "category": "jewellery",
        "placed": int((T0 + timedelta(days=1)).timestamp()) * 1000,
        "delivered": True,
        "reason": "NOT_AS_DESCRIBED",
        "returned": False,
        "ruling": "FOR_BUYER",
        "rating": 2,
        "complaint": "NOT_AS_DESCRIBED",
        "kind": "AUTHENTICITY",
        "passed": True,
        "registered": True,
    }
    social = one(
        store,
        """
        MATCH (b:Buyer {id:'b1'})-[f:FOLLOWS]->(h:Host {id:'h1'}), (b)-[m:FAN_OF]->(h),
              (b)-[w:WATCHED]->(h), (b)-[c:COMMENTED]->(h)
        RETURN f.active AS active, f.since AS since, f.firstAt IS NOT NULL AS everFollowed,
               m.tier AS tier, w.minutes AS minutes,
               COUNT { (b)-[:FOLLOW_CHANGE]->(h) } AS changes,
               COUNT { (b)-[:TIER_CHANGE]->(h) } AS tiers""",
    )
    assert social == {
        "active": False,
        "since": None,
        "everFollowed": True,
        "tier": 5,
        "minutes": 42.0,
        "changes": 2,
        "tiers": 1,
    }
    report = one(
        store,
        "MATCH (:Buyer {id:'b1'})-[:FILED]->(r:FalseAdReport {id:'r1'})"
        "-[:AGAINST]->(:Host {id:'h1'}) "
        "RETURN r.confirmedAt IS NOT NULL AS confirmed",
    )
    assert report == {"confirmed": True}
    penalties = one(
        store,
        "MATCH (p:Penalty)-[:PENALIZES]->(t) "
        "RETURN collect([labels(t)[0], p.severity, p.code]) AS ps",
    )
    assert sorted(penalties["ps"]) == [["Host", 2, "FALSE_AD"], ["Shop", 1, "FAKE_SHIPPING"]]
    assert one(store, "MATCH (e:Event) RETURN count(e) AS n") == {"n": len(EVERY_TYPE)}


def test_forward_reference_creates_the_node_and_registration_fills_it_in(store):
    ing = Ingester(store, 100)
    ing.ingest(
        [
            {
                "eventId": "x1",
                "type": "ORDER_PLACED",
                "at": at(1),
                "orderId": "o1",
                "buyerId": "late",
                "hostId": "h9",
                "shopId": "s9",
                "amount": 10,
            }
        ]
    )
    assert one(store, "MATCH (b:Buyer {id:'late'}) RETURN b.registeredAt AS r") == {"r": None}
    ing.ingest(
        [
            {"eventId": "x2", "type": "BUYER_REGISTERED", "at": at(3), "buyerId": "late"},
            {
                "eventId": "x3",
                "type": "HOST_REGISTERED",
                "at": at(3),
                "hostId": "h9",
                "name": "Nine",
            },
        ]
    )
    assert one(
        store,
        "MATCH (b:Buyer {id:'late'}) RETURN count{(b)-[:PLACED]->()} AS orders, "
        "b.registeredAt IS NOT NULL AS registered",
    ) == {"orders": 1, "registered": True}
    assert one(store, "MATCH (h:Host {id:'h9'}) RETURN h.name AS name") == {"name": "Nine"}
    assert one(store, "MATCH (b:Buyer) RETURN count(b) AS n") == {"n": 1}


def test_out_of_order_follow_events_end_in_the_same_state(store):
    ing = Ingester(store, 100)
    follow = {"eventId": "f1", "type": "FOLLOWED", "at": at(1), "buyerId": "b", "hostId": "h"}
    unfollow = {"eventId": "f2", "type": "UNFOLLOWED", "at": at(5), "buyerId": "b", "hostId": "h"}
    ing.ingest([unfollow])
    ing.ingest([follow])  # older, arrives later: history only
    state = one(
        store,
        "MATCH (:Buyer)-[f:FOLLOWS]->(:Host) "
        "RETURN f.active AS active, f.firstAt IS NOT NULL AS ever",
    )
    assert state == {"active": False, "ever": True}


def _registrations_and_refunds() -> list[dict]:
    """Two registrations of one shop with different categories (the later one without a name),
    an older one arriving last, and two refunds of one order."""
    order = {
        "eventId": "o",
        "type": "ORDER_PLACED",
        "at": at(1),
        "orderId": "o1",
        "buyerId": "b1",
        "hostId": "h1",
        "shopId": "s1",
        "amount": 10,
    }
    return [
        order,
        {"eventId": "r1", "type": "SHOP_REGISTERED", "at": at(2), "shopId": "s1", "name": "One"},
        {"eventId": "r2", "type": "SHOP_REGISTERED", "at": at(3), "shopId": "s1",
         "category": "tea"},
        {"eventId": "r3", "type": "SHOP_REGISTERED", "at": at(4), "shopId": "s1",
         "category": "toys"},
        {"eventId": "f1", "type": "ORDER_REFUNDED", "at": at(6), "orderId": "o1",
         "reason": "OTHER", "returned": False},
        {"eventId": "f2", "type": "ORDER_REFUNDED", "at": at(5), "orderId": "o1",
         "reason": "DEFECT", "returned": True},
        {"eventId": "r0", "type": "SHOP_REGISTERED", "at": at(1), "shopId": "s1",
         "name": "Old", "category": "food"},
    ]  # fmt: skip


@pytest.mark.parametrize("batch", [1, 2, 100], ids=["one-by-one", "in-pairs", "one-batch"])
def test_registrations_and_refunds_end_the_same_however_batched(store, batch):
    Ingester(store, batch).ingest(_registrations_and_refunds())
    shop = one(
        store,
        "MATCH (s:Shop {id: 's1'}) RETURN s.name AS name, s.registeredAt AS registered, "
        "[(s)-[:IN_CATEGORY]->(c) | c.id] AS categories",
    )
    # The latest registration that names a category, the latest that names the shop, the
    # earliest time; the older registration arriving last changes only the registration time.
    assert shop == {"name": "One", "registered": ev.parse_at(at(1)), "categories": ["toys"]}
    refund = one(
        store,
        "MATCH (o:Order {id: 'o1'}) RETURN o.refundReason AS reason, o.returned AS returned, "
        "o.refundedAt AS at",
    )
    assert refund == {"reason": "DEFECT", "returned": True, "at": ev.parse_at(at(5))}


def test_a_batch_with_bad_events_writes_exactly_the_good_ones(store):
    good = [
        e
        for e in EVERY_TYPE
        if e["type"] in ("BUYER_REGISTERED", "HOST_REGISTERED", "COMMENTED", "WATCHED")
    ]
    bad = [
        {
            "eventId": "bad1",
            "type": "WATCHED",
            "at": at(1),
            "buyerId": "b1",
            "hostId": "h1",
            "minutes": 0,
        },
        {"eventId": "bad2", "type": "ORDER_DELIVERED", "at": at(1), "orderId": "nope"},
        {"eventId": "bad3", "type": "LIKED", "at": at(1), "buyerId": "b1"},
        "not an object",
        {
            "eventId": "bad5",
            "type": "COMMENTED",
            "at": "2021-09-01",
            "buyerId": "b1",
            "hostId": "h1",
        },
    ]
    mixed = [bad[0], good[0], bad[1], good[1], bad[2], good[2], bad[3], good[3], bad[4]]
    result = Ingester(store, 3).ingest(mixed)  # batches of 3: bad events in several batches
    assert [(r.index, r.code) for r in result.rejected] == [
        (0, ev.OUT_OF_RANGE),
        (2, ev.UNKNOWN_ORDER),
        (4, ev.UNKNOWN_TYPE),
        (6, ev.NOT_AN_OBJECT),
        (8, ev.MALFORMED_FIELD),
    ]
    assert sorted(e["eventId"] for e in result.accepted) == sorted(e["eventId"] for e in good)
    expected_store = dump(store)
    store.wipe()
    Ingester(store, 1000).ingest(good)
    assert dump(store) == expected_store
    ids = {r["id"] for r in store.driver.execute_query("MATCH (e:Event) RETURN e.id AS id")[0]}
    assert ids == {e["eventId"] for e in good}


def test_conflicting_replay_is_rejected_and_changes_nothing(store):
    ing = Ingester(store, 100)
    ing.ingest(EVERY_TYPE)
    before = dump(store)
    changed = dict(EVERY_TYPE[14], minutes=43)
    result = ing.ingest([changed])
    assert [r.code for r in result.rejected] == [ev.EVENT_ID_CONFLICT]
    assert dump(store) == before


def test_concurrent_replays_are_recorded_once(store):
    events = [
        {
            "eventId": f"c{i}",
            "type": "WATCHED",
            "at": at(i / 100),
            "buyerId": f"b{i % 7}",
            "hostId": "h",
            "minutes": 1 + i % 30,
        }
        for i in range(300)
    ]
    results = []

    def run():
        results.append(Ingester(store, 50).ingest(events))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r.accepted) for r in results) == 300
    assert sum(r.duplicates for r in results) == 600
    assert one(store, "MATCH ()-[w:WATCHED]->() RETURN count(w) AS n") == {"n": 300}


def test_import_jsonl_twice_changes_nothing_and_writes_rejects(store, tmp_path):

    stream, _ = generate(SeedConfig(seed=3, buyers=600))
    events = [e for _, e in zip(range(10_000), stream, strict=False)]
    assert len(events) == 10_000
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(e) for e in events]
    lines.insert(17, '{"eventId": "broken", "type": "WATCHED"')  # invalid JSON
    lines.insert(
        40,
        json.dumps(
            {
                "eventId": "neg",
                "type": "ORDER_PLACED",
                "at": at(0),
                "orderId": "zz",
                "buyerId": "b",
                "hostId": "h",
                "shopId": "s",
                "amount": -1,
            }
        ),
    )
    path.write_text("\n".join(lines) + "\n")
    ing = Ingester(store, 1000)

    first = import_jsonl(ing, path)
    assert (first.lines, first.accepted, first.duplicates, first.rejected) == (10_002, 10_000, 0, 2)
    rejects = [
        json.loads(line)
        for line in (tmp_path / "events.jsonl.rejected.jsonl").read_text().splitlines()
    ]
    assert [(r["line"], r["code"]) for r in rejects] == [
        (18, ev.INVALID_JSON),
        (41, ev.OUT_OF_RANGE),
    ]
    assert rejects[1]["field"] == "amount" and '"neg"' in rejects[1]["event"]
    counts = store.graph_counts()
    snapshot = dump(store)

    second = import_jsonl(ing, path)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 10_000, 2)
    assert store.graph_counts() == counts
    assert dump(store) == snapshot


def test_graph_level_rejects_in_the_last_batch_reach_the_rejects_file(store, tmp_path):
    path = tmp_path / "tail.jsonl"
    events = [
        {"eventId": f"w{i}", "type": "COMMENTED", "at": at(i), "buyerId": "b", "hostId": "h"}
        for i in range(7)
    ]
    events.append(
        {"eventId": "late", "type": "ORDER_DELIVERED", "at": at(9), "orderId": "never-placed"}
    )
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    summary = import_jsonl(Ingester(store, 3), path)
    assert (summary.accepted, summary.rejected) == (7, 1)
    rejects = [
        json.loads(x) for x in (tmp_path / "tail.jsonl.rejected.jsonl").read_text().splitlines()
    ]
    assert [(r["line"], r["code"], r["eventId"]) for r in rejects] == [
        (8, ev.UNKNOWN_ORDER, "late")
    ]
    assert '"never-placed"' in rejects[0]["event"]
