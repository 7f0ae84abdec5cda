"""`trustgraph rescore` against the real Neo4j: determinism, the feature query against the pure
model, plausible level counts on a seeded platform."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from graph_api import seed as seedmod
from graph_api.derive.rebuild import rescore_all
from graph_api.derive.standing import evaluate, facts_since
from graph_api.ingest import Ingester
from scoring.facts import Complaint, OrderFact, PairFacts, TimedValue
from scoring.pair_trust import platform_trust, score_pair
from scoring.policy import default_policy, parse_policy
from tests.unit.entity_constants import POLICY_FILE as V1_FILE

pytestmark = pytest.mark.integration

T0 = datetime(2021, 9, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def at(day: float) -> str:
    return (T0 + timedelta(days=day)).isoformat()


def ms(day: float) -> int:
    return int((T0 + timedelta(days=day)).timestamp() * 1000)


def trust_dump(store) -> list[str]:
    records, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer)-[t:TRUST]->(x) "
        "RETURN b.id AS b, labels(x) AS l, x.id AS x, properties(t) AS p",
        database_=store.database,
    )
    return sorted(json.dumps([r["b"], r["l"], r["x"], r["p"]], sort_keys=True) for r in records)


def trust_of(store, buyer: str, target: str) -> dict:
    records, _, _ = store.driver.execute_query(
        "MATCH (:Buyer {id: $b})-[t:TRUST]->(x {id: $x}) RETURN properties(t) AS p",
        {"b": buyer, "x": target},
        database_=store.database,
    )
    assert len(records) == 1, records
    return records[0]["p"]


@pytest.fixture()
def seeded(store):
    events, report = seedmod.generate(seedmod.SeedConfig(seed=3, buyers=600))
    result = Ingester(store, 5000).ingest(list(events))
    assert not result.rejected
    return store, report


def test_rescore_twice_is_identical_and_plausible(seeded, derived_state, capsys):
    store, report = seeded
    policy = default_policy()
    as_of = store.latest_event_at()
    assert isinstance(as_of, int)

    first = rescore_all(store, policy, as_of, batch_buyers=250)
    dump1 = trust_dump(store)
    state1 = derived_state(store)
    second = rescore_all(
        store, policy, as_of, batch_buyers=97, batch_entities=3
    )  # other pages, same result
    assert derived_state(store) == state1  # trust, weights, standings (badge hysteresis included)
    dump2 = trust_dump(store)
    assert dump1 == dump2
    assert len(dump1) == first.total_pairs == second.total_pairs
    assert first.to_dict()["levels"] == second.to_dict()["levels"]
    assert first.buyers == second.buyers == 600

    levels = first.level_counts()
    total = first.total_pairs
    assert first.pairs["HOST"] > 0 and first.pairs["SHOP"] > 0
    assert levels["REGULAR"] > 0
    assert levels["STRANGER"] + levels["ACQUAINTANCE"] > total / 2
    assert levels["REGULAR"] < total / 2

    # Brushing rings: their throwaway buyers are weighted below the metrics' cut-off, stay
    # STRANGER, and their shops' standing is what it would be without them.
    ring_buyers = sorted(report.ring_buyers)
    assert ring_buyers
    records, _, _ = store.driver.execute_query(
        "UNWIND $ids AS id MATCH (b:Buyer {id: id})-[t:TRUST]->(x) "
        "RETURN b.weight AS weight, labels(x)[0] AS kind, t.level AS level",
        {"ids": ring_buyers},
        database_=store.database,
    )
    ring_levels = Counter((r["kind"], r["level"]) for r in records)
    assert set(ring_levels) == {("Host", "STRANGER"), ("Shop", "STRANGER")}
    assert max(r["weight"] for r in records) < policy.entity.metrics.min_buyer_weight
    for ring in report.rings:
        since, violation_since = facts_since(policy, as_of)
        record = store.entity_records("SHOP", [ring["shopId"]], as_of, since, violation_since)[0]
        with_ring, metrics, _, _ = evaluate(record, policy, as_of)
        members = set(ring["buyerIds"])
        ring_orders = sum(1 for o in record.orders if o.buyer_id in members and o.placed_at > since)
        assert metrics.excluded_orders >= ring_orders > 0
        record = dataclasses.replace(
            record,
            orders=tuple(o for o in record.orders if o.buyer_id not in members),
            buyers=tuple(b for b in record.buyers if b.buyer_id not in members),
        )
        without_ring = evaluate(record, policy, as_of)[0]
        for key in (
            "badges",
            "multiplier",
            "tier",
            "leaderboardEligible",
            "repurchaseRate",
            "refundRate",
        ):
            assert with_ring[key] == without_ring[key], (ring["shopId"], key)
    with capsys.disabled():
        print(f"\n[rescore] seed 3, 600 buyers: {first.to_dict()}")
        print(
            f"[rescore] brushing-ring buyers ({len(ring_buyers)}): "
            f"{dict(sorted(ring_levels.items()))}"
        )


def test_feature_query_matches_hand_built_facts(store):
    """Four satisfied orders in three months from one host and shop, plus interactions: the
    TRUST written by rescore is what score_pair gives for the same facts built by hand.
    Under policy v1, where this buyer weighs 1 (its orders span a month), so score_pair's
    default weight applies: the query is under test here, the weight in test_lifetime_weight."""
    policy = parse_policy(V1_FILE.read_text(encoding="utf-8"), str(V1_FILE))
    rights = ["OFFICIAL_INSPECTION", "REFUND_WITHOUT_RETURN"]
    events = [
        {"eventId": "e-b", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b1"},
        {"eventId": "e-b2", "type": "BUYER_REGISTERED", "at": at(0), "buyerId": "b2"},
        {
            "eventId": "e-h",
            "type": "HOST_REGISTERED",
            "at": at(0),
            "hostId": "h1",
            "name": "Xiao Li",
            "category": "jewellery",
        },
        {
            "eventId": "e-s",
            "type": "SHOP_REGISTERED",
            "at": at(0),
            "shopId": "s1",
            "name": "Jade",
            "category": "jewellery",
        },
        {
            "eventId": "e-hs",
            "type": "HOST_SELLS_FOR_SHOP",
            "at": at(0),
            "hostId": "h1",
            "shopId": "s1",
        },
        {
            "eventId": "e-r",
            "type": "SHOP_RIGHTS_CHANGED",
            "at": at(0.5),
            "shopId": "s1",
            "rights": rights,
        },
        {"eventId": "e-f", "type": "FOLLOWED", "at": at(0.2), "buyerId": "b1", "hostId": "h1"},
        {
            "eventId": "e-w",
            "type": "WATCHED",
            "at": at(0.3),
            "buyerId": "b1",
            "hostId": "h1",
            "minutes": 45,
        },
        {"eventId": "e-c", "type": "COMMENTED", "at": at(0.3), "buyerId": "b1", "hostId": "h1"},
        {
            "eventId": "e-t",
            "type": "FAN_CLUB_TIER_SET",
            "at": at(0.4),
            "buyerId": "b1",
            "hostId": "h1",
            "tier": 3,
        },
        # b2 only follows and watches: scored, with evidence but no order.
        {"eventId": "e-f2", "type": "FOLLOWED", "at": at(1), "buyerId": "b2", "hostId": "h1"},
        {
            "eventId": "e-w2",
            "type": "WATCHED",
            "at": at(1),
            "buyerId": "b2",
            "hostId": "h1",
            "minutes": 30,
        },
    ]
    # Orders on days 1, 20 (September), 35 (October), 65 (November), each delivered 3 days later,
    # reviewed 5 stars; one more order on day 66, from another host and shop, refunded for cause
    # with a complaint.
    days = [1, 20, 35, 65]
    for k, d in enumerate(days):
        events += [
            {
                "eventId": f"o{k}",
                "type": "ORDER_PLACED",
                "at": at(d),
                "orderId": f"o{k}",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 128.0,
                "category": "jewellery",
                "itemId": f"item-{k}",
            },
            {"eventId": f"d{k}", "type": "ORDER_DELIVERED", "at": at(d + 3), "orderId": f"o{k}"},
            {
                "eventId": f"r{k}",
                "type": "REVIEW_POSTED",
                "at": at(d + 4),
                "orderId": f"o{k}",
                "rating": 5,
            },
        ]
    events += [
        {
            "eventId": "o9",
            "type": "ORDER_PLACED",
            "at": at(66),
            "orderId": "o9",
            "buyerId": "b1",
            "hostId": "h2",
            "shopId": "s2",
            "amount": 300.0,
            "category": "jewellery",
            "itemId": "item-9",
        },
        {"eventId": "d9", "type": "ORDER_DELIVERED", "at": at(69), "orderId": "o9"},
        {
            "eventId": "c9",
            "type": "COMPLAINT_FILED",
            "at": at(70),
            "orderId": "o9",
            "reason": "DEFECT",
        },
        {
            "eventId": "f9",
            "type": "ORDER_REFUNDED",
            "at": at(71),
            "orderId": "o9",
            "reason": "DEFECT",
            "returned": True,
        },
    ]
    result = Ingester(store, 5000).ingest(events)
    assert not result.rejected, result.rejected
    as_of = store.latest_event_at()
    assert as_of == ms(71)

    summary = rescore_all(store, policy, as_of)
    assert dict(summary.pairs) == {"HOST": 3, "SHOP": 2}

    orders = tuple(
        OrderFact(
            order_id=f"o{k}",
            buyer_id="b1",
            host_id="h1",
            shop_id="s1",
            placed_at=ms(d),
            amount=128.0,
            item_id=f"item-{k}",
            category="jewellery",
            delivered_at=ms(d + 3),
            rating=5,
            reviewed_at=ms(d + 4),
        )
        for k, d in enumerate(days)
    )
    refunded = (
        OrderFact(
            order_id="o9",
            buyer_id="b1",
            host_id="h2",
            shop_id="s2",
            placed_at=ms(66),
            amount=300.0,
            item_id="item-9",
            category="jewellery",
            delivered_at=ms(69),
            refunded_at=ms(71),
            refund_reason="DEFECT",
            returned=True,
            complaints=(Complaint(ms(70), "DEFECT"),),
        ),
    )
    host_facts = PairFacts(
        "b1",
        "h1",
        "HOST",
        orders=orders,
        watches=(TimedValue(ms(0.3), 45.0),),
        comments=(ms(0.3),),
        follow_changes=(TimedValue(ms(0.2), 1.0),),
        tier_changes=(TimedValue(ms(0.4), 3.0),),
    )
    # The shop pair also has the interactions with the live room its orders came from (h1).
    shop_facts = PairFacts(
        "b1",
        "s1",
        "SHOP",
        orders=orders,
        watches=host_facts.watches,
        comments=host_facts.comments,
        follow_changes=host_facts.follow_changes,
        tier_changes=host_facts.tier_changes,
    )
    expected_host = score_pair(host_facts, policy.trust, as_of)
    expected_shop = score_pair(
        shop_facts, policy.trust, as_of, platform_base_rate=platform_trust(rights, policy.trust)
    )
    bad_host = score_pair(PairFacts("b1", "h2", "HOST", orders=refunded), policy.trust, as_of)
    bad_shop = score_pair(
        PairFacts("b1", "s2", "SHOP", orders=refunded),
        policy.trust,
        as_of,
        platform_base_rate=platform_trust([], policy.trust),
    )
    follower = score_pair(
        PairFacts(
            "b2",
            "h1",
            "HOST",
            watches=(TimedValue(ms(1), 30.0),),
            follow_changes=(TimedValue(ms(1), 1.0),),
        ),
        policy.trust,
        as_of,
    )

    for expected, target in (
        (expected_host, "h1"),
        (expected_shop, "s1"),
        (bad_host, "h2"),
        (bad_shop, "s2"),
    ):
        got = trust_of(store, "b1", target)
        assert got["level"] == expected.level
        assert got["score"] == expected.score
        assert got["confidence"] == expected.confidence
        assert got["reasons"] == [c for c, _ in expected.reasons]
        assert got["asOf"] == as_of and got["policyVersion"] == policy.version
    # The scenario is what it says.
    assert (expected_host.level, expected_shop.level) == ("REGULAR", "REGULAR")
    assert bad_host.distrust and bad_host.level == "STRANGER"
    assert trust_of(store, "b1", "s1")["platformTrust"] == platform_trust(rights, policy.trust)
    assert "platformTrust" not in trust_of(store, "b1", "h1")  # null for hosts
    got = trust_of(store, "b2", "h1")
    assert (
        (got["level"], got["score"])
        == (follower.level, follower.score)
        == ("STRANGER", follower.score)
    )

    # An as-of before the rights were granted uses no rights (the neutral platform base).
    early = ms(0.45)
    rescore_all(store, policy, early)
    assert trust_of(store, "b1", "h1")["asOf"] == early
    records, _, _ = store.driver.execute_query(
        "MATCH (:Buyer {id: 'b1'})-[t:TRUST]->(:Shop {id: 's1'}) RETURN t.platformTrust AS p",
        database_=store.database,
    )
    assert [r["p"] for r in records] == [platform_trust([], policy.trust)]

    # The level as of a past date comes from the facts alone: on day 40 (three orders in two
    # months) b1 was an ACQUAINTANCE of h1, as the pure model says of the same facts.
    day40 = ms(40)
    rescore_all(store, policy, day40)
    then = score_pair(host_facts, policy.trust, day40)
    got = trust_of(store, "b1", "h1")
    assert (got["level"], got["score"], got["asOf"]) == (then.level, then.score, day40)
    assert then.level == "ACQUAINTANCE"


def test_rescore_on_empty_graph(store):
    assert store.latest_event_at() is None
    summary = rescore_all(store, default_policy(), 0)
    assert summary.buyers == 0 and summary.total_pairs == 0


def test_cli_rescore_defaults_to_latest_event(store, cli, tmp_path):
    events, _ = seedmod.generate(seedmod.SeedConfig(seed=5, buyers=150))
    Ingester(store, 5000).ingest(list(events))

    def run(*args: str):  # noqa: ANN202
        return cli("rescore", *args)

    first = run("--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["asOf"] == store.latest_event_at() and summary["buyers"] == 150
    dump = trust_dump(store)
    assert len(dump) == sum(summary["pairs"].values()) > 0
    second = run()
    assert second.returncode == 0, second.stderr
    assert "pairs/s" in second.stdout and trust_dump(store) == dump
    bad = run("--as-of", "2021-10-01")  # no offset
    assert bad.returncode == 2 and "offset" in bad.stderr
