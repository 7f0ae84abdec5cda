"""Derived state kept current by ingestion (graph_api.derive) against the real Neo4j: the
incremental path equals the full rebuild on a seeded platform, read-your-writes, and brushing
rings earn their shops nothing."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from graph_api import seed as seedmod
from graph_api.derive import Deriver
from graph_api.derive.rebuild import rescore_all
from graph_api.derive.standing import evaluate, facts_since
from graph_api.ingest import Ingester
from scoring.policy import default_policy
from tests.platforms import clock_first

pytestmark = pytest.mark.integration

POLICY = default_policy()


def diff(a: dict[str, dict], b: dict[str, dict], limit: int = 5) -> list[str]:
    out = [f"only in incremental: {k}" for k in sorted(a.keys() - b.keys())]
    out += [f"only in rebuild: {k}" for k in sorted(b.keys() - a.keys())]
    for k in sorted(a.keys() & b.keys()):
        if a[k] != b[k]:
            fields = sorted(f for f in a[k].keys() | b[k].keys() if a[k].get(f) != b[k].get(f))
            out.append(
                f"{k}: " + "; ".join(f"{f}: {a[k].get(f)!r} != {b[k].get(f)!r}" for f in fields[:3])
            )
    return out[:limit]


def test_incremental_path_equals_the_full_rebuild_on_a_seeded_platform(
    store, derived_state, capsys
):
    """Ingest a seeded platform in 300-event batches with incremental rescoring, then rebuild
    everything from the facts at the same time: the two states are identical, property for
    property. The first batch moves the graph's clock to the platform's last moment (a late
    registration), so that every incremental evaluation happens at the time the rebuild uses;
    what is compared is then exactly whether each batch rescored everything it touched."""
    config = seedmod.SeedConfig(seed=11, buyers=700, days=90, brushing_rings=2, ring_size=12)
    events, last = clock_first(config)
    ingester = Ingester(store, 300, deriver=Deriver(store, POLICY))
    result = ingester.ingest(events)
    assert not result.rejected, result.rejected[:3]
    assert {d.as_of for d in result.derived} == {last}
    touched = sum(d.buyers for d in result.derived)
    changes = sum(len(d.trust_changes) for d in result.derived)
    badge_changes = sum(len(d.badge_changes) for d in result.derived)
    incremental = derived_state(store)

    summary = rescore_all(store, POLICY, last, batch_buyers=173, batch_entities=7)
    rebuilt = derived_state(store)
    with capsys.disabled():
        print(
            f"\n[incremental] {len(events):,} events in {len(result.derived)} batches: "
            f"{touched:,} buyer rescores, {changes:,} level changes, {badge_changes} badge "
            f"changes; rebuild: {summary.to_dict()}"
        )
    assert (
        summary.total_pairs > 1000
        and summary.standings["SHOP"] > 0
        and summary.standings["HOST"] > 0
    )
    assert sum(summary.badges.values()) > 0, "the seeded platform should hold some badges"
    assert len(incremental) == len(rebuilt)
    assert diff(incremental, rebuilt) == []


T0 = datetime(2021, 9, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def at(day: float) -> str:
    return (T0 + timedelta(days=day)).isoformat()


def trust(store, buyer: str, target: str) -> dict[str, Any]:
    records, _, _ = store.driver.execute_query(
        "MATCH (:Buyer {id: $b})-[t:TRUST]->(x {id: $x}) RETURN properties(t) AS p",
        {"b": buyer, "x": target},
        database_=store.database,
    )
    assert records, f"no TRUST from {buyer} to {target}"
    return records[0]["p"]


def standing(store, kind: str, entity: str) -> dict:
    records, _, _ = store.driver.execute_query(
        "MATCH (st:Standing {id: $id}) RETURN properties(st) AS p",
        {"id": f"{kind}:{entity}"},
        database_=store.database,
    )
    assert records, f"no standing for {kind}:{entity}"
    p = records[0]["p"]
    p["explanation"] = json.loads(p["explanation"])
    del p["rev"]  # the write's revision (for the badge-card caches), not derived state
    return p


def test_a_batch_is_scored_before_the_call_returns(store):
    ingester = Ingester(store, 100, deriver=Deriver(store, POLICY))
    setup = [
        {
            # recorded when b1 left the room, 15 minutes after ordering: the order was placed
            # while watching (policy v2's OUT_OF_ROOM)
            "eventId": "w",
            "type": "WATCHED",
            "at": at(0.11),
            "buyerId": "b1",
            "hostId": "h1",
            "minutes": 30,
        },
        {
            "eventId": "o1",
            "type": "ORDER_PLACED",
            "at": at(0.1),
            "orderId": "o1",
            "buyerId": "b1",
            "hostId": "h1",
            "shopId": "s1",
            "amount": 120.0,
        },
    ]
    first = ingester.ingest(setup)
    assert (
        trust(store, "b1", "h1")["level"] == "STRANGER"
    )  # an order not delivered yet is no evidence
    assert [(c.target_id, c.old_level, c.new_level) for c in first.derived[0].trust_changes] == [
        ("h1", None, "STRANGER"),
        ("s1", None, "STRANGER"),
    ]
    assert standing(store, "SHOP", "s1")["explanation"]["metrics"]["raw_orders"] == 1

    # Delivery names only the order: its buyer, host and shop are rescored through it.
    second = ingester.ingest(
        [{"eventId": "d1", "type": "ORDER_DELIVERED", "at": at(2), "orderId": "o1"}]
    )
    assert trust(store, "b1", "h1")["level"] == "ACQUAINTANCE"
    assert trust(store, "b1", "s1")["asOf"] == second.derived[0].as_of
    assert standing(store, "HOST", "h1")["explanation"]["metrics"]["delivered_orders"] == 1.0
    assert {(c.target_id, c.new_level) for c in second.derived[0].trust_changes} == {
        ("h1", "ACQUAINTANCE"),
        ("s1", "ACQUAINTANCE"),
    }

    # A replay changes nothing and rescores nothing.
    replay = ingester.ingest(
        [{"eventId": "d1", "type": "ORDER_DELIVERED", "at": at(2), "orderId": "o1"}]
    )
    assert replay.duplicates == 1 and replay.derived == []

    # A rights change moves the platform trust of every buyer of the shop.
    before = trust(store, "b1", "s1")["platformTrust"]
    ingester.ingest(
        [
            {
                "eventId": "r",
                "type": "SHOP_RIGHTS_CHANGED",
                "at": at(3),
                "shopId": "s1",
                "rights": ["REFUND_WITHOUT_RETURN"],
            }
        ]
    )
    assert trust(store, "b1", "s1")["platformTrust"] > before


def test_a_brushing_ring_earns_its_shop_no_badge_and_no_boost(store):
    """A shop with trust rights whose only buyers are a ring of throwaway accounts: 40 accounts
    registered the day before, 3 cheap orders each within 3 days, all delivered and praised, no
    live-room visit. Counted at full weight that is 120 delivered orders without a refund - a
    TRUST_PURCHASE badge and a boost. Weighted, it is nothing."""
    events: list[dict[str, Any]] = [
        {
            "eventId": "rights",
            "type": "SHOP_RIGHTS_CHANGED",
            "at": at(0),
            "shopId": "ring-shop",
            "rights": ["REFUND_WITHOUT_RETURN", "FAKE_ONE_PAY_N"],
        }
    ]
    for n in range(40):
        buyer = f"rb{n:02d}"
        events.append(
            {"eventId": f"reg-{buyer}", "type": "BUYER_REGISTERED", "at": at(9), "buyerId": buyer}
        )
        for k in range(3):
            oid = f"{buyer}-o{k}"
            events += [
                {
                    "eventId": oid,
                    "type": "ORDER_PLACED",
                    "at": at(10 + k),
                    "orderId": oid,
                    "buyerId": buyer,
                    "hostId": "ring-host",
                    "shopId": "ring-shop",
                    "amount": 9.9,
                    "itemId": "cheap-item",
                },
                {
                    "eventId": f"{oid}-d",
                    "type": "ORDER_DELIVERED",
                    "at": at(11 + k),
                    "orderId": oid,
                },
                {
                    "eventId": f"{oid}-r",
                    "type": "REVIEW_POSTED",
                    "at": at(11.5 + k),
                    "orderId": oid,
                    "rating": 5,
                },
            ]
    result = Ingester(store, 500, deriver=Deriver(store, POLICY)).ingest(events)
    assert not result.rejected

    shop = standing(store, "SHOP", "ring-shop")
    metrics = shop["explanation"]["metrics"]
    assert metrics["raw_orders"] == 120 and metrics["excluded_orders"] == 120
    assert shop["badges"] == [] and shop["eligible"] is False
    assert shop["multiplier"] <= 1.0 and shop["tier"] in ("NONE", "SUPPRESSED")
    trust_purchase = next(
        b for b in shop["explanation"]["badges"] if b["badge"] == "TRUST_PURCHASE"
    )
    assert any(m["code"].startswith("MIN_DELIVERED") for m in trust_purchase["missing"]), (
        trust_purchase["missing"]
    )
    for b in ("rb00", "rb39"):
        assert trust(store, b, "ring-shop")["level"] == "STRANGER"
        assert trust(store, b, "ring-host")["level"] == "STRANGER"

    # Counted at full weight, the same facts would earn the badge: the weights, not a shortage of
    # orders, are what kept it away.
    as_of = store.latest_event_at()
    since, violation_since = facts_since(POLICY, as_of)
    record = store.entity_records("SHOP", ["ring-shop"], as_of, since, violation_since)[0]
    record = dataclasses.replace(
        record,
        buyers=tuple(
            dataclasses.replace(b, weight=None, targets=None, registered_at=None)
            for b in record.buyers
        ),
    )
    assert evaluate(record, POLICY, as_of)[0]["badges"] == ["TRUST_PURCHASE"]

    # And a full rebuild agrees with what ingestion left.
    before = standing(store, "SHOP", "ring-shop")
    rescore_all(store, POLICY, as_of)
    assert standing(store, "SHOP", "ring-shop") == before


def test_a_weight_change_reaches_every_shop_and_host_of_the_buyer(store):
    """A buyer with no live-room history buys at s1 through h1 (down-weighted below the metrics'
    cut-off: no interaction, a new account, an order from outside the room), then watches
    another host's live room: its weight rises above the cut-off, and s1's and h1's metrics,
    which no event of the second batch names, are rescored with the new weight."""
    ingester = Ingester(store, 100, deriver=Deriver(store, POLICY))
    ingester.ingest(
        [
            {"eventId": "reg", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b1"},
            {
                "eventId": "o1",
                "type": "ORDER_PLACED",
                "at": at(0.5),
                "orderId": "o1",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 120.0,
            },
        ]
    )
    metrics = standing(store, "SHOP", "s1")["explanation"]["metrics"]
    assert (metrics["orders"], metrics["excluded_orders"]) == (0.0, 1)
    result = ingester.ingest(
        [
            {
                "eventId": "w",
                "type": "WATCHED",
                "at": at(1),
                "buyerId": "b1",
                "hostId": "h2",
                "minutes": 20,
            }
        ]
    )
    assert result.derived[0].shops == 1  # s1, reached through the buyer
    for kind, entity in (("SHOP", "s1"), ("HOST", "h1")):
        metrics = standing(store, kind, entity)["explanation"]["metrics"]
        assert POLICY.buyers.out_of_room_penalty is not None
        assert metrics["orders"] == pytest.approx(
            1 - POLICY.buyers.new_account_penalty - POLICY.buyers.out_of_room_penalty
        )


def test_a_credibility_change_reaches_the_shop_the_buyer_complained_about(store):
    """A buyer who ordered while watching (weight 1) but has no history yet complains about
    the order: the claim counts little. Two more days in live rooms give it a history: its
    weight stays 1, its credibility rises, and the shop's complaint metrics, which no event of
    that batch names, are rescored; the incremental state still equals a full rebuild."""
    ingester = Ingester(store, 100, deriver=Deriver(store, POLICY))

    def watched(eid: str, day: float, host: str) -> dict[str, Any]:
        return {
            "eventId": eid,
            "type": "WATCHED",
            "at": at(day),
            "buyerId": "b1",
            "hostId": host,
            "minutes": 30,
        }

    ingester.ingest(
        [
            {"eventId": "reg", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b1"},
            {
                "eventId": "o1",
                "type": "ORDER_PLACED",
                "at": at(4),
                "orderId": "o1",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 120.0,
            },
            watched("w1", 4.01, "h1"),  # left the room 15 minutes after ordering
            {"eventId": "d1", "type": "ORDER_DELIVERED", "at": at(6), "orderId": "o1"},
            {
                "eventId": "c1",
                "type": "COMPLAINT_FILED",
                "at": at(7),
                "orderId": "o1",
                "reason": "NOT_AS_DESCRIBED",
            },
        ]
    )
    metrics = standing(store, "SHOP", "s1")["explanation"]["metrics"]
    unproven = POLICY.buyers.unproven_claim_factor  # a claim without a history behind it
    assert (metrics["orders"], metrics["complaint_orders"]) == (1.0, unproven)
    ingester.ingest([watched("w2", 9, "h2"), watched("w3", 12, "h2")])
    metrics = standing(store, "SHOP", "s1")["explanation"]["metrics"]
    assert (metrics["orders"], metrics["complaint_orders"]) == (1.0, 1.0)
    before = standing(store, "SHOP", "s1")
    rescore_all(store, POLICY, store.latest_event_at())
    assert standing(store, "SHOP", "s1") == before


def test_a_platform_ruling_replaces_the_claim_and_reaches_the_shop(store):
    """A complaint and a for-cause refund count against s1; the platform rules for the seller:
    the shop's for-cause metrics drop them, through ingestion, and a rebuild agrees."""
    ingester = Ingester(store, 100, deriver=Deriver(store, POLICY))
    ingester.ingest(
        [
            {"eventId": "reg", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b1"},
            *(
                {
                    "eventId": f"w{d}",
                    "type": "WATCHED",
                    "at": at(d),
                    "buyerId": "b1",
                    "hostId": "h1",
                    "minutes": 30,
                }
                for d in (1, 2, 4.01)
            ),
            {
                "eventId": "o1",
                "type": "ORDER_PLACED",
                "at": at(4),
                "orderId": "o1",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 120.0,
            },
            {"eventId": "d1", "type": "ORDER_DELIVERED", "at": at(6), "orderId": "o1"},
            {
                "eventId": "c1",
                "type": "COMPLAINT_FILED",
                "at": at(7),
                "orderId": "o1",
                "reason": "NOT_AS_DESCRIBED",
            },
            {
                "eventId": "r1",
                "type": "ORDER_REFUNDED",
                "at": at(8),
                "orderId": "o1",
                "reason": "NOT_AS_DESCRIBED",
                "returned": False,
            },
        ]
    )
    metrics = standing(store, "SHOP", "s1")["explanation"]["metrics"]
    assert (metrics["complaint_orders"], metrics["for_cause_refunds"]) == (1.0, 1.0)
    ruling = {
        "eventId": "v1",
        "type": "DISPUTE_RULED",
        "at": at(9),
        "orderId": "o1",
        "ruling": "FOR_SELLER",
    }
    result = ingester.ingest([ruling])
    assert result.derived[0].shops == 1
    metrics = standing(store, "SHOP", "s1")["explanation"]["metrics"]
    assert (metrics["complaint_orders"], metrics["for_cause_refunds"]) == (0.0, 0.0)
    assert metrics["refunds"] == 1.0  # the refund happened; it is no longer held against s1
    assert not ingester.ingest([ruling]).rejected  # a replay changes nothing
    before = standing(store, "SHOP", "s1")
    rescore_all(store, POLICY, store.latest_event_at())
    assert standing(store, "SHOP", "s1") == before
