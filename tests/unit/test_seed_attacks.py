"""The red team's attack families planted by the generator (graph_api.seed.attacks)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from functools import cache
from typing import Any

import pytest

from graph_api.errors import SeedConfigError
from graph_api.events import Rejection, validate_event
from graph_api.seed import SeedConfig, generate
from graph_api.seed.config import ATTACK_FAMILIES
from graph_api.seed.world import NORMS
from scoring.facts import FOR_CAUSE_REASONS
from scoring.policy import default_policy

INTERACTIONS = {"WATCHED", "COMMENTED", "FOLLOWED", "UNFOLLOWED", "FAN_CLUB_TIER_SET"}


@cache
def platform(seed: int = 5, attacks: tuple[str, ...] = ATTACK_FAMILIES) -> tuple[Any, ...]:
    events, report = generate(SeedConfig(seed=seed, buyers=600, attacks=attacks))
    return tuple(events), report


def day(ev: dict[str, Any]) -> int:
    return datetime.fromisoformat(ev["at"]).toordinal()


def by_family(family: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events, report = platform()
    truth = next(a for a in report.attacks if a["family"] == family)
    buyers = set(truth["buyerIds"])
    orders = {
        e["orderId"] for e in events if e["type"] == "ORDER_PLACED" and e["buyerId"] in buyers
    }
    mine = [e for e in events if e.get("buyerId") in buyers or e.get("orderId") in orders]
    return truth, mine


def per_buyer(events: list[dict[str, Any]], kind: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["type"] == kind:
            out[e["buyerId"]].append(e)
    return out


def price_range(category: str) -> tuple[float, float]:
    prof = NORMS[category]
    return prof.price * math.exp(-prof.price_sigma) - 1, prof.price * math.exp(prof.price_sigma) + 1


def test_every_event_validates_in_time_order_with_unique_ids() -> None:
    events, _ = platform()
    assert all(not isinstance(validate_event(e), Rejection) for e in events)
    assert all(a["at"] <= b["at"] for a, b in zip(events, events[1:], strict=False))
    assert len({e["eventId"] for e in events}) == len(events)
    placed: set[str] = set()
    for e in events:
        if e["type"] == "ORDER_PLACED":
            placed.add(e["orderId"])
        elif "orderId" in e:
            assert e["orderId"] in placed


@pytest.mark.parametrize("family", ["aged_sleepers", "camouflage"])
def test_aged_sleepers(family: str) -> None:
    truth, mine = by_family(family)
    regs = {e["buyerId"]: day(e) for e in mine if e["type"] == "BUYER_REGISTERED"}
    orders = per_buyer(mine, "ORDER_PLACED")
    assert set(orders) == set(truth["buyerIds"]) == set(regs)
    for bid, os in orders.items():
        at_target = [o for o in os if o["shopId"] == truth["shopId"]]
        assert 3 <= len(at_target) <= 8
        days = sorted(day(o) for o in at_target)
        assert days[0] - regs[bid] >= 60
        assert days[-1] - days[0] >= 40 and len(set(days)) == len(days)
        for o in os:  # within one sigma of the category's median, as priced (e.g. 89.9)
            lo, hi = price_range(o["category"])
            assert lo <= o["amount"] <= hi, o
        others = {o["shopId"] for o in os} - {truth["shopId"]}
        assert (len(others) >= 1) == (family == "camouflage")
    kinds = {e["type"] for e in mine}
    assert {"WATCHED", "FOLLOWED", "FAN_CLUB_TIER_SET"} <= kinds
    assert all(e["rating"] in (4, 5) for e in mine if e["type"] == "REVIEW_POSTED")
    assert all(e["passed"] for e in mine if e["type"] == "INSPECTION_RECORDED")
    assert not any(e["type"] in ("ORDER_REFUNDED", "COMPLAINT_FILED") for e in mine)
    assert truth["yuanSpent"] == pytest.approx(
        sum(e["amount"] for e in mine if e["type"] == "ORDER_PLACED")
    )


def test_patient_throwaways() -> None:
    truth, mine = by_family("patient_throwaways")
    assert not any(e["type"] in INTERACTIONS for e in mine)
    orders = per_buyer(mine, "ORDER_PLACED")
    assert set(orders) == set(truth["buyerIds"])
    for os in orders.values():
        assert len(os) == 2 and all(o["amount"] == 9.9 for o in os)
        assert day(os[1]) - day(os[0]) >= 31


def test_slow_trickle_one_order_per_account_per_week() -> None:
    truth, mine = by_family("slow_trickle")
    events, _ = platform()
    assert any(e["type"] == "SHOP_REGISTERED" and e["shopId"] == truth["shopId"] for e in events)
    start = min(day(e) for e in events)
    for os in per_buyer(mine, "ORDER_PLACED").values():
        weeks = [(day(o) - start - 7) // 7 for o in os]
        assert weeks == list(range(truth["weeks"]))
        assert all(o["shopId"] == truth["shopId"] for o in os)


def test_review_bombing() -> None:
    truth, mine = by_family("review_bombing")
    assert len(truth["buyerIds"]) == 6
    orders = per_buyer(mine, "ORDER_PLACED")
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in mine:
        if "orderId" in e:
            by_order[e["orderId"]].append(e)
    for os in orders.values():
        assert len(os) == 1 and os[0]["shopId"] == truth["victimShopId"]
        kinds = {e["type"]: e for e in by_order[os[0]["orderId"]]}
        assert kinds["ORDER_REFUNDED"]["returned"] is False
        assert "COMPLAINT_FILED" in kinds and kinds["REVIEW_POSTED"]["rating"] == 1
    reports = [e for e in mine if e["type"] == "FALSE_AD_REPORTED"]
    assert len(reports) == 6 and {r["hostId"] for r in reports} == {truth["victimHostId"]}


def test_refund_hiding_brings_the_rate_under_the_threshold() -> None:
    truth, mine = by_family("refund_hiding")
    events, _ = platform()
    thr = default_policy().entity.badge("TRUST_PURCHASE").max_for_cause_refund_rate
    assert thr is not None and truth["fakeOrders"] > 0
    # The attacker's own arithmetic on the window it read.
    refunds, orders = truth["observedForCauseRefunds"], truth["observedOrders"]
    assert refunds / (orders + truth["fakeOrders"]) <= thr < refunds / orders
    # And on the last 60 days as scored at the end.
    end = max(day(e) for e in events)
    placed = {
        e["orderId"]
        for e in events
        if e["type"] == "ORDER_PLACED" and e["shopId"] == truth["shopId"] and day(e) > end - 60
    }
    for_cause = {
        e["orderId"]
        for e in events
        if e["type"] == "ORDER_REFUNDED"
        and e["orderId"] in placed
        and e["reason"] in FOR_CAUSE_REASONS
    }
    assert len(for_cause) / len(placed) <= thr
    assert not any(e["type"] in ("ORDER_REFUNDED", "COMPLAINT_FILED") for e in mine)


def test_truth_lists_every_attacker_account() -> None:
    events, report = platform()
    attackers = {b for a in report.attacks for b in a["buyerIds"]}
    registered = {e["buyerId"] for e in events if e["type"] == "BUYER_REGISTERED"}
    assert {b for b in registered if b.startswith("bx")} == attackers
    assert {a["family"] for a in report.attacks} == set(ATTACK_FAMILIES)
    assert "attacks" in report.to_dict()


def test_deterministic_and_seed_dependent() -> None:
    a = list(generate(SeedConfig(seed=5, buyers=600, attacks=("patient_throwaways",)))[0])
    b = list(generate(SeedConfig(seed=5, buyers=600, attacks=("patient_throwaways",)))[0])
    c = list(generate(SeedConfig(seed=6, buyers=600, attacks=("patient_throwaways",)))[0])
    assert a == b
    assert [e for e in a if "-x" in e["eventId"]] != [e for e in c if "-x" in e["eventId"]]


def test_default_config_and_organic_events_unchanged() -> None:
    plain, report = generate(SeedConfig(seed=5, buyers=600))
    plain_events = list(plain)
    assert plain_events == list(generate(SeedConfig(seed=5, buyers=600, attacks=()))[0])
    assert "attacks" not in report.to_dict() and "attacks" not in report.config
    events, _ = platform()
    assert [e for e in events if "-x" not in e["eventId"]] == plain_events


def test_config_checks() -> None:
    with pytest.raises(SeedConfigError, match="attacks.*aged_sleepers"):
        SeedConfig(attacks=("nope",))
    with pytest.raises(SeedConfigError, match="attack_size"):
        SeedConfig(attacks=("camouflage",), attack_size="huge")
    with pytest.raises(SeedConfigError, match="attack_accounts"):
        SeedConfig(attacks=("camouflage",), attack_accounts=0)
    with pytest.raises(SeedConfigError, match="days"):
        SeedConfig(attacks=("camouflage",), days=30)
    assert SeedConfig(attack_size="large").n_attack_accounts == 40
    assert SeedConfig(attack_accounts=3).n_bombers == 3


def test_the_in_room_adaptation_watches_the_room_around_every_attack_order():
    config = SeedConfig(seed=5, buyers=600, attacks=ATTACK_FAMILIES, attack_adapt=("in_room",))
    stream, report = generate(config)
    events = list(stream)
    attackers = {b for a in report.attacks for b in a["buyerIds"]}
    sessions: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for e in events:
        if e["type"] == "WATCHED" and e["buyerId"] in attackers:
            left = datetime.fromisoformat(e["at"]).timestamp()
            sessions[(e["buyerId"], e["hostId"])].append((left - 60 * e["minutes"], left))
    orders = [e for e in events if e["type"] == "ORDER_PLACED" and e["buyerId"] in attackers]
    assert orders
    for o in orders:
        t = datetime.fromisoformat(o["at"]).timestamp()
        assert any(a <= t <= b for a, b in sessions[(o["buyerId"], o["hostId"])]), o
    plain, _ = platform()
    organic = [e for e in events if e["eventId"] and "-x" not in e["eventId"]]
    assert organic == [e for e in plain if "-x" not in e["eventId"]]  # the same organic platform
    # ... and the same targets: each family draws from its own stream, so the extra draws of the
    # adaptation move no family's shop, host or victim.
    keys = ("family", "shopId", "hostId", "victimShopId", "victimHostId")
    adapted = [{k: a.get(k) for k in keys} for a in report.attacks]
    assert adapted == [{k: a.get(k) for k in keys} for a in platform()[1].attacks]


def test_an_adaptation_needs_attacks_and_a_known_name():
    with pytest.raises(SeedConfigError, match="attack_adapt"):
        SeedConfig(buyers=600, attack_adapt=("in_room",))
    with pytest.raises(SeedConfigError, match="attack_adapt"):
        SeedConfig(buyers=600, attacks=("camouflage",), attack_adapt=("teleport",))


def test_the_history_adaptation_gives_every_attack_account_three_days_in_a_room():
    config = SeedConfig(
        seed=5, buyers=600, attacks=ATTACK_FAMILIES, attack_adapt=("in_room", "history")
    )
    stream, report = generate(config)
    events = list(stream)
    attackers = {b for a in report.attacks for b in a["buyerIds"]}
    ordered = {e["buyerId"] for e in events if e["type"] == "ORDER_PLACED"} & attackers
    days: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e["type"] in ("WATCHED", "COMMENTED", "FOLLOWED") and e["buyerId"] in attackers:
            days[e["buyerId"]].add(e["at"][:10])
    assert ordered
    assert all(len(days[b]) >= 3 for b in ordered), {b: len(days[b]) for b in ordered}
    plain, _ = platform()
    organic = [e for e in events if e["eventId"] and "-x" not in e["eventId"]]
    assert organic == [e for e in plain if "-x" not in e["eventId"]]  # the same organic platform
