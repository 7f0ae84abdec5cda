"""Entity metrics: windows, as_of, repurchase in platform time, weights, rates, reviews, violations.

A plain reference implementation (one filter per metric, no shared loop) is compared with the
single-pass one on generated facts, as networkx tests its fast PageRank against the simple one.
"""

from __future__ import annotations

import copy
import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.entity_metrics import EntityMetrics, compute_metrics, is_regular
from scoring.entity_policy import EntityPolicy, load_entity_policy
from scoring.facts import (
    FOR_CAUSE_REASONS,
    Complaint,
    EntityFacts,
    Inspection,
    OrderFact,
    Penalty,
    TimedValue,
)
from tests.unit.entity_constants import AS_OF, DAY, RAW

HOUR = 3_600_000


def make_policy(**overrides: Any) -> EntityPolicy:
    """The draft policy with ``section__key=value`` overrides (``metrics__window_days=30``)."""
    data = copy.deepcopy(RAW)
    for dotted, value in overrides.items():
        *parents, key = dotted.split("__")
        node = data
        for p in parents:
            node = node[p]
        node[key] = value
    return load_entity_policy(data)


POLICY = make_policy()


def order(
    oid: str,
    *,
    buyer: str = "b1",
    at: int | None = None,
    days_ago: float = 10.0,  # old enough for delivery (+2 d), refund (+3 d) and review (+4 d)
    delivered: bool = True,
    refund: str | None = None,
    refunded_days_ago: float | None = None,
    returned: bool | None = None,
    rating: int | None = None,
    complaints: tuple[Complaint, ...] = (),
    inspections: tuple[Inspection, ...] = (),
) -> OrderFact:
    placed = at if at is not None else AS_OF - int(days_ago * DAY)
    refunded_at = None
    if refund is not None:
        refunded_at = (
            AS_OF - int(refunded_days_ago * DAY)
            if refunded_days_ago is not None
            else placed + 3 * DAY
        )
    return OrderFact(
        order_id=oid,
        buyer_id=buyer,
        host_id="h1",
        shop_id="s1",
        placed_at=placed,
        amount=100.0,
        delivered_at=placed + 2 * DAY if delivered else None,
        refunded_at=refunded_at,
        refund_reason=refund,
        returned=returned,
        rating=rating,
        reviewed_at=placed + 4 * DAY if rating is not None else None,
        complaints=complaints,
        inspections=inspections,
    )


def entity(
    *orders: OrderFact,
    kind: str = "SHOP",
    penalties: tuple[Penalty, ...] = (),
    reports: tuple[TimedValue, ...] = (),
    weights: dict[str, float] | None = None,
) -> EntityFacts:
    return EntityFacts(
        "s1", kind, "apparel", tuple(orders), reports, penalties, (), None, dict(weights or {})
    )


def metrics(
    facts: EntityFacts, as_of: int = AS_OF, policy: EntityPolicy = POLICY, **kw: Any
) -> EntityMetrics:
    return compute_metrics(facts, policy, as_of, **kw)


# --- empty record, windows, as_of -----------------------------------------------------------------


def test_an_empty_record_has_no_rates_and_the_prior_review_score() -> None:
    m = metrics(entity())
    assert (m.orders, m.buyers, m.raw_orders, m.reviews) == (0, 0, 0, 0)
    assert m.repurchase_rate is None and m.refund_rate is None and m.inspection_pass_rate is None
    assert m.review_score == POLICY.metrics.review_prior_mean
    assert m.violations == () and m.max_violation_severity == 0
    assert (m.window_days, m.after_sales_window_days, m.violation_window_days) == (90, 60, 365)


def test_window_is_half_open_and_orders_after_as_of_are_ignored() -> None:
    m = metrics(
        entity(
            order("old", at=AS_OF - 90 * DAY),  # exactly 90 days ago: outside (as_of - 90 d, as_of]
            order("edge", at=AS_OF - 90 * DAY + 1),
            order("now", at=AS_OF),
            order("future", at=AS_OF + 1),
        )
    )
    assert m.raw_orders == 2 and m.orders == 2


def test_outcomes_after_as_of_are_ignored() -> None:
    late = AS_OF + HOUR
    o = OrderFact(
        "o1",
        "b1",
        "h1",
        "s1",
        placed_at=AS_OF - 5 * DAY,
        amount=1.0,
        delivered_at=late,
        refunded_at=late,
        refund_reason="DEFECT",
        returned=True,
        rating=1,
        reviewed_at=late,
        complaints=(Complaint(late, "DEFECT"),),
        inspections=(Inspection(late, "AUTHENTICITY", False),),
    )
    m = metrics(entity(o))
    assert (m.orders, m.delivered_orders, m.refunds, m.for_cause_refunds, m.returns) == (
        1,
        0,
        0,
        0,
        0,
    )
    assert (m.complaint_orders, m.reviews, m.inspections) == (0, 0, 0)
    # The same facts, as of a day later, see every outcome.
    later = metrics(entity(o), as_of=AS_OF + DAY)
    assert (
        later.delivered_orders,
        later.for_cause_refunds,
        later.returns,
        later.complaint_orders,
    ) == (1, 1, 1, 1)
    assert (later.reviews, later.inspections, later.inspections_passed) == (1, 1, 0)


def test_after_sales_metrics_use_the_shorter_window() -> None:
    m = metrics(
        entity(
            order(
                "a", days_ago=70, refund="DEFECT", rating=1
            ),  # in the 90-day window, not the 60-day one
            order("b", days_ago=10, refund="DEFECT", refunded_days_ago=1, rating=5),
        )
    )
    assert m.orders == 2 and m.after_sales_orders == 1
    assert m.for_cause_refunds == 1 and m.for_cause_refund_rate == 1.0
    assert m.reviews == 1 and m.review_average == 5


def test_violations_use_their_own_window_sorted_with_max_severity() -> None:
    m = metrics(
        entity(
            penalties=(
                Penalty(AS_OF - 10 * DAY, 1, "LATE_SHIPPING"),
                Penalty(AS_OF - 200 * DAY, 3, "COUNTERFEIT"),
                Penalty(AS_OF - 366 * DAY, 3, "COUNTERFEIT"),  # forgotten after a year
                Penalty(AS_OF + DAY, 3, "COUNTERFEIT"),  # not yet
            )
        )
    )
    assert [p.code for p in m.violations] == ["COUNTERFEIT", "LATE_SHIPPING"]
    assert m.max_violation_severity == 3


def test_only_confirmed_false_ad_reports_in_the_window_count() -> None:
    m = metrics(
        entity(
            kind="HOST",
            reports=(
                TimedValue(AS_OF - DAY, 1.0),
                TimedValue(AS_OF - 2 * DAY, 0.0),
                TimedValue(AS_OF - 100 * DAY, 1.0),
                TimedValue(AS_OF + DAY, 1.0),
            ),
        )
    )
    assert m.confirmed_false_ads == 1


# --- repurchase -----------------------------------------------------------------------------------


def test_repurchase_counts_distinct_days_in_platform_time() -> None:
    bj_midnight = AS_OF - 10 * DAY  # 00:00 in Beijing is 16:00 UTC the day before
    m = metrics(
        entity(
            # b1: 23:00 and 23:50 Beijing, same evening -> one visit (different UTC hours, same day)
            order("1", buyer="b1", at=bj_midnight - HOUR),
            order("2", buyer="b1", at=bj_midnight - 10 * 60_000),
            # b2: 23:50 and 00:10 Beijing -> two days, although the same UTC day
            order("3", buyer="b2", at=bj_midnight - 10 * 60_000),
            order("4", buyer="b2", at=bj_midnight + 10 * 60_000),
            # b3: 07:00 and 09:00 Beijing the same day -> spans UTC midnight, still one visit
            order("5", buyer="b3", at=bj_midnight + 7 * HOUR),
            order("6", buyer="b3", at=bj_midnight + 9 * HOUR),
        )
    )
    assert m.buyers == 3 and m.repeat_buyers == 1
    assert m.repurchase_rate == pytest.approx(1 / 3)


def test_repurchase_only_sees_orders_inside_the_window() -> None:
    m = metrics(
        entity(
            order("1", buyer="b1", days_ago=100),
            order("2", buyer="b1", days_ago=5),
            order("3", buyer="b2", days_ago=30),
            order("4", buyer="b2", days_ago=5),
        )
    )
    assert m.buyers == 2 and m.repeat_buyers == 1 and m.repurchase_rate == 0.5


def test_regular_share_needs_levels_and_accepts_strings_or_enums() -> None:
    class Level(enum.Enum):
        STRANGER = "STRANGER"
        REGULAR = "REGULAR"

    f = entity(
        order("1", buyer="b1"),
        order("2", buyer="b2"),
        order("3", buyer="b3"),
        order("4", buyer="b4"),
    )
    assert metrics(f).regular_share is None and metrics(f).regular_buyers is None
    m = metrics(
        f, levels={"b1": "REGULAR", "b2": Level.REGULAR, "b3": "ACQUAINTANCE", "b9": "REGULAR"}
    )
    assert m.regular_buyers == 2 and m.regular_share == 0.5
    assert is_regular("REGULAR") and is_regular(Level.REGULAR) and not is_regular(Level.STRANGER)


# --- after-sales rates ----------------------------------------------------------------------------


def test_refund_for_cause_return_and_complaint_rates() -> None:
    m = metrics(
        entity(
            order("1", buyer="b1", refund="BUYER_REMORSE", returned=True),  # a right, not a defect
            order("2", buyer="b2", refund="DEFECT", returned=False),  # refund without return
            order(
                "3",
                buyer="b3",
                refund="NOT_AS_DESCRIBED",
                returned=True,
                complaints=(
                    Complaint(AS_OF - HOUR, "NOT_AS_DESCRIBED"),
                    Complaint(AS_OF - HOUR, "RUDE_SERVICE"),
                ),
            ),
            order(
                "4", buyer="b4", complaints=(Complaint(AS_OF - HOUR, "BUYER_REMORSE"),)
            ),  # not for cause
            order("5", buyer="b5"),
        )
    )
    assert m.after_sales_orders == 5
    assert (m.refunds, m.refund_rate) == (3, 0.6)
    assert (m.for_cause_refunds, m.for_cause_refund_rate, m.for_cause_refund_buyers) == (2, 0.4, 2)
    assert (m.returns, m.return_rate) == (2, 0.4)
    # Each order counts once, whatever its number of complaints.
    assert (m.complaint_orders, m.complaint_rate, m.complaint_buyers) == (1, 0.2, 1)


def test_for_cause_refund_buyers_are_distinct() -> None:
    m = metrics(
        entity(
            *(order(str(i), buyer="b1", refund="DEFECT") for i in range(3)), order("x", buyer="b2")
        )
    )
    assert m.for_cause_refunds == 3 and m.for_cause_refund_buyers == 1


# --- anti-gaming weights --------------------------------------------------------------------------


def test_low_weight_buyers_are_excluded_and_others_count_fractionally() -> None:
    f = entity(
        order("1", buyer="ring1", rating=5),
        order("2", buyer="ring1", days_ago=3, rating=5),
        order("3", buyer="half", refund="DEFECT", rating=1),
        order("4", buyer="plain"),
        order("5", buyer="over"),
        weights={
            "ring1": 0.1,
            "half": 0.5,
            "over": 7.0,
        },  # 0.1 < min_buyer_weight 0.2; 7.0 clipped to 1
    )
    m = metrics(f)
    assert m.raw_orders == 5 and m.excluded_orders == 2
    assert m.orders == 2.5 and m.buyers == 2.5 and m.delivered_orders == 2.5
    assert m.repeat_buyers == 0  # the ring's repeat order does not count
    assert m.for_cause_refunds == 0.5 and m.for_cause_refund_rate == pytest.approx(0.2)
    assert m.for_cause_refund_buyers == 0.5
    assert m.reviews == 0.5 and m.review_average == 1.0


def test_reviews_are_a_bayesian_average() -> None:
    m = metrics(entity(*(order(str(i), rating=5) for i in range(3))))
    c, prior = POLICY.metrics.review_prior_weight, POLICY.metrics.review_prior_mean
    assert m.review_average == 5.0
    assert m.review_score == pytest.approx((c * prior + 15) / (c + 3))
    many = metrics(entity(*(order(str(i), buyer=f"b{i}", rating=5) for i in range(200))))
    assert 4.9 < many.review_score < 5.0


def test_inspections_count_each_inspection_by_as_of() -> None:
    ok, bad = (
        Inspection(AS_OF - DAY, "AUTHENTICITY", True),
        Inspection(AS_OF - DAY, "AUTHENTICITY", False),
    )
    m = metrics(
        entity(order("1", inspections=(ok,)), order("2", inspections=(bad, ok)), order("3"))
    )
    assert (m.inspections, m.inspections_passed, m.inspections_failed) == (3, 2, 1)
    assert m.inspection_pass_rate == pytest.approx(2 / 3)


# --- the single pass against a plain reference ----------------------------------------------------


def reference(f: EntityFacts, p: EntityPolicy, as_of: int) -> dict[str, Any]:
    """Each metric on its own, as the docstring defines it (slow and obvious)."""
    mp = p.metrics

    def weight(b: str) -> float:
        w = min(1.0, f.buyer_weights.get(b, 1.0))
        return 0.0 if w < mp.min_buyer_weight else w

    def in_window(t: int, days: int) -> bool:
        return as_of - days * DAY < t <= as_of

    win = [o for o in f.orders if in_window(o.placed_at, mp.window_days) and weight(o.buyer_id) > 0]
    aft = [o for o in win if in_window(o.placed_at, mp.after_sales_window_days)]
    buyers = {o.buyer_id for o in win}
    days = {
        b: {(o.placed_at + mp.day_offset_hours * HOUR) // DAY for o in win if o.buyer_id == b}
        for b in buyers
    }

    def wsum(orders: list[OrderFact], pred: Any = lambda o: True) -> float:
        return sum(weight(o.buyer_id) for o in orders if pred(o))

    def refunded(o: OrderFact) -> bool:
        return o.refunded_at is not None and o.refunded_at <= as_of

    reviewed = [
        o for o in aft if o.rating is not None and (o.reviewed_at is None or o.reviewed_at <= as_of)
    ]
    rw = wsum(reviewed)
    rs = sum(weight(o.buyer_id) * (o.rating or 0) for o in reviewed)
    return {
        "orders": wsum(win),
        "delivered_orders": wsum(
            win, lambda o: o.delivered_at is not None and o.delivered_at <= as_of
        ),
        "buyers": sum(weight(b) for b in buyers),
        "repeat_buyers": sum(weight(b) for b in buyers if len(days[b]) >= 2),
        "after_sales_orders": wsum(aft),
        "refunds": wsum(aft, refunded),
        "for_cause_refunds": wsum(
            aft, lambda o: refunded(o) and o.refund_reason in FOR_CAUSE_REASONS
        ),
        "returns": wsum(aft, lambda o: refunded(o) and o.returned is True),
        "complaint_orders": wsum(
            aft,
            lambda o: any(c.at <= as_of and c.reason in FOR_CAUSE_REASONS for c in o.complaints),
        ),
        "reviews": rw,
        "review_score": (mp.review_prior_weight * mp.review_prior_mean + rs)
        / (mp.review_prior_weight + rw),
        "inspections": sum(weight(o.buyer_id) for o in win for i in o.inspections if i.at <= as_of),
        "inspections_passed": sum(
            weight(o.buyer_id) for o in win for i in o.inspections if i.at <= as_of and i.passed
        ),
        "violations": sorted(
            (x.at, x.severity, x.code)
            for x in f.penalties
            if in_window(x.at, mp.violation_window_days)
        ),
    }


_REASONS = ("BUYER_REMORSE", "DEFECT", "NOT_AS_DESCRIBED", "OTHER", "FAKE_GOODS")
# One integer per order, decoded in mixed radix (one draw per order keeps hypothesis fast):
# placed minute over 123 days, buyer, delivery delay (hours; 0: not delivered), refund (reason
# index - 5, negative: none), refund delay (hours), returned, rating (0: none), review delay
# (hours), complaints (0-2, each with a reason and delay), inspections (0-2, each passed or not).
_RADICES = (123 * 1440, 7, 217, 10, 481, 2, 6, 241, 3, 5, 721, 5, 721, 3, 2, 2)


def _order(i: int, code: int) -> OrderFact:
    v = []
    for r in _RADICES:
        code, x = divmod(code, r)
        v.append(x)
    minute, buyer, deliv, ref, ref_h, ret, rating, rev_h, n_c, c1, c1_h, c2, c2_h, n_i, i1, i2 = v
    placed = AS_OF - 120 * DAY + minute * 60_000
    ref -= 5
    comps = ((c1, c1_h), (c2, c2_h))[:n_c]
    insps = (i1, i2)[:n_i]
    return OrderFact(
        f"o{i}",
        f"b{buyer}",
        "h1",
        "s1",
        placed,
        10.0,
        delivered_at=placed + deliv * HOUR if deliv else None,
        refunded_at=placed + ref_h * HOUR if ref >= 0 else None,
        refund_reason=_REASONS[ref] if ref >= 0 else None,
        returned=bool(ret) if ref >= 0 else None,
        rating=rating or None,
        reviewed_at=placed + rev_h * HOUR if rating else None,
        complaints=tuple(Complaint(placed + h * HOUR, _REASONS[r]) for r, h in comps),
        inspections=tuple(
            Inspection(placed + (k + 1) * DAY, "AUTHENTICITY", bool(ok))
            for k, ok in enumerate(insps)
        ),
    )


def _entity(codes: list[int], penalties: list[int], weights: int) -> EntityFacts:
    w: dict[str, float] = {}
    for b in range(7):
        weights, x = divmod(weights, 6)
        if x:
            w[f"b{b}"] = (0.0, 0.1, 0.2, 0.5, 1.5)[x - 1]
    return EntityFacts(
        "s1",
        "SHOP",
        "jewellery",
        tuple(_order(i, c) for i, c in enumerate(codes)),
        (),
        tuple(
            Penalty(AS_OF + DAY - c // 6 % (400 * DAY), 1 + c % 3, "AB"[c // 3 % 2])
            for c in penalties
        ),
        (),
        None,
        w,
    )


_INT = st.integers(0, 2**80)
_facts = st.builds(_entity, st.lists(_INT, max_size=25), st.lists(_INT, max_size=4), _INT)


@settings(max_examples=300, deadline=None)
@given(_facts, st.integers(-2 * DAY, 2 * DAY))
def test_single_pass_matches_the_reference(f: EntityFacts, shift: int) -> None:
    as_of = AS_OF + shift
    m = compute_metrics(f, POLICY, as_of)
    ref = reference(f, POLICY, as_of)
    for key, value in ref.items():
        if key == "violations":
            assert [(p.at, p.severity, p.code) for p in m.violations] == value
        else:
            assert getattr(m, key) == pytest.approx(value), key
    for rate in (
        m.repurchase_rate,
        m.refund_rate,
        m.for_cause_refund_rate,
        m.return_rate,
        m.complaint_rate,
        m.inspection_pass_rate,
    ):
        assert rate is None or 0.0 <= rate <= 1.0
