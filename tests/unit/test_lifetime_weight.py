"""Policy v2's buyer weight: over the whole life, earned by a history, OUT_OF_ROOM, and the
credibility of claims (scoring/buyer_weight.py); with the properties the threat model relies on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.buyer_weight import buyer_weight
from scoring.facts import MS_PER_DAY, OrderFact
from scoring.policy import default_policy

POLICY = default_policy()
BUYERS = POLICY.buyers
T0 = 1_700_000_000_000
MINUTE = 60_000


def order(i: int, day: float, *, shop: str = "s1", host: str = "h1", amount: float = 100.0):
    return OrderFact(
        order_id=f"o{i}",
        buyer_id="b1",
        host_id=host,
        shop_id=shop,
        placed_at=T0 + int(day * MS_PER_DAY),
        amount=amount,
    )


def watched_during(o: OrderFact, minutes: int = 30) -> tuple[str, int, float]:
    """A watch session of the order's room that covers it: left 10 minutes after the order."""
    return (o.host_id, o.placed_at + 10 * MINUTE, float(minutes))


def weigh(orders, *, registered: float = -100, interaction_days=(), sessions=(), as_of=400):
    times = [T0 + int(d * MS_PER_DAY) for d in interaction_days] + [s[1] for s in sessions]
    return buyer_weight(
        "b1",
        T0 + int(registered * MS_PER_DAY),
        orders,
        times,
        BUYERS,
        T0 + int(as_of * MS_PER_DAY),
        watch_sessions=sessions,
    )


def test_the_default_policy_has_no_month_that_wipes_signals():
    assert POLICY.version == "v5"
    assert BUYERS.established_span_days is None
    assert POLICY.lockstep is not None


def test_patience_alone_no_longer_restores_the_weight():
    # The red team's patient throwaway: two cheap orders 31+ days apart, never in a live room.
    w = weigh([order(1, 0, amount=9.9), order(2, 35, amount=9.9)], registered=-0.5)
    assert "NO_INTERACTION" in w.signals and "OUT_OF_ROOM" in w.signals
    assert w.weight < POLICY.entity.metrics.min_buyer_weight


def test_an_honest_buyer_who_orders_while_watching_weighs_fully():
    orders = [order(1, 0), order(2, 20), order(3, 50)]
    w = weigh(orders, registered=-0.1, sessions=[watched_during(o) for o in orders])
    assert (w.weight, w.signals) == (1.0, ())  # NEW_ACCOUNT, ONE_TARGET cleared by the history


def test_a_history_clears_the_new_account_signals_but_not_out_of_room():
    # Aged sleeper: months of watching, then orders placed from outside the room.
    orders = [order(1, 60), order(2, 80), order(3, 100)]
    w = weigh(orders, registered=-1, interaction_days=[2, 9, 20, 33, 47])
    assert w.signals == ("OUT_OF_ROOM",)
    assert BUYERS.out_of_room_penalty is not None
    assert w.weight == round(1 - BUYERS.out_of_room_penalty, 12)


def test_an_order_counts_as_in_the_room_only_inside_that_rooms_session():
    o = order(1, 10, host="h1")
    elsewhere = ("h2", o.placed_at + MINUTE, 30.0)  # another room at the same time
    before = ("h1", o.placed_at - MINUTE, 30.0)  # left before the order
    for sessions in ([elsewhere], [before]):
        assert "OUT_OF_ROOM" in weigh([o], sessions=sessions, interaction_days=[1, 2, 3]).signals
    assert "OUT_OF_ROOM" not in weigh([o], sessions=[watched_during(o)]).signals


def test_claims_of_an_account_without_a_history_count_little():
    o = order(1, 40)
    bomber = weigh([o], registered=0)  # one order, no life on the platform
    assert bomber.credibility is not None
    assert bomber.claim_weight < POLICY.entity.metrics.min_buyer_weight
    honest = weigh([o], sessions=[watched_during(o)], interaction_days=[5, 12])
    assert honest.credibility is None and honest.claim_weight == honest.weight == 1.0


days = st.floats(min_value=0, max_value=170, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(days, min_size=1, max_size=8),
    st.lists(st.tuples(days, st.sampled_from(["s2", "s3", "s4"])), min_size=1, max_size=6),
    st.lists(st.integers(min_value=0, max_value=170), min_size=3, max_size=6, unique=True),
    st.booleans(),
)
def test_orders_at_unrelated_shops_never_lower_an_honest_buyers_weight(
    home, elsewhere, watch_days, in_room
):
    """Adding orders at other shops (placed the way the buyer places its others) never costs an
    honest buyer (one with a history on the platform) weight: independent evidence can only
    help."""
    base = [order(i, d) for i, d in enumerate(home)]
    more = base + [order(100 + i, d, shop=s, host=f"h{s}") for i, (d, s) in enumerate(elsewhere)]

    def sessions(orders):
        return [watched_during(o) for o in orders] if in_room else []

    interaction = list(watch_days)
    before = weigh(base, interaction_days=interaction, sessions=sessions(base))
    after = weigh(more, interaction_days=interaction, sessions=sessions(more))
    assert after.weight >= before.weight
