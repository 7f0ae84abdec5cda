"""What must always hold for pair trust, whatever the facts (hypothesis).

The properties and why they are stated the way they are:

* One more satisfied order never lowers the score, and one more complaint for cause (or one more
  confirmed false-ad report) never raises it. The anti-gaming rules are built to keep this true:
  same-item repeats collapse within *fixed* periods and a month keeps its *best* few credits, so
  an added order can raise a credit or leave it, never displace another (a sliding window would).
* Time passing with no new facts. Decay shrinks every dated piece of evidence, for and against.
  That does NOT mean the score never rises: a pair with evidence against drifts back toward the
  base rate as that evidence fades - up - which is the point of forgetting (a shop that let a
  buyer down two years ago is not distrusted forever). And a kept follow earns follow-age credit
  that grows until ``follow_full_days`` (staying is evidence renewed every day). So, precisely:
  evidence against never rises; evidence for never rises except by the follow-age credit, which
  grows by at most ``follow_weight``; and for pairs with no evidence against and no follow, the
  score never rises.
* Levels are monotone in score at fixed confidence and counts (and in each of the others).
* Score, confidence, belief, disbelief, uncertainty lie in [0, 1], b + d + u = 1.
* The same input gives the same decision, whatever order the store lists the facts in, and a
  score as of a past date depends only on the facts up to that date.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.facts import FOR_CAUSE_REASONS, MS_PER_DAY, Complaint, OrderFact, PairFacts, TimedValue
from scoring.pair_trust import LEVELS, REGULAR, score_pair, trust_level
from scoring.trust_policy import TrustPolicy, load_trust_policy, with_changes

POLICIES = Path(__file__).resolve().parents[2] / "scoring" / "policies"


def _load_document() -> dict[str, Any]:
    """The shipped policy file, parsed."""
    return tomllib.loads((POLICIES / "v1.toml").read_text(encoding="utf-8"))


POLICY = load_trust_policy(_load_document())
DAY = MS_PER_DAY
START = 1_577_836_800_000  # 2020-01-01 UTC
END = START + 730 * DAY
TOL = 1e-12  # float rounding of b + a*u: ulps, not model effects

REFUND_REASONS = ("BUYER_REMORSE", "OTHER", "DEFECT", "NOT_AS_DESCRIBED", "NOT_DELIVERED")
COMPLAINT_REASONS = REFUND_REASONS + (
    "FAKE_GOODS",
    "LATE_SHIPPING",
    "FAKE_SHIPPING",
    "RUDE_SERVICE",
)
CAUSES = tuple(sorted(FOR_CAUSE_REASONS))

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Strategies are built once here: building them inside a draw re-validates them every example,
# which costs more than the scoring under test.
times = st.integers(START, END)
later = st.integers(0, 40 * DAY)
maybe_later = st.none() | later
amounts = st.floats(0, 3000, allow_nan=False)
items = st.sampled_from(["tea", "cup", None])
refunds = st.none() | st.tuples(later, st.sampled_from(REFUND_REASONS))
reviews = st.none() | st.tuples(st.integers(1, 5), later)
good_reviews = st.none() | st.tuples(
    st.integers(POLICY.negative.bad_review_max_stars + 1, 5), later
)
complaint_lists = st.lists(st.tuples(later, st.sampled_from(COMPLAINT_REASONS)), max_size=2)
watch_lists = st.lists(st.tuples(times, st.floats(0, 300, allow_nan=False)), max_size=8)
time_lists = st.lists(times, max_size=6)
follow_lists = st.lists(st.tuples(times, st.sampled_from([0.0, 1.0])), max_size=4)
tier_lists = st.lists(st.tuples(times, st.integers(0, 20)), max_size=3)
kinds = st.sampled_from(["HOST", "SHOP"])
order_counts = st.integers(0, 8)
# Orders bunched into 3 weeks, 10 weeks or spread over 2 years: bunches exercise the same-item
# periods and the monthly cap, spreads the decay.
spreads = st.sampled_from([21 * DAY, 70 * DAY, 730 * DAY])
offsets = st.integers(0, 730 * DAY)
as_ofs = st.integers(START, END + 60 * DAY)
unit = st.floats(0, 1)
booleans = st.booleans()


def _order(draw: st.DrawFn, order_id: str, first: int, spread: int) -> OrderFact:
    placed = first + draw(offsets) % spread
    if draw(booleans):  # a plain good order, so that satisfied orders are common
        review = draw(good_reviews)
        delivered: int | None = placed + draw(later)
        complaints: tuple[Complaint, ...]
        refund, complaints = None, ()
    else:  # any outcome timeline, often with parts after as_of
        review, refund = draw(reviews), draw(refunds)
        offset = draw(maybe_later)
        delivered = None if offset is None else placed + offset
        complaints = tuple(Complaint(placed + d, reason) for d, reason in draw(complaint_lists))
    return OrderFact(
        order_id=order_id,
        buyer_id="b",
        host_id="h",
        shop_id="s",
        placed_at=placed,
        amount=draw(amounts),
        item_id=draw(items),
        delivered_at=delivered,
        refunded_at=None if refund is None else placed + refund[0],
        refund_reason=refund and refund[1],
        rating=review and review[0],
        reviewed_at=None if review is None else placed + review[1],
        complaints=complaints,
    )


@st.composite
def pair_facts(draw: st.DrawFn, follows: bool = True) -> PairFacts:
    first, spread = draw(times), draw(spreads)
    return PairFacts(
        buyer_id="b",
        target_id="t",
        target_kind=draw(kinds),
        orders=tuple(_order(draw, f"o{i}", first, spread) for i in range(draw(order_counts))),
        watches=tuple(TimedValue(t, v) for t, v in draw(watch_lists)),
        comments=tuple(draw(time_lists)),
        follow_changes=tuple(TimedValue(t, v) for t, v in draw(follow_lists)) if follows else (),
        tier_changes=tuple(TimedValue(t, float(v)) for t, v in draw(tier_lists)),
        confirmed_reports=tuple(draw(time_lists)[:2]),
    )


def _latest_time(facts: PairFacts) -> int:
    stamps = [START]
    for o in facts.orders:
        stamps += [
            o.placed_at,
            *(t for t in (o.delivered_at, o.refunded_at, o.reviewed_at) if t is not None),
        ]
        stamps += [c.at for c in o.complaints]
    stamps += [v.at for v in (*facts.watches, *facts.follow_changes, *facts.tier_changes)]
    stamps += [*facts.comments, *facts.confirmed_reports]
    return max(stamps)


@st.composite
def scored(draw: st.DrawFn, follows: bool = True) -> tuple[PairFacts, int, dict[str, float]]:
    facts = draw(pair_facts(follows))
    # Half the time just after the last order (everything visible), half anywhere. (bool(): with
    # the tuple itself on the left of `and`, mypy would expect the draw to return a tuple too.)
    if bool(facts.orders) and draw(booleans):
        as_of = max(o.placed_at for o in facts.orders) + draw(later)
    else:
        as_of = draw(as_ofs)
    kwargs: dict[str, float] = {"buyer_weight": draw(unit)}
    if facts.target_kind == "SHOP":
        kwargs["platform_base_rate"] = draw(unit)
    return facts, as_of, kwargs


ages = st.integers(0, 700 * DAY)
small = st.integers(0, 10 * DAY)
causes = st.sampled_from(CAUSES)
gaps = st.integers(0, 400 * DAY)


T = TypeVar("T")


class Draw(Protocol):
    """A draw function: a composite's ``st.DrawFn`` or ``st.DataObject.draw``. (``st.DrawFn``
    itself also declares ``__signature__``, which a bound method does not have.)"""

    def __call__(self, strategy: st.SearchStrategy[T], label: object = None) -> T: ...


def _satisfied_order(draw: Draw, as_of: int, others: tuple[OrderFact, ...]) -> OrderFact:
    # Half the time next to an existing order of the same item (same period, same month), to
    # meet the same-item rule and the monthly cap; offsets count back from as_of.
    if bool(others) and draw(booleans):
        twin = others[draw(order_counts) % len(others)]
        placed, item = min(as_of, twin.placed_at + draw(small)), twin.item_id
    else:
        placed, item = as_of - draw(ages), draw(items)
    delivered = min(as_of, placed + draw(later))
    review = draw(good_reviews)
    return OrderFact(
        order_id="new",
        buyer_id="b",
        host_id="h",
        shop_id="s",
        placed_at=placed,
        amount=draw(amounts),
        item_id=item,
        delivered_at=delivered,
        rating=review and review[0],
        reviewed_at=None if review is None else min(as_of, delivered + review[1]),
    )


@FAST
@given(st.data())
def test_one_more_satisfied_order_never_lowers_the_score(data: st.DataObject):
    facts, as_of, kwargs = data.draw(scored())
    new = _satisfied_order(data.draw, as_of, facts.orders)
    before = score_pair(facts, POLICY, as_of, **kwargs)
    after = score_pair(
        dataclasses.replace(facts, orders=facts.orders + (new,)), POLICY, as_of, **kwargs
    )
    assert after.score >= before.score - TOL
    assert after.evidence_for >= before.evidence_for - TOL
    assert after.evidence_against == before.evidence_against
    assert after.satisfied_orders >= before.satisfied_orders
    assert LEVELS.index(after.level) >= LEVELS.index(before.level)


MARCH = 1_614_528_000_000  # 2021-03-01 00:00 in UTC+8, the policy's calendar
month_items = st.sampled_from([None, None, "tea", "cup"])
month_orders = st.lists(
    st.tuples(st.integers(0, 27 * DAY), st.integers(0, 3 * DAY), month_items),
    min_size=3,
    max_size=7,
    unique_by=lambda spec: spec[0],
)
backs = st.integers(MS_PER_DAY // 24, 5 * DAY)
# Without the monthly cap, a same-item rule that lost credit would show directly.
UNCAPPED = with_changes(POLICY, "anti_gaming", max_orders_per_month=100)


@settings(max_examples=150, deadline=None)
@given(month_orders, order_counts, backs, st.sampled_from([POLICY, UNCAPPED]))
def test_a_month_over_the_cap_keeps_its_best_orders(
    existing: list[tuple[int, int, str | None]], index: int, back: int, policy: TrustPolicy
):
    """The monthly cap and the same-item rule in one crowded month: one more order, bought a
    little before an existing one of the same item (the case a careless rule gets wrong), never
    lowers the evidence or the score."""

    def make(i: int, spec: tuple[int, int, str | None]) -> OrderFact:
        placed, delay, item = spec
        return OrderFact(
            order_id=f"o{i}",
            buyer_id="b",
            host_id="h",
            shop_id="s",
            placed_at=MARCH + placed,
            amount=0.0,
            item_id=item,
            delivered_at=MARCH + placed + delay,
        )  # no spend to mask it

    twin = existing[index % len(existing)]
    extra = (max(0, twin[0] - back), twin[1], twin[2])
    facts = PairFacts(
        "b", "h", "HOST", orders=tuple(make(i, spec) for i, spec in enumerate(existing))
    )
    more = dataclasses.replace(facts, orders=facts.orders + (make(99, extra),))
    as_of = MARCH + 40 * DAY
    before, after = score_pair(facts, policy, as_of), score_pair(more, policy, as_of)
    assert after.evidence_for >= before.evidence_for - TOL
    assert after.score >= before.score - TOL


@FAST
@given(st.data())
def test_one_more_complaint_for_cause_never_raises_the_score(data: st.DataObject):
    facts, as_of, kwargs = data.draw(scored())
    complaint = Complaint(as_of - data.draw(ages), data.draw(causes))
    if facts.orders:
        i = data.draw(order_counts) % len(facts.orders)
        target = facts.orders[i]
        changed = dataclasses.replace(target, complaints=target.complaints + (complaint,))
        worse = dataclasses.replace(
            facts, orders=facts.orders[:i] + (changed,) + facts.orders[i + 1 :]
        )
    else:
        worse = dataclasses.replace(
            facts, confirmed_reports=facts.confirmed_reports + (complaint.at,)
        )
    before = score_pair(facts, POLICY, as_of, **kwargs)
    after = score_pair(worse, POLICY, as_of, **kwargs)
    assert after.score <= before.score + TOL
    assert after.evidence_for <= before.evidence_for + TOL
    assert after.evidence_against >= before.evidence_against - TOL


@FAST
@given(st.data())
def test_one_more_confirmed_report_never_raises_the_score(data: st.DataObject):
    facts, as_of, kwargs = data.draw(scored())
    reported = dataclasses.replace(
        facts, confirmed_reports=facts.confirmed_reports + (data.draw(times),)
    )
    before, after = (
        score_pair(facts, POLICY, as_of, **kwargs),
        score_pair(reported, POLICY, as_of, **kwargs),
    )
    assert after.score <= before.score + TOL


@FAST
@given(st.data())
def test_with_no_new_facts_evidence_only_fades(data: st.DataObject):
    facts, _, kwargs = data.draw(scored(follows=True))
    t1 = _latest_time(facts) + data.draw(gaps)
    t2 = t1 + 1 + data.draw(gaps)
    early, late = score_pair(facts, POLICY, t1, **kwargs), score_pair(facts, POLICY, t2, **kwargs)
    assert late.evidence_against <= early.evidence_against + TOL
    # Only the follow-age credit grows with time, and by at most its weight.
    growth = POLICY.positive.follow_weight * kwargs["buyer_weight"]
    assert late.evidence_for <= early.evidence_for + growth + TOL
    assert late.confidence <= early.confidence + TOL or facts.follow_changes


@FAST
@given(st.data())
def test_without_evidence_against_or_a_follow_the_score_never_rises(data: st.DataObject):
    facts, _, kwargs = data.draw(scored(follows=False))
    t1 = _latest_time(facts) + data.draw(gaps)
    t2 = t1 + 1 + data.draw(gaps)
    early, late = score_pair(facts, POLICY, t1, **kwargs), score_pair(facts, POLICY, t2, **kwargs)
    assert late.evidence_for <= early.evidence_for + TOL
    if early.evidence_against == 0.0:
        assert late.score <= early.score + TOL
        assert LEVELS.index(late.level) <= LEVELS.index(early.level)


counts = st.integers(0, 12)


@settings(max_examples=200, deadline=None)
@given(unit, unit, unit, counts, counts)
def test_levels_are_monotone_in_score_at_fixed_confidence_and_counts(
    s1: float, s2: float, confidence: float, orders_: int, months: int
):
    low, high = sorted((s1, s2))
    assert LEVELS.index(trust_level(low, confidence, orders_, months, POLICY)) <= LEVELS.index(
        trust_level(high, confidence, orders_, months, POLICY)
    )


@settings(max_examples=200, deadline=None)
@given(unit, unit, unit, counts, counts, counts)
def test_levels_are_monotone_in_confidence_and_counts(
    score: float, c1: float, c2: float, n: int, m: int, extra: int
):
    base = LEVELS.index(trust_level(score, min(c1, c2), n, m, POLICY))
    assert base <= LEVELS.index(trust_level(score, max(c1, c2), n, m, POLICY))
    assert base <= LEVELS.index(trust_level(score, min(c1, c2), n + extra, m, POLICY))
    assert base <= LEVELS.index(trust_level(score, min(c1, c2), n, m + extra, POLICY))


@FAST
@given(scored())
def test_everything_is_in_range(case: tuple[PairFacts, int, dict[str, float]]):
    facts, as_of, kwargs = case
    r = score_pair(facts, POLICY, as_of, **kwargs)
    for value in (r.score, r.confidence, r.belief, r.disbelief, r.uncertainty, r.personal_score):
        assert 0.0 <= value <= 1.0
    assert abs(r.belief + r.disbelief + r.uncertainty - 1.0) < 1e-9
    assert r.level in LEVELS and (r.next_level is None) == (r.level == REGULAR)
    assert not r.distrust or r.disbelief > r.belief
    assert r.evidence_for >= 0.0 and r.evidence_against >= 0.0
    assert r.reasons and r.reasons[-1][0] == f"LEVEL_{r.level}"
    assert (r.platform_trust is None) == (facts.target_kind == "HOST")


@FAST
@given(scored(), st.randoms(use_true_random=False))
def test_same_input_same_decision_in_any_fact_order(
    case: tuple[PairFacts, int, dict[str, float]], rnd: Any
):
    facts, as_of, kwargs = case

    def shuffled(items: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(items)
        rnd.shuffle(out)
        return tuple(out)

    mixed = dataclasses.replace(
        facts,
        orders=shuffled(facts.orders),
        watches=shuffled(facts.watches),
        comments=shuffled(facts.comments),
        follow_changes=shuffled(facts.follow_changes),
        tier_changes=shuffled(facts.tier_changes),
        confirmed_reports=shuffled(facts.confirmed_reports),
    )
    first = score_pair(facts, POLICY, as_of, **kwargs)
    assert score_pair(facts, POLICY, as_of, **kwargs) == first
    assert score_pair(mixed, POLICY, as_of, **kwargs) == first


def _truncate(facts: PairFacts, as_of: int) -> PairFacts:
    """The facts as the graph held them at ``as_of``: later facts and outcomes not yet there."""

    def then(o: OrderFact) -> OrderFact:
        refunded = o.refunded_at is not None and o.refunded_at <= as_of
        reviewed = o.reviewed_at is not None and o.reviewed_at <= as_of
        return dataclasses.replace(
            o,
            delivered_at=o.delivered_at
            if o.delivered_at is not None and o.delivered_at <= as_of
            else None,
            refunded_at=o.refunded_at if refunded else None,
            refund_reason=o.refund_reason if refunded else None,
            rating=o.rating if reviewed else None,
            reviewed_at=o.reviewed_at if reviewed else None,
            complaints=tuple(c for c in o.complaints if c.at <= as_of),
        )

    return dataclasses.replace(
        facts,
        orders=tuple(then(o) for o in facts.orders if o.placed_at <= as_of),
        watches=tuple(v for v in facts.watches if v.at <= as_of),
        comments=tuple(t for t in facts.comments if t <= as_of),
        follow_changes=tuple(v for v in facts.follow_changes if v.at <= as_of),
        tier_changes=tuple(v for v in facts.tier_changes if v.at <= as_of),
        confirmed_reports=tuple(t for t in facts.confirmed_reports if t <= as_of),
    )


@FAST
@given(scored())
def test_a_past_as_of_sees_only_the_facts_of_then(case: tuple[PairFacts, int, dict[str, float]]):
    facts, as_of, kwargs = case
    assert score_pair(facts, POLICY, as_of, **kwargs) == score_pair(
        _truncate(facts, as_of), POLICY, as_of, **kwargs
    )
