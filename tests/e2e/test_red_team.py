"""The red team on the real Neo4j, read through the service: every attack family of
``trustgraph seed --attacks`` planted on one seeded platform (each on a shop of its own), as
published and adapted to the defences (``--attack-adapt in_room``: every attack order placed
while a bot watches its room), derived as a user would (rescore, rings --apply, rescore), against
its control (the same seed without attacks). Per family, read over GraphQL as a front end and a
recommender would: no badge and no higher tier bought, no attack account REGULAR, the bombing
victim's badges kept, and the family's accounts flagged (their weight below the metrics'
cut-off): policy v4's weighed crowds flag the patient throwaways and its claim bursts the review
bombers, in the room too (v5, the default, keeps them)."""

from __future__ import annotations

from typing import Any

import pytest

from graph_api.derive import rescore_all
from graph_api.research.rings import apply_rings, find_groups
from graph_api.seed import SeedConfig, generate
from graph_api.seed.config import ATTACK_FAMILIES
from scoring.lockstep import LockstepGroup
from scoring.policy import default_policy
from tests.platforms import seed_platform

pytestmark = pytest.mark.integration

POLICY = default_policy()
CONFIG = SeedConfig(seed=7, buyers=3000)
ADAPTATIONS = ((), ("in_room",), ("in_room", "history"))
# Adapted to v4 as well (every account has a history: three days in a room), these accounts are
# not told apart from honest ones: the weighed crowds need weighed accounts and the claim bursts
# accounts without a history (docs/trust-model.md, "Threat model", known limits). What they buy
# is still checked.
UNFLAGGED_WITH_HISTORY = {"patient_throwaways", "review_bombing"}
# What the in_room adaptation still buys on this platform (docs/trust-model.md, "Threat model",
# known limits), kept as strict expected failures: each turns into a failure the day a defence
# stops it, so that this list and the docs are updated with it.
STILL_BOUGHT_IN_ROOM = {
    "camouflage": "12 in-room accounts at a busy room: v5 flags the lockstep core's 6 and the 4 "
    "that continued it; one that arrived two days before the core is REGULAR",
}
TIERS = ("SUPPRESSED", "NONE", "STANDARD", "PREFERRED")

CARDS = """query($s: [ID!], $h: [ID!]) {
  badges(shopIds: $s, hostIds: $h) { id kind badge { badges } boost { tier } }
}"""
BATCH = """query($b: ID!, $h: [ID!], $s: [ID!]) {
  trustBatch(buyerId: $b, hostIds: $h, shopIds: $s) { targetIds levels }
}"""
METRICS = """query($s: ID!) {
  shop(id: $s) { metrics { claimBurst claimBurstPValue groupWitnesses } }
}"""
WEIGHT = """query($b: ID!, $s: ID) { trust(buyerId: $b, shopId: $s) { buyerWeight } }"""


def derive_as_a_user_would(store: Any) -> None:
    clock = store.latest_event_at()
    rings, groups = find_groups(store, POLICY, clock)
    apply_rings(store, rings, groups)
    rescore_all(store, POLICY, clock)


def cards(client: Any, shops: list[str], hosts: list[str]) -> dict[tuple[str, str], Any]:
    found = client.gql(CARDS, {"s": shops, "h": hosts}, role=None)["badges"]
    return {(c["kind"], c["id"]): c for c in found if c}


def attacked_config(adapt: tuple[str, ...]) -> SeedConfig:
    return SeedConfig(seed=7, buyers=3000, attacks=ATTACK_FAMILIES, attack_adapt=adapt)


def ground_truth(config: SeedConfig) -> list[dict[str, Any]]:
    events, report = generate(config)
    for _ in events:  # the ground truth (which shops and hosts) fills in as they are drawn
        pass
    return list(report.to_dict()["attacks"])


def targets(attacks: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    shops = sorted({a[k] for a in attacks for k in ("shopId", "victimShopId") if a.get(k)})
    hosts = sorted({a[k] for a in attacks for k in ("hostId", "victimHostId") if a.get(k)})
    return shops, hosts


@pytest.fixture(scope="module")
def control(client, _session_store) -> dict[tuple[str, str], Any]:
    """The control's cards of every attack target and victim of every adaptation."""
    shops, hosts = targets(
        [a for adapt in ADAPTATIONS for a in ground_truth(attacked_config(adapt))]
    )
    seed_platform(_session_store, CONFIG)
    derive_as_a_user_would(_session_store)
    return cards(client, shops, hosts)


@pytest.fixture(
    scope="module", params=ADAPTATIONS, ids=["as-published", "in_room", "in_room+history"]
)
def worlds(request, client, _session_store, control) -> dict[str, Any]:
    """The attacked platform's cards of every attack target and victim, beside the control's,
    and the attacked platform (left in the graph for the per-account reads)."""
    adapt = request.param
    config = attacked_config(adapt)
    attacks = ground_truth(config)
    seed_platform(_session_store, config)  # stays in the graph for the reads
    derive_as_a_user_would(_session_store)
    attacked = cards(client, *targets(attacks))
    return {
        "adapt": adapt,
        "attacks": {a["family"]: a for a in attacks},
        "attacked": attacked,
        "control": control,
    }


def badges(world: dict[tuple[str, str], Any], kind: str, entity: str) -> set[str]:
    card = world.get((kind, entity))
    return set(card["badge"]["badges"]) if card else set()


def tier(world: dict[tuple[str, str], Any], kind: str, entity: str) -> int:
    card = world.get((kind, entity))
    return TIERS.index(card["boost"]["tier"]) if card else TIERS.index("NONE")


@pytest.mark.parametrize("family", [f for f in ATTACK_FAMILIES if f != "review_bombing"])
def test_no_family_buys_a_badge_a_tier_or_a_regular(request, client, worlds, family):
    if worlds["adapt"] and family in STILL_BOUGHT_IN_ROOM:
        request.applymarker(pytest.mark.xfail(reason=STILL_BOUGHT_IN_ROOM[family], strict=True))
    attack = worlds["attacks"][family]
    for kind, entity in (("SHOP", attack["shopId"]), ("HOST", attack["hostId"])):
        bought = badges(worlds["attacked"], kind, entity) - badges(worlds["control"], kind, entity)
        assert not bought, f"{family} bought {bought} for {kind} {entity}"
        assert tier(worlds["attacked"], kind, entity) <= tier(worlds["control"], kind, entity)
    flagged = 0
    for buyer in attack["buyerIds"]:
        batch = client.gql(
            BATCH, {"b": buyer, "h": [attack["hostId"]], "s": [attack["shopId"]]}, "RECOMMENDER"
        )["trustBatch"]
        assert "REGULAR" not in batch["levels"], f"{family} account {buyer} is REGULAR"
        weight = client.gql(WEIGHT, {"b": buyer, "s": attack["shopId"]}, "RECOMMENDER")["trust"]
        flagged += weight["buyerWeight"] < POLICY.entity.metrics.min_buyer_weight
    if "history" in worlds["adapt"] and family in UNFLAGGED_WITH_HISTORY:
        return
    assert flagged >= 0.9 * len(attack["buyerIds"]), f"{family}: {flagged} flagged"


def test_review_bombing_takes_no_badge_from_a_clean_shop(worlds, client):
    attack = worlds["attacks"]["review_bombing"]
    assert badges(worlds["control"], "SHOP", attack["victimShopId"]), "a victim with a badge"
    for kind, entity in (("SHOP", attack["victimShopId"]), ("HOST", attack["victimHostId"])):
        lost = badges(worlds["control"], kind, entity) - badges(worlds["attacked"], kind, entity)
        assert not lost, f"review bombing took {lost} from {kind} {entity}"
    flagged = 0
    for buyer in attack["buyerIds"]:
        weight = client.gql(WEIGHT, {"b": buyer, "s": attack["victimShopId"]}, "RECOMMENDER")
        flagged += weight["trust"]["buyerWeight"] < POLICY.entity.metrics.min_buyer_weight
    # In the room the bombers carry no signal of their own: v4's claim bursts flag them as a
    # group, so the victim's metrics leave them out whole (v3: the metrics' own burst test left
    # their claims out, claimBurst).
    if "history" in worlds["adapt"]:
        return
    assert flagged == len(attack["buyerIds"]), f"review_bombing: {flagged} flagged"
    victim = client.gql(METRICS, {"s": attack["victimShopId"]}, role=None)["shop"]["metrics"]
    assert victim["groupWitnesses"] == 0, victim  # a bombing crowd claims: no witnesses


def test_a_detection_judges_the_accounts_not_the_last_detections_marks(worlds, _session_store):
    # After rings --apply and a rescore every member weighs the cap (0.05). The detectors read
    # each account's own weight: marks left by another detection (another policy's, or a wrong
    # one) do not make their accounts a group again. Here 30 honest buyers of one shop are marked
    # as a group and rescored; read at the cap, they would be a weighed crowd on their page.
    store = _session_store
    clock = store.latest_event_at()
    rings, groups = find_groups(store, POLICY, clock)
    first = {m for g in (*rings, *groups) for m in g.members}
    marked, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer) WHERE b.ringId IS NOT NULL "
        "RETURN count(b) AS n, count(CASE WHEN b.ownWeight > $cap THEN 1 END) AS above",
        {"cap": POLICY.rings.member_weight},
        database_=store.database,
    )
    assert marked[0]["n"] == len(first) > 0  # the fixture's detection, found again
    assert marked[0]["above"] > 0  # members whose own evidence weighs more than the cap
    rows, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer)-[:PLACED]->(:Order)-[:FULFILLED_BY]->(s:Shop) "
        "WHERE b.ringId IS NULL AND b.id STARTS WITH 'b0' "
        "WITH s, collect(DISTINCT b.id) AS buyers ORDER BY size(buyers) DESC, s.id LIMIT 1 "
        "RETURN s.id AS shop, buyers[..30] AS buyers",
        database_=store.database,
    )
    honest = tuple(sorted(rows[0]["buyers"]))
    assert len(honest) == 30
    wrong = LockstepGroup("SHOP", rows[0]["shop"], clock, clock, honest, 0.0, 1.0)
    apply_rings(store, rings, [*groups, wrong])
    rescore_all(store, POLICY, clock)
    try:
        rings, groups = find_groups(store, POLICY, clock)
        assert {m for g in (*rings, *groups) for m in g.members} == first
    finally:
        derive_as_a_user_would(store)  # the world as the fixture left it, for the next tests
