"""Lockstep groups (scoring/lockstep.py) on hand-built accounts."""

from __future__ import annotations

import dataclasses

import pytest

from scoring.facts import MS_PER_DAY
from scoring.lockstep import Account, LockstepPolicy, detect_lockstep
from scoring.policy import default_policy

_LOCKSTEP = default_policy().lockstep
assert _LOCKSTEP is not None
POLICY: LockstepPolicy = _LOCKSTEP
T0 = 1_700_000_000_000
DAY = MS_PER_DAY


def account(
    name: str,
    first_day: float,
    *,
    target: str = "s1",
    weight: float = 0.4,
    camouflage: int = 0,
    orders: int = 3,
) -> Account:
    own = [(target, f"h-{target}", T0 + int((first_day + 7 * k) * DAY)) for k in range(orders)]
    other = [(f"busy{k}", f"hb{k}", T0 + int((first_day + 3 + k) * DAY)) for k in range(camouflage)]
    return Account(name, weight, tuple(own + other))


def background(n: int = 300) -> list[Account]:
    """The platform's own flow of weighed, dependent accounts: one a day or so, spread over many
    shops and the whole period."""
    return [account(f"o{i:03d}", (i * 0.6) % 180, target=f"t{i % 60}") for i in range(n)]


AT = T0 + 200 * DAY


def test_a_crowd_arriving_together_at_one_shop_is_a_group_with_a_reason():
    crowd = [account(f"x{i}", 60 + i) for i in range(12)]
    groups = detect_lockstep(background() + crowd, POLICY, AT)
    members = {b for g in groups for b in g.members}
    assert {a.buyer_id for a in crowd} <= members
    assert not {b for b in members if b.startswith("o")}  # the flow is not a group
    shop = next(g for g in groups if g.target_kind == "SHOP")
    assert shop.target_id == "s1" and "12 accounts" in shop.reason() and "s1" in shop.reason()


def test_camouflage_up_to_half_of_the_orders_does_not_hide_the_group():
    crowd = [account(f"x{i}", 60 + i, camouflage=3) for i in range(12)]  # 3 of 6 orders elsewhere
    members = {b for g in detect_lockstep(background() + crowd, POLICY, AT) for b in g.members}
    assert {a.buyer_id for a in crowd} <= members


def test_fully_weighed_accounts_spread_arrivals_and_small_crowds_are_not_groups():
    honest = [account(f"x{i}", 60 + i, weight=1.0) for i in range(12)]
    spread = [account(f"y{i}", 60 + 25 * i, target="s2") for i in range(6)]
    small = [account(f"z{i}", 60 + i, target="s3") for i in range(POLICY.min_size - 1)]
    groups = detect_lockstep(background() + honest + spread + small, POLICY, AT)
    assert groups == []


def test_orders_after_as_of_are_ignored_and_input_order_does_not_matter():
    crowd = [account(f"x{i}", 60 + i) for i in range(12)]
    everyone = background() + crowd
    assert detect_lockstep(everyone, POLICY, T0 + 50 * DAY) == []
    assert detect_lockstep(everyone, POLICY, AT) == detect_lockstep(everyone[::-1], POLICY, AT)


def test_policy_ranges_are_checked():
    with pytest.raises(ValueError, match="lockstep.min_dependence"):
        dataclasses.replace(POLICY, min_dependence=0.4)
    with pytest.raises(ValueError, match="lockstep.min_size"):
        dataclasses.replace(POLICY, min_size=1)
