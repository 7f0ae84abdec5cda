"""The role matrix, operation by role, over real HTTP (schema/permissions.py has the table). Who
sees exact hints on the fields everyone may read is tested in test_hints_by_role.py."""

from __future__ import annotations

import json

import pytest

from graph_api.derive import Deriver
from graph_api.ingest import Ingester
from scoring.policy import default_policy, default_policy_text

pytestmark = pytest.mark.integration

ROLES: list[str | None] = [None, "MERCHANT", "RECOMMENDER", "RESEARCHER", "INGEST", "ADMIN"]
ALL: set[str | None] = set(ROLES)


def _simulate_query() -> str:

    policy = json.dumps(default_policy_text())
    return f"{{ simulatePolicy(policy: {policy}) {{ pairs candidatePolicy }} }}"


SIMULATE = _simulate_query()
TRUST_READERS: set[str | None] = {"RECOMMENDER", "RESEARCHER", "ADMIN"}
EXPLORERS: set[str | None] = {"RESEARCHER", "ADMIN"}

# operation name: (query, the roles that may run it; None is a caller without a key)
OPERATIONS: dict[str, tuple[str, set[str | None]]] = {
    "trust": ('{ trust(buyerId: "b1", hostId: "h1") { level } }', TRUST_READERS),
    "trustBatch": ('{ trustBatch(buyerId: "b1", hostIds: ["h1"]) { levels } }', TRUST_READERS),
    "shop": ('{ shop(id: "s1") { id badge { badges } boost { tier } metrics { orders } } }', ALL),
    "host": ('{ host(id: "h1") { id badge { badges } } }', ALL),
    "shop.hosts": ('{ shop(id: "s1") { hosts { id } } }', ALL),
    "badges": ('{ badges(shopIds: ["s1"], hostIds: ["h1"]) { id } }', ALL),
    "badge.details": (
        '{ shop(id: "s1") { badge { details { reasons { code } missing { code message } } } } }',
        ALL,
    ),
    "clock": ("{ clock }", ALL),
    "policy": ("{ policy { version } }", ALL),
    "streamApplied": (
        '{ streamApplied(positions: [{topic: "t", partition: 0, offset: 0}]) { applied } }',
        ALL,
    ),
    "host.buyers": ('{ host(id: "h1") { buyers(first: 5) { totalCount } } }', EXPLORERS),
    "host.fanClub": ('{ host(id: "h1") { fanClub(first: 5) { totalCount } } }', EXPLORERS),
    "buyer": ('{ buyer(id: "b1") { id relations { totalCount } } }', EXPLORERS),
    "journey": ('{ journey(buyerId: "b1", hostId: "h1") { steps { toLevel } } }', EXPLORERS),
    "recordEvents": ("mutation { recordEvents(events: []) { accepted } }", {"INGEST", "ADMIN"}),
    "neighbourhood": ('{ neighbourhood(center: "HOST:h1") { nodes { id } } }', EXPLORERS),
    "simulatePolicy": (SIMULATE, {"ADMIN"}),
    "trustRanking": (
        '{ trustRanking(fromBuyer: "b1") { edges entries { targetId trust known } } }',
        EXPLORERS,
    ),
    "funnel": (
        "{ funnel(period: WEEK) { pairs periods { newPairs } conversion { group regularRate } } }",
        EXPLORERS,
    ),
}


@pytest.fixture(scope="module")
def tiny(_session_store):

    store = _session_store
    store.wipe()
    at = "2021-09-01T20:00:00+08:00"
    Ingester(store, 100, deriver=Deriver(store, default_policy())).ingest(
        [
            {
                "eventId": "s",
                "type": "HOST_SELLS_FOR_SHOP",
                "at": at,
                "hostId": "h1",
                "shopId": "s1",
            },
            {
                "eventId": "o",
                "type": "ORDER_PLACED",
                "at": at,
                "orderId": "o1",
                "buyerId": "b1",
                "hostId": "h1",
                "shopId": "s1",
                "amount": 50.0,
            },
            {
                "eventId": "f",
                "type": "FAN_CLUB_TIER_SET",
                "at": at,
                "buyerId": "b1",
                "hostId": "h1",
                "tier": 3,
            },
        ]
    )
    return store


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, tiny, operation, role):
    query, allowed = OPERATIONS[operation]
    body = client.post(query, role=role).json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    if role in allowed:
        assert codes == [], body
        assert body["data"] is not None
    else:
        assert codes == ["UNAUTHENTICATED" if role is None else "FORBIDDEN"], body


@pytest.mark.parametrize("role", [None, "MERCHANT"])
def test_public_callers_never_see_buyer_ids(client, tiny, role):
    """What PUBLIC (and so MERCHANT, even for its own shop) may read carries no buyer-level data:
    nothing in the answers names b1."""
    for operation, (query, allowed) in OPERATIONS.items():
        if None in allowed:
            assert "b1" not in client.post(query, role=role).text, operation


def test_simulate_policy_rejects_a_bad_policy_by_key(client, tiny):
    body = client.post(
        '{ simulatePolicy(policy: "version = \\"x\\"") { pairs } }', role="ADMIN"
    ).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "trust is missing" in body["errors"][0]["message"]
