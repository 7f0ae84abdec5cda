"""Throwaway-account weights under policy v1: each signal, their sum, the floor, the month of
history that wipes them, as-of, and determinism. (v2's lifetime weights: test_lifetime_weight.)"""

from __future__ import annotations

import dataclasses
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.buyer_weight import SIGNALS as ALL_SIGNALS
from scoring.buyer_weight import buyer_weight, load_buyer_weight_policy
from scoring.facts import MS_PER_DAY, Complaint, OrderFact
from scoring.policy import default_policy_text, parse_policy
from tests.unit.entity_constants import POLICY_FILE

V1 = parse_policy(POLICY_FILE.read_text(encoding="utf-8"))
POLICY = V1.buyers
SIGNALS = tuple(s for s in ALL_SIGNALS if s != "OUT_OF_ROOM")  # v1 has no OUT_OF_ROOM
T0 = 1_700_000_000_000


def order(i: int, day: float, *, shop: str = "s1", amount: float = 100.0, **rest) -> OrderFact:
    return OrderFact(
        order_id=f"o{i}",
        buyer_id="b1",
        host_id="h1",
        shop_id=shop,
        placed_at=T0 + int(day * MS_PER_DAY),
        amount=amount,
        **rest,
    )


def weigh(
    orders,
    *,
    registered: float | None = -100,
    interactions=(T0 - MS_PER_DAY,),
    as_of_day: float = 400,
):
    reg = None if registered is None else T0 + int(registered * MS_PER_DAY)
    return buyer_weight("b1", reg, orders, interactions, POLICY, T0 + int(as_of_day * MS_PER_DAY))


def test_a_buyer_without_orders_weighs_fully():
    assert weigh([]).weight == 1.0


def test_an_established_buyer_weighs_fully():
    w = weigh(
        [
            order(1, 0),
            order(2, 40, shop="s2"),
            order(3, 90, refunded_at=T0 + 95 * MS_PER_DAY, refund_reason="DEFECT"),
        ]
    )
    assert (w.weight, w.signals) == (1.0, ())


def test_a_brushing_account_shows_every_signal_and_ends_at_the_floor():
    orders = [
        order(
            i,
            i * 0.5,
            amount=9.9,
            delivered_at=T0 + (i + 1) * MS_PER_DAY,
            rating=5,
            reviewed_at=T0 + (i + 2) * MS_PER_DAY,
        )
        for i in range(3)
    ]
    w = weigh(orders, registered=-1, interactions=())
    assert w.signals == SIGNALS
    assert w.weight == POLICY.min_weight
    assert w.weight < V1.entity.metrics.min_buyer_weight


@pytest.mark.parametrize(
    "signal, kwargs, orders",
    [
        ("NO_INTERACTION", {"interactions": ()}, [order(1, 0)]),
        ("NEW_ACCOUNT", {"registered": -1}, [order(1, 0)]),
        ("ONE_TARGET", {}, [order(1, 0), order(2, 10)]),
        ("CHEAP", {}, [order(1, 0, amount=10.0)]),
    ],
)
def test_each_signal_alone_costs_its_penalty(signal, kwargs, orders):
    w = weigh(orders, **kwargs)
    assert w.signals == (signal,) or (
        signal == "ONE_TARGET" and w.signals == ("ONE_TARGET", "NEVER_DISPUTED")
    )
    penalty = sum(getattr(POLICY, f"{s.lower()}_penalty") for s in w.signals)
    assert w.weight == pytest.approx(1.0 - penalty)
    assert all(code in SIGNALS for code, _ in w.reasons)


def test_no_single_signal_excludes_a_buyer_from_metrics():
    cut = V1.entity.metrics.min_buyer_weight
    for s in SIGNALS:
        assert 1.0 - getattr(POLICY, f"{s.lower()}_penalty") > cut


def test_an_account_with_a_month_of_history_weighs_fully_whatever_else():
    orders = [order(1, 0, amount=5.0), order(2, 30, amount=5.0)]
    assert weigh(orders, registered=-1, interactions=()).weight == 1.0
    assert (
        weigh(orders[:1] + [order(2, 29, amount=5.0)], registered=-1, interactions=()).weight < 0.2
    )


def test_bunched_and_never_disputed_need_two_orders():
    assert weigh([order(1, 0, shop="s1")]).signals == ()
    two = weigh([order(1, 0, shop="s1"), order(2, 2, shop="s2")])
    assert two.signals == ("BUNCHED", "NEVER_DISPUTED")
    spread = weigh([order(1, 0, shop="s1"), order(2, 20, shop="s2")])
    assert spread.signals == ("NEVER_DISPUTED",)


def test_a_complaint_or_a_bad_review_is_a_dispute():
    complained = order(2, 20, shop="s2", complaints=(Complaint(T0 + 21 * MS_PER_DAY, "OTHER"),))
    assert "NEVER_DISPUTED" not in weigh([order(1, 0), complained]).signals
    bad = order(2, 20, shop="s2", rating=1, reviewed_at=T0 + 22 * MS_PER_DAY)
    assert "NEVER_DISPUTED" not in weigh([order(1, 0), bad]).signals


def test_late_registration_counts_as_a_new_account_and_unknown_registration_does_not():
    assert "NEW_ACCOUNT" in weigh([order(1, 0)], registered=0.1).signals
    assert "NEW_ACCOUNT" not in weigh([order(1, 0)], registered=None).signals


def test_facts_after_as_of_are_ignored():
    orders = [order(1, 0), order(2, 1), order(3, 50, shop="s2")]
    assert weigh(orders, as_of_day=10).signals == ("ONE_TARGET", "BUNCHED", "NEVER_DISPUTED")
    assert weigh(orders, as_of_day=60).signals == ()  # the orders now span 50 days: established
    assert weigh([order(1, 0)], interactions=(T0 + 5 * MS_PER_DAY,), as_of_day=1).signals == (
        "NO_INTERACTION",
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 200), st.sampled_from(["s1", "s2"]), st.floats(1, 500)), max_size=8
    ),
    st.booleans(),
    st.floats(-5, 5),
)
def test_weight_is_bounded_order_independent_and_deterministic(specs, interacted, registered):
    orders = [order(i, d, shop=s, amount=a) for i, (d, s, a) in enumerate(specs)]
    inter = (T0,) if interacted else ()
    w = weigh(orders, interactions=inter, registered=registered)
    assert POLICY.min_weight <= w.weight <= 1.0
    assert weigh(list(reversed(orders)), interactions=inter, registered=registered) == w


def test_policy_rejects_bad_values_by_key():
    doc = tomllib.loads(default_policy_text())
    doc["buyers"]["min_weight"] = 0
    with pytest.raises(ValueError, match="buyers.min_weight"):
        load_buyer_weight_policy(doc)
    doc = tomllib.loads(default_policy_text())
    doc["buyers"]["typo"] = 1
    with pytest.raises(ValueError, match="buyers.typo is not a known key"):
        load_buyer_weight_policy(doc)
    doc = tomllib.loads(default_policy_text())
    del doc["buyers"]["bunched_days"]
    with pytest.raises(ValueError, match="buyers.bunched_days is missing"):
        load_buyer_weight_policy(doc)
    with pytest.raises(ValueError, match="one_target_min_orders"):
        dataclasses.replace(POLICY, one_target_min_orders=0)
