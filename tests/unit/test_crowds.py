"""Weighed crowds and claim bursts (scoring/crowds.py, policy v4) on hand-built accounts."""

from __future__ import annotations

import dataclasses

from graph_api.research.rings import DetectionAccount
from scoring.crowds import CrowdPolicy, detect_claim_bursts, detect_weighed_crowds
from scoring.facts import MS_PER_DAY
from scoring.lockstep import Account
from scoring.policy import default_policy
from scoring.rings import Candidate

_CROWDS = default_policy().crowds
assert _CROWDS is not None
POLICY: CrowdPolicy = _CROWDS
T0 = 1_700_000_000_000
DAY = MS_PER_DAY
AT = T0 + 200 * DAY


def honest(n: int = 600, weight: float = 1.0) -> list[Account]:
    """The platform: loyal buyers of 60 rooms, three orders each, spread over the period."""
    out = []
    for i in range(n):
        shop, host = f"s{i % 60}", f"h{i % 60}"
        first = (i * 0.3) % 150
        orders = tuple((shop, host, T0 + int((first + 10 * k) * DAY)) for k in range(3))
        out.append(Account(f"o{i:03d}", weight, orders))
    return out


def throwaways(n: int = 12, shop: str = "s7", host: str = "h7") -> list[Account]:
    """Patient throwaways: two cheap orders 31+ days apart, months between the accounts, each
    weighing 0.45 on its own (new account, one target, cheap, never disputed)."""
    return [
        Account(
            f"x{i:02d}",
            0.45,
            ((shop, host, T0 + (10 * i) * DAY), (shop, host, T0 + (10 * i + 35) * DAY)),
        )
        for i in range(n)
    ]


def test_a_patient_crowd_of_weighed_accounts_is_flagged_however_spread_out():
    crowd = throwaways()
    (group,) = detect_weighed_crowds(honest() + crowd, POLICY, AT)
    assert set(group.members) == {a.buyer_id for a in crowd}
    assert (group.target_kind, group.target_id) == ("PAIR", "s7/h7")
    assert group.targets == ("HOST:h7", "SHOP:s7")
    assert group.id == "crowd/pair/s7/h7"
    assert "12 of the 22 accounts" in group.reason() and "shop s7 through host h7" in group.reason()


def test_weighed_honest_accounts_scattered_over_rooms_are_no_crowd():
    # A few light honest accounts (a cheap first order on the day of registering) on every page.
    light = [dataclasses.replace(a, weight=0.45) for a in honest()[:40]]
    assert detect_weighed_crowds(honest()[40:] + light, POLICY, AT) == []


def test_a_crowd_of_full_weight_accounts_is_not_a_weighed_crowd():
    crowd = [dataclasses.replace(a, weight=1.0) for a in throwaways()]
    assert detect_weighed_crowds(honest() + crowd, POLICY, AT) == []


def test_camouflage_at_busy_shops_does_not_hide_a_weighed_crowd():
    # One order at a busy shop beside the two at the target: still half of the orders there.
    crowd = [
        dataclasses.replace(a, orders=(*a.orders, ("s0", "h0", a.orders[0][2] + DAY)))
        for a in throwaways()
    ]
    (group,) = detect_weighed_crowds(honest() + crowd, POLICY, AT)
    assert set(group.members) == {a.buyer_id for a in crowd}


def test_the_bar_rises_with_the_pages_tested():
    crowd = throwaways(6)
    assert len(detect_weighed_crowds(honest() + crowd, POLICY, AT)) == 1
    strict = dataclasses.replace(POLICY, family_p_value=1e-30)
    assert detect_weighed_crowds(honest() + crowd, strict, AT) == []


def shop_buyers(claim_share: float, n: int = 200) -> list[Account]:
    """Buyers with a history at shop v / host hv, a share of whose orders is claimed."""
    out = []
    for i in range(n):
        t = T0 + int((i * 0.8) % 180 * DAY)
        claims = (("v", "hv", t + 3 * DAY),) if i < claim_share * n else ()
        out.append(Account(f"p{i:03d}", 1.0, (("v", "hv", t),), claims))
    return out


def bombers(n: int = 6, *, unproven: bool = True) -> list[Account]:
    """One-order accounts, each claiming within days of its order, in three weeks."""
    out = []
    for i in range(n):
        t = T0 + (150 + 3 * i) * DAY
        out.append(Account(f"bx{i}", 1.0, (("v", "hv", t),), (("v", "hv", t + 2 * DAY),), unproven))
    return out


def test_a_burst_of_claims_from_accounts_without_a_history_is_a_group():
    crowd = bombers()
    found = detect_claim_bursts(shop_buyers(0.04) + crowd, POLICY, AT)
    assert {g.target_kind for g in found} == {"SHOP", "PAIR"}
    for g in found:
        assert set(g.members) == {a.buyer_id for a in crowd}
        assert g.id.startswith(f"burst/{g.target_kind.lower()}/")
        assert "6 accounts without a history filed claims" in g.reason()


def test_the_same_claims_from_accounts_with_a_history_are_no_burst():
    assert detect_claim_bursts(shop_buyers(0.04) + bombers(unproven=False), POLICY, AT) == []


def test_newcomers_of_a_shop_that_fails_everyone_are_no_burst():
    # Its buyers with a history claim 60% of their orders: six newcomers claiming is its record.
    assert detect_claim_bursts(shop_buyers(0.6) + bombers(), POLICY, AT) == []


def test_claims_after_as_of_are_not_seen():
    early = T0 + 140 * DAY
    assert detect_claim_bursts(shop_buyers(0.04) + bombers(), POLICY, early) == []


def test_a_detection_account_is_unproven_as_the_buyer_weight_judges_it():
    # graph_api.research.rings reads the interaction days; three by as_of are a history.
    policy = default_policy()
    day = AT // DAY
    c = Candidate("b", 1.0, (), (("s", "h", AT - DAY),))
    assert DetectionAccount(c, (), (day - 3, day - 2)).account(policy, AT).unproven
    assert not DetectionAccount(c, (), (day - 3, day - 2, day)).account(policy, AT).unproven
    late = DetectionAccount(c, (), (day - 3, day - 2, day + 1)).account(policy, AT)
    assert late.unproven  # a day after as_of is not yet a history
