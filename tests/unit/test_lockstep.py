"""Lockstep groups (scoring/lockstep.py) on hand-built accounts: policy v3's signature pages over
every buyer (the default), and v2's shop and host pages over weighed accounts."""

from __future__ import annotations

import dataclasses

import pytest

from scoring.facts import MS_PER_DAY
from scoring.lockstep import Account, LockstepPolicy, dependence_pages, detect_lockstep
from scoring.policy import default_policy

_LOCKSTEP = default_policy().lockstep
assert _LOCKSTEP is not None
POLICY: LockstepPolicy = _LOCKSTEP
V2 = dataclasses.replace(POLICY, pages="targets", max_member_weight=0.5, min_excess_ratio=1.0)
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
    registered: float | None = None,
) -> Account:
    own = [(target, f"h-{target}", T0 + int((first_day + 7 * k) * DAY)) for k in range(orders)]
    other = [(f"busy{k}", f"hb{k}", T0 + int((first_day + 3 + k) * DAY)) for k in range(camouflage)]
    joined = None if registered is None else T0 + int(registered * DAY)
    return Account(name, weight, tuple(own + other), registered=joined)


def background(n: int = 300) -> list[Account]:
    """The platform's own flow of weighed, dependent accounts: one a day or so, spread over many
    shops and the whole period."""
    return [account(f"o{i:03d}", (i * 0.6) % 180, target=f"t{i % 60}") for i in range(n)]


AT = T0 + 200 * DAY


def lockstep_pages(a: Account) -> list[tuple[str, str, int]]:
    return list(dependence_pages(list(a.orders), POLICY))


@pytest.mark.parametrize("weight", [0.4, 1.0])
def test_a_crowd_arriving_together_through_one_room_is_a_group_whatever_it_weighs(weight):
    # v3 looks at every buyer: a bot that sits in the room while it orders weighs 1.
    crowd = [account(f"x{i}", 60 + i, weight=weight) for i in range(12)]
    groups = detect_lockstep(background() + crowd, POLICY, AT)
    members = {b for g in groups for b in g.members}
    assert members == {a.buyer_id for a in crowd}  # the flow is not a group
    (pair,) = groups
    assert (pair.target_kind, pair.target_id) == ("PAIR", "s1/h-s1")
    assert pair.id == f"lockstep/pair/s1/h-s1/{T0 + 60 * DAY}"
    assert "12 accounts" in pair.reason() and "shop s1 through host h-s1" in pair.reason()


def test_v2_looks_at_weighed_accounts_only_with_shop_and_host_pages():
    crowd = [account(f"x{i}", 60 + i) for i in range(12)]
    honest = [account(f"y{i}", 60 + i, target="s2", weight=1.0) for i in range(12)]
    groups = detect_lockstep(background() + crowd + honest, V2, AT)
    assert {b for g in groups for b in g.members} == {a.buyer_id for a in crowd}
    assert {(g.target_kind, g.target_id) for g in groups} == {("SHOP", "s1"), ("HOST", "h-s1")}


@pytest.mark.parametrize("orders", [2, 4])
def test_a_job_through_every_room_of_a_shop_shows_on_the_shops_page(orders):
    # With two orders each through two rooms, each account's pair holds half of its orders (a
    # pair page), and its shop all of them through two rooms (the shop's page as well); with
    # four through four rooms, no pair holds half.
    crowd = [
        Account(
            f"x{i}",
            1.0,
            tuple(
                ("s1", f"h{(i + k) % 4}", T0 + int((60 + i + 7 * k) * DAY)) for k in range(orders)
            ),
        )
        for i in range(12)
    ]
    groups = detect_lockstep(background() + crowd, POLICY, AT)
    shop = [g for g in groups if (g.target_kind, g.target_id) == ("SHOP", "s1")]
    assert len(shop) == 1 and set(shop[0].members) == {a.buyer_id for a in crowd}
    assert {b for g in groups for b in g.members} == {a.buyer_id for a in crowd}


def test_a_rooms_fans_following_it_to_a_new_shop_are_not_a_crowd():
    # Twelve fans of room h1 bought at its shop s1 over the whole period; on day 120 the room
    # starts selling for s2 and they all buy there at once, then mostly there. They arrived at
    # the pair (s2, h1) when they first bought through h1, long before.
    fans = [
        Account(
            f"f{i}",
            1.0,
            (("s1", "h1", T0 + int(i * 9 * DAY)),)
            + tuple(("s2", "h1", T0 + int((120 + i * 0.5 + 7 * k) * DAY)) for k in range(3)),
        )
        for i in range(12)
    ]
    assert {p for _, p, _ in lockstep_pages(fans[0])} == {"s2/h1", "h1"}
    assert detect_lockstep(background() + fans, POLICY, AT) == []


def test_loyal_buyers_of_one_room_stay_on_its_pair_page():
    # Twelve honest regulars of one room each, spread over the period, and a job elsewhere: the
    # shop and host pages hold only accounts spread over several rooms or shops.
    loyal = [account(f"l{i}", i * 14, target="s5") for i in range(12)]
    pages = {(k, p) for k, p, _ in lockstep_pages(loyal[0])}
    assert pages == {("PAIR", "s5/h-s5")}
    assert detect_lockstep(background() + loyal, POLICY, AT) == []


def test_the_members_are_the_core_of_the_window_not_every_newcomer_in_it():
    # A one-week job inside a month in which the room also gets a newcomer every five days.
    job = [account(f"x{i}", 60 + i * 0.5) for i in range(10)]
    newcomers = [account(f"n{i}", 45 + 5 * i) for i in range(6)]
    groups = detect_lockstep(background() + job + newcomers, POLICY, AT)
    members = {b for g in groups for b in g.members}
    assert {a.buyer_id for a in job} <= members
    # Newcomers of the job's own days may stay (no one can tell them apart); the others may not.
    assert not members & {"n0", "n1", "n2", "n5"}


def test_a_room_that_opened_late_is_measured_over_its_own_life():
    # A room opening on day 150 gets ten newcomers a month from then on, as popular rooms do;
    # against the whole period's flow its first month would look like a crowd.
    late = [account(f"l{i}", 150 + 3 * i, target="new") for i in range(10)]
    assert detect_lockstep(background() + late, POLICY, AT) == []


def test_a_crowd_within_the_flows_overdispersion_is_not_a_group():
    # Eight arrivals where two are expected: a Poisson tail of about 1e-3, and four times the
    # expectation, under v3's ratio of five.
    busy = [account(f"b{i}", (i * 6.0) % 180, target="s9") for i in range(30)]
    bump = [account(f"x{i}", 90 + i, target="s9") for i in range(6)]
    assert detect_lockstep(background() + busy + bump, POLICY, AT) == []


def test_camouflage_up_to_half_of_the_orders_does_not_hide_the_group():
    crowd = [account(f"x{i}", 60 + i, camouflage=3) for i in range(12)]  # 3 of 6 orders elsewhere
    members = {b for g in detect_lockstep(background() + crowd, POLICY, AT) for b in g.members}
    assert {a.buyer_id for a in crowd} <= members


@pytest.mark.parametrize("policy", [POLICY, V2], ids=["v3", "v2"])
def test_spread_arrivals_and_small_crowds_are_not_groups(policy):
    spread = [account(f"y{i}", 60 + 25 * i, target="s2") for i in range(6)]
    small = [account(f"z{i}", 60 + i, target="s3") for i in range(POLICY.min_size - 1)]
    assert detect_lockstep(background() + spread + small, policy, AT) == []


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
    with pytest.raises(ValueError, match="lockstep.pages"):
        dataclasses.replace(POLICY, pages="all")
    with pytest.raises(ValueError, match="lockstep.min_excess_ratio"):
        dataclasses.replace(POLICY, min_excess_ratio=0.9)


def test_v4_holds_a_core_to_a_bar_scaled_by_the_pages_tested():
    # v4: the window is a screen (three times its expectation, 1e-3); its core must clear the
    # family bar, family_p_value / pages tested.
    assert POLICY.family_p_value is not None
    crowd = [account(f"x{i}", 60 + i, weight=1.0) for i in range(12)]
    assert len(detect_lockstep(background() + crowd, POLICY, AT)) == 1
    pages = 61  # the background's 60 targets and the crowd's
    assert POLICY.core_p_value(pages) == POLICY.family_p_value / pages
    strict = dataclasses.replace(POLICY, family_p_value=1e-40)
    assert detect_lockstep(background() + crowd, strict, AT) == []
    v3 = dataclasses.replace(POLICY, family_p_value=None)
    assert v3.core_p_value(pages) == v3.max_p_value


V4 = dataclasses.replace(POLICY, continuation_p_value=None, registration_days=None)


def busy_room() -> list[Account]:
    """The room's own flow: 20 honest buyers over the period, one every nine days, registered
    over the year before (none within 90 days of the job's batch below)."""
    return [account(f"b{i}", 9 * i + 0.37, weight=1.0, registered=-400 + 10 * i) for i in range(20)]


def two_waves(second_registered: float = -118) -> tuple[list[Account], list[Account]]:
    """A job of 14 accounts registered in one batch 120 days before: 8 arrive within two days
    (the core), 6 over days 68-78, one every two days (too few for the family bar on their own
    against the room's flow)."""
    first = [
        account(f"x{i}", 60 + i * 0.25, weight=1.0, registered=-120 + i * 0.2) for i in range(8)
    ]
    second = [
        account(f"y{i}", 68 + 2 * i, weight=1.0, registered=second_registered + i * 0.2)
        for i in range(6)
    ]
    return first, second


def test_v5_continues_a_flagged_core_by_the_arrivals_that_follow_it():
    first, second = two_waves()
    everyone = background() + busy_room() + first + second
    (v4,) = detect_lockstep(everyone, V4, AT)
    assert set(v4.members) == {a.buyer_id for a in first}  # v4: the core only
    (v5,) = detect_lockstep(everyone, POLICY, AT)
    assert set(v5.members) == {a.buyer_id for a in first + second}
    assert set(v5.continued) == {a.buyer_id for a in second}
    # the room's two buyers who arrived among the second wave are no part of the batch
    assert v5.apart == ("b7", "b8")
    assert v5.window_end == max(min(o[2] for o in a.orders) for a in second)  # the last arrival
    assert "6 of them arrived after its core, continuing it" in v5.reason()
    assert v5.id == v4.id and v5.p_value == v4.p_value  # the core is the evidence


def test_a_continuation_registered_apart_from_the_core_is_not_the_jobs():
    # The same arrivals after the core, by accounts registered 100 days after the core's: other
    # buyers, however tight their own run.
    first, second = two_waves(second_registered=-20)
    (group,) = detect_lockstep(background() + busy_room() + first + second, POLICY, AT)
    assert set(group.members) == {a.buyer_id for a in first} and group.continued == ()


def test_members_registered_apart_from_the_batch_are_left_out():
    job = [account(f"x{i}", 60 + i * 0.25, weight=1.0, registered=-120 + i) for i in range(10)]
    honest = [account(f"n{i}", 60.6 + i, weight=1.0, registered=20 + 15 * i) for i in range(2)]
    unknown = [account("u0", 60.4, weight=1.0)]  # no registration known: stays
    everyone = background() + job + honest + unknown
    (v4,) = detect_lockstep(everyone, V4, AT)
    assert {"n0", "n1", "u0"} <= set(v4.members)
    (group,) = detect_lockstep(everyone, POLICY, AT)
    assert set(group.members) == {a.buyer_id for a in job} | {"u0"}
    assert group.apart == ("n0", "n1")
    assert "2 arrivals registered apart from the group left out" in group.reason()


@pytest.mark.parametrize("spread", ["wide", "many apart"])
def test_nobody_is_left_out_of_a_group_without_one_batch(spread):
    # Registrations spread over 150 days: three deviations cover them all. Four of twelve
    # registered 100 days from the others: more than the quarter the policy allows, so these
    # are no strays beside a batch, and a fraudster gains nothing by registering apart.
    if spread == "wide":
        registered = [-200 + 12.5 * i for i in range(12)]
    else:
        registered = [-120.0 + i for i in range(8)] + [-20.0 + i for i in range(4)]
    job = [
        account(f"x{i}", 60 + i * 0.25, weight=1.0, registered=r) for i, r in enumerate(registered)
    ]
    (group,) = detect_lockstep(background() + job, POLICY, AT)
    assert set(group.members) == {a.buyer_id for a in job} and group.apart == ()


def test_v5_policy_ranges_are_checked():
    with pytest.raises(ValueError, match="lockstep.continuation_p_value"):
        dataclasses.replace(POLICY, continuation_p_value=0.0)
    with pytest.raises(ValueError, match="lockstep.registration_days"):
        dataclasses.replace(POLICY, registration_days=-1.0)
    with pytest.raises(ValueError, match="lockstep.registration_outlier_share"):
        dataclasses.replace(POLICY, registration_outlier_share=0.5)
