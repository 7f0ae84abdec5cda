"""Reads over real HTTP against a seeded platform: trust, trustBatch, shops, hosts, buyers,
badges, journeys, connections; bad input, limits and error codes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from graph_api.seed import SeedConfig
from tests.e2e.conftest import Client, Server
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform(_session_store) -> dict[str, Any]:
    store = _session_store
    _, report = seed_platform(store, SeedConfig(seed=3, buyers=400, days=90))
    records, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer)-[t:TRUST]->(h:Host) WHERE t.level = 'REGULAR' "
        "RETURN b.id AS b, h.id AS h ORDER BY b.id, h.id LIMIT 1",
        database_=store.database,
    )
    regular = records[0]
    records, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer {id: $b})-[t:TRUST]->(s:Shop) RETURN s.id AS s ORDER BY s.id LIMIT 1",
        {"b": regular["b"]},
        database_=store.database,
    )
    records2, _, _ = store.driver.execute_query(
        "MATCH (h:Host) WHERE COUNT { (:Buyer)-[:TRUST]->(h) } >= 5 "
        "RETURN h.id AS h ORDER BY h.id LIMIT 1",
        database_=store.database,
    )
    shops, _, _ = store.driver.execute_query(
        "MATCH (s:Shop) RETURN s.id AS s ORDER BY s.id", database_=store.database
    )
    return {
        "buyer": regular["b"],
        "host": regular["h"],
        "shop": records[0]["s"],
        "busy_host": records2[0]["h"],
        "shops": [r["s"] for r in shops],
        "report": report,
        "store": store,
    }


TRUST = """query($b: ID!, $h: ID, $s: ID, $at: DateTime) {
  trust(buyerId: $b, hostId: $h, shopId: $s, asOf: $at) {
    buyerId targetId targetKind level score confidence platformTrust distrust buyerWeight
    reasons { code message } nextLevel asOf policyVersion
  }
}"""


def test_trust_of_a_known_pair_matches_the_stored_relation(client, platform):
    got = client.gql(TRUST, {"b": platform["buyer"], "h": platform["host"]}, role="RECOMMENDER")[
        "trust"
    ]
    assert (
        got["level"] == "REGULAR" and got["targetKind"] == "HOST" and got["platformTrust"] is None
    )
    assert got["reasons"] and all(r["code"] and r["message"] for r in got["reasons"])
    assert got["nextLevel"] is None  # nothing above REGULAR
    stored = platform["store"].driver.execute_query(
        "MATCH (:Buyer {id: $b})-[t:TRUST]->(:Host {id: $h}) "
        "RETURN t.score AS score, t.level AS level",
        {"b": platform["buyer"], "h": platform["host"]},
        database_=platform["store"].database,
    )[0][0]
    assert (got["score"], got["level"]) == (
        stored["score"],
        stored["level"],
    )  # live == stored at the clock
    shop = client.gql(TRUST, {"b": platform["buyer"], "s": platform["shop"]}, role="RECOMMENDER")[
        "trust"
    ]
    assert shop["targetKind"] == "SHOP" and 0.5 <= shop["platformTrust"] <= 0.9


def test_unknown_ids_are_strangers_with_zero_confidence(client, platform):
    got = client.gql(TRUST, {"b": "never-seen", "h": "nor-this"}, role="RECOMMENDER")["trust"]
    assert (got["level"], got["confidence"], got["score"]) == ("STRANGER", 0.0, 0.5)
    got = client.gql(TRUST, {"b": "never-seen", "s": platform["shop"]}, role="RECOMMENDER")["trust"]
    assert (
        got["level"] == "STRANGER"
        and got["confidence"] == 0.0
        and got["platformTrust"] == got["score"]
    )


@pytest.mark.parametrize(
    "variables, argument",
    [
        ({"b": "", "h": "h1"}, "buyerId"),
        ({"b": "x" * 500, "h": "h1"}, "buyerId"),
        ({"b": "bad\u0007id", "h": "h1"}, "buyerId"),
        ({"b": "b1", "h": "h1", "s": "s1"}, "hostId/shopId"),
        ({"b": "b1"}, "hostId/shopId"),
        ({"b": "b1", "h": "h1", "at": "2021-10-01T00:00:00"}, "asOf"),
    ],
)
def test_malformed_arguments_are_bad_user_input(client, variables, argument):
    body = client.post(TRUST, variables, role="RECOMMENDER").json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert argument in body["errors"][0]["message"]


def test_trust_as_of_a_past_date(client, platform):
    got = client.gql(
        TRUST,
        {"b": platform["buyer"], "h": platform["host"], "at": "2021-06-02T00:00:00+08:00"},
        role="RECOMMENDER",
    )["trust"]
    assert got["asOf"].startswith("2021-06-01T16:00:00")
    assert got["level"] == "STRANGER"  # a day into the platform: not yet


BATCH = """query($b: ID!, $h: [ID!], $s: [ID!]) {
  trustBatch(buyerId: $b, hostIds: $h, shopIds: $s) {
    buyerId targetIds targetKinds levels scores confidences asOf
  }
}"""


def test_trust_batch_is_columns_in_input_order(client, platform):
    hosts = ["nope-1", platform["host"], "nope-2"]
    shops = [platform["shop"], "nope-3"]
    got = client.gql(BATCH, {"b": platform["buyer"], "h": hosts, "s": shops}, role="RECOMMENDER")[
        "trustBatch"
    ]
    assert got["targetIds"] == hosts + shops
    assert got["targetKinds"] == ["HOST"] * 3 + ["SHOP"] * 2
    assert (
        got["levels"][0] == "STRANGER" and got["confidences"][0] == 0.0 and got["asOf"][0] is None
    )
    assert got["levels"][1] == "REGULAR" and got["asOf"][1] is not None
    single = client.gql(TRUST, {"b": platform["buyer"], "h": platform["host"]}, role="RECOMMENDER")[
        "trust"
    ]
    assert got["scores"][1] == single["score"]
    too_many = [f"h{i}" for i in range(1001)]
    assert client.error_codes(BATCH, {"b": "b1", "h": too_many}, role="RECOMMENDER") == [
        "BAD_USER_INPUT"
    ]


SHOP = """query($id: ID!) {
  shop(id: $id) {
    id name category rights
    badge {
      eligible badges reasons { code message } since gracePeriodEndsAt
      details { badge held missing { code } }
    }
    boost { multiplier tier leaderboardEligible reasons { code message } }
    metrics { orders repurchaseRate regularShare refundRate complaintRate windowDays }
    hosts { id name badge { badges } }
  }
}"""


def test_shop_card_has_badge_boost_metrics_and_hosts(client, platform):
    for shop_id in platform["shops"][:5]:
        shop = client.gql(SHOP, {"id": shop_id}, role=None)["shop"]  # public
        assert shop["id"] == shop_id and shop["boost"]["tier"] in (
            "SUPPRESSED",
            "NONE",
            "STANDARD",
            "PREFERRED",
        )
        assert shop["metrics"]["windowDays"] == 90
        for name in ("orders", "repurchaseRate", "regularShare", "refundRate", "complaintRate"):
            value = shop["metrics"][name]  # no float noise such as 339.45000000000005
            assert value is None or value == round(value, 6), (name, value)
            assert value is None or len(repr(value).split(".")[-1]) <= 6, (name, value)
        assert len(shop["badge"]["details"]) == 3
        assert shop["badge"]["eligible"] == bool(shop["badge"]["badges"])
        assert shop["hosts"]
    assert client.gql(SHOP, {"id": "no-such-shop"}, role=None)["shop"] is None


BADGES = """query($s: [ID!], $h: [ID!]) {
  badges(shopIds: $s, hostIds: $h) {
    id kind name badge { eligible badges } boost { multiplier tier }
  }
}"""


def test_badges_for_many_cards_in_input_order(client, platform):
    shops = platform["shops"][:3] + ["unknown-shop"]
    cards = client.gql(BADGES, {"s": shops, "h": [platform["host"]]}, role=None)["badges"]
    assert [c["id"] if c else None for c in cards] == shops[:3] + [None, platform["host"]]
    assert cards[-1]["kind"] == "HOST"


CONNECTION = """query($h: ID!, $after: String, $level: TrustLevel) {
  host(id: $h) {
    buyers(first: 2, after: $after, level: $level) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { buyerId level score } }
    }
    fanClub(first: 50) { totalCount edges { node { buyerId tier } } }
  }
}"""


def test_host_buyers_page_through_with_cursors(client, platform):
    seen: list[str] = []
    after = None
    total = None
    while True:
        got = client.gql(
            CONNECTION, {"h": platform["busy_host"], "after": after}, role="RESEARCHER"
        )["host"]
        conn = got["buyers"]
        total = conn["totalCount"]
        seen += [e["node"]["buyerId"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == total >= 5 and seen == sorted(seen) and len(set(seen)) == total
    regulars = client.gql(
        CONNECTION, {"h": platform["host"], "level": "REGULAR"}, role="RESEARCHER"
    )["host"]["buyers"]
    assert regulars["totalCount"] >= 1 and all(
        e["node"]["level"] == "REGULAR" for e in regulars["edges"]
    )
    assert client.error_codes(
        CONNECTION, {"h": platform["host"], "after": "%%%"}, role="RESEARCHER"
    ) == ["BAD_USER_INPUT"]


def test_page_size_is_limited(client, platform):
    q = "query($h: ID!) { host(id: $h) { buyers(first: 5000) { totalCount } } }"
    assert client.error_codes(q, {"h": platform["host"]}, role="RESEARCHER") == ["BAD_USER_INPUT"]


BUYER = """query($b: ID!) {
  buyer(id: $b) {
    id weight weightSignals
    relations(first: 50) {
      totalCount edges { node { targetKind targetId level reasonCodes } }
    }
  }
}"""


def test_buyer_relations(client, platform):
    got = client.gql(BUYER, {"b": platform["buyer"]}, role="RESEARCHER")["buyer"]
    kinds = {(e["node"]["targetKind"], e["node"]["targetId"]) for e in got["relations"]["edges"]}
    assert ("HOST", platform["host"]) in kinds and ("SHOP", platform["shop"]) in kinds
    assert got["relations"]["totalCount"] == len(kinds)
    assert client.gql(BUYER, {"b": "nobody"}, role="RESEARCHER")["buyer"] is None


JOURNEY = """query($b: ID!, $h: ID) {
  journey(buyerId: $b, hostId: $h) {
    steps { at fromLevel toLevel score causes { event id } }
    current { level score asOf }
  }
}"""


def test_journey_from_stranger_to_regular(client, platform):
    got = client.gql(JOURNEY, {"b": platform["buyer"], "h": platform["host"]}, role="RESEARCHER")[
        "journey"
    ]
    levels = [s["toLevel"] for s in got["steps"]]
    assert levels[0] == "STRANGER" and "ACQUAINTANCE" in levels and "REGULAR" in levels
    assert levels.index("ACQUAINTANCE") < levels.index("REGULAR")
    assert got["current"]["level"] == "REGULAR"
    up = next(s for s in got["steps"] if s["toLevel"] == "ACQUAINTANCE")
    assert any(c["event"].startswith(("ORDER_DELIVERED", "REVIEW_POSTED")) for c in up["causes"])
    assert [s["at"] for s in got["steps"]] == sorted(s["at"] for s in got["steps"])


def test_limits_are_query_too_complex(client, service_settings):
    deep = '{ shop(id: "s1") { hosts { badge { details { missing { code } } } } } }'  # depth 6
    assert client.gql(deep, role=None) is not None  # within the default limit (12)
    aliases = "{ " + " ".join(f"a{i}: clock" for i in range(40)) + " }"
    assert client.error_codes(aliases) == ["QUERY_TOO_COMPLEX"]
    tokens = "{ " + " ".join(["clock"] * 6000) + " }"
    assert client.error_codes(tokens) == ["QUERY_TOO_COMPLEX"]
    assert client.error_codes("{ nope }") == ["BAD_USER_INPUT"]
    assert client.error_codes("{ shop(id: ") == ["BAD_USER_INPUT"]
    # The schema has no cycles deeper than 7 levels, so the depth limit binds with a lower setting.
    shallow = service_settings.with_overrides(
        limits=dataclasses.replace(service_settings.limits, max_depth=4)
    )
    with Server(shallow) as other:
        c = Client(other.url)
        assert c.error_codes(deep) == ["QUERY_TOO_COMPLEX"]
        assert c.gql('{ shop(id: "s1") { id } }', role=None) == {"shop": None}


def test_get_queries_graphiql_and_request_ids(client):
    r = client.http.get("/graphql", params={"query": "{ policy { version } }"})
    assert r.status_code == 200 and r.json()["data"]["policy"]["version"] == "v5"
    assert len(r.headers["x-request-id"]) >= 16
    r = client.http.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()
    r = client.http.post(
        "/graphql", json={"query": "{ clock }"}, headers={"X-Request-ID": "my-trace-1"}
    )
    assert r.headers["x-request-id"] == "my-trace-1"


def test_health_ready_metrics(client):
    assert client.http.get("/healthz").json() == {"status": "ok"}
    ready = client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    client.post("{ clock }")
    text = client.http.get("/metrics").text
    assert 'trustgraph_http_requests_total{method="POST",path="/graphql",status="200"}' in text
    assert "trustgraph_subscriptions" in text


def test_an_unknown_key_is_unauthenticated(client):
    r = client.post("{ clock }", key="not-a-configured-key-at-all")
    assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


NEIGHBOURHOOD = """query($c: ID!, $d: Int, $m: Int) {
  neighbourhood(center: $c, depth: $d, maxNodes: $m) {
    center truncated nodes { id kind } edges { source target kind level }
  }
}"""


def test_neighbourhood_for_graph_viewers(client, platform):
    center = f"HOST:{platform['host']}"
    got = client.gql(NEIGHBOURHOOD, {"c": center, "d": 1, "m": 500}, role="RESEARCHER")[
        "neighbourhood"
    ]
    ids = {n["id"] for n in got["nodes"]}
    assert center in ids and f"BUYER:{platform['buyer']}" in ids and not got["truncated"]
    assert all(e["source"] in ids and e["target"] in ids for e in got["edges"])
    assert any(e["kind"] == "TRUST" and e["target"] == center and e["level"] for e in got["edges"])
    small = client.gql(NEIGHBOURHOOD, {"c": center, "d": 2, "m": 3}, role="RESEARCHER")[
        "neighbourhood"
    ]
    assert small["truncated"] and len(small["nodes"]) <= 3
    for variables in (
        {"c": "h1"},
        {"c": "HOST:nope"},
        {"c": center, "d": 9},
        {"c": center, "m": 5000},
    ):
        assert client.error_codes(NEIGHBOURHOOD, variables, role="RESEARCHER") == [
            "BAD_USER_INPUT"
        ], variables


@pytest.mark.parametrize(
    "query, argument",
    [
        ("{ funnel(horizonDays: 0) { pairs } }", "horizonDays"),
        (
            '{ funnel(since: "2021-09-01T00:00:00+08:00", until: "2021-08-01T00:00:00+08:00") '
            "{ pairs } }",
            "until",
        ),
        ('{ funnel(since: "2021-09-01T00:00:00") { pairs } }', "since"),
        ('{ funnel(category: "   ") { pairs } }', "category"),
        ("{ trustRanking(first: 0) { edges } }", "first"),
        ('{ trustRanking(pretrusted: ["s00001"]) { edges } }', "pretrusted[0]"),
        ('{ trustRanking(pretrusted: ["SHOP:no-such-shop"]) { edges } }', "pretrusted"),
        ('{ trustRanking(fromBuyer: "nobody") { edges } }', "fromBuyer"),
        (
            '{ trustRanking(fromBuyer: "b1", pretrusted: ["SHOP:s1"]) { edges } }',
            "fromBuyer/pretrusted",
        ),
    ],
)
def test_research_fields_refuse_bad_arguments(client, platform, query, argument):
    body = client.post(query, role="RESEARCHER").json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert argument in body["errors"][0]["message"], body
