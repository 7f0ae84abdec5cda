"""Badge rules (minimum counts, windows, grace, hard rules, hints), the boost, and the policy
loader.

The policy is the draft file with the thresholds these tests assert pinned explicitly, so that
retuning a default moves the docs, not the meaning of a test.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest

from scoring.badges import (
    BadgeDecision,
    BadgeResult,
    BadgeState,
    HeldBadge,
    decide_badges,
    decide_boost,
)
from scoring.entity_metrics import EntityMetrics, compute_metrics
from scoring.entity_policy import EntityPolicy, PolicyError, load_entity_policy
from scoring.facts import (
    Complaint,
    EntityFacts,
    Inspection,
    OrderFact,
    Penalty,
    TimedValue,
)
from tests.unit.entity_constants import AS_OF, DAY, RAW

PINNED: dict[str, Any] = {
    "metrics__window_days": 90,
    "metrics__after_sales_window_days": 60,
    "metrics__violation_window_days": 365,
    "metrics__min_buyer_weight": 0.2,
    "metrics__review_prior_mean": 4.0,
    "metrics__review_prior_weight": 10,
    "badges__TRUST_PURCHASE__grace_days": 14,
    "badges__TRUST_PURCHASE__min_trust_rights": 1,
    "badges__TRUST_PURCHASE__min_delivered_orders": 30,
    "badges__TRUST_PURCHASE__max_for_cause_refund_rate": 0.06,
    "badges__TRUST_PURCHASE__for_cause_refund_buyer_allowance": 3,
    "badges__TRUST_PURCHASE__max_complaint_rate": 0.03,
    "badges__TRUST_PURCHASE__complaint_buyer_allowance": 2,
    "badges__TRUST_PURCHASE__max_violation_severity": 2,
    "badges__QUALITY_MERCHANT__grace_days": 30,
    "badges__QUALITY_MERCHANT__min_orders": 100,
    "badges__QUALITY_MERCHANT__min_buyers": 50,
    "badges__QUALITY_MERCHANT__min_repurchase_rate": 0.45,
    "badges__QUALITY_MERCHANT__max_for_cause_refund_rate": 0.04,
    "badges__QUALITY_MERCHANT__min_review_score": 4.4,
    "badges__QUALITY_MERCHANT__max_confirmed_false_ads": 1,
    "badges__QUALITY_MERCHANT__max_violation_severity": 2,
    "badges__OFFICIAL_AUTHENTICITY__grace_days": 7,
    "badges__OFFICIAL_AUTHENTICITY__min_inspections": 20,
    "badges__OFFICIAL_AUTHENTICITY__min_inspection_pass_rate": 0.95,
    "badges__OFFICIAL_AUTHENTICITY__inspection_failure_allowance": 1,
    "boost__min_multiplier": 0.5,
    "boost__max_multiplier": 1.5,
    "boost__escalation_factor": 2.0,
    "boost__false_ad_cost": 0.03,
    "boost__false_ad_cost_cap": 0.30,
    "boost__below_standard_for_cause_refund_rate": 0.10,
    "boost__below_standard_buyer_allowance": 4,
    "boost__below_standard_cost": 0.20,
    "boost__badge_bonus__TRUST_PURCHASE": 0.10,
    "boost__badge_bonus__QUALITY_MERCHANT": 0.15,
    "boost__badge_bonus__OFFICIAL_AUTHENTICITY": 0.10,
    "boost__severity_cost__1": 0.05,
    "boost__severity_cost__2": 0.15,
    "boost__severity_cost__3": 0.30,
    "boost__tiers__suppressed_below": 0.95,
    "boost__tiers__standard_from": 1.05,
    "boost__tiers__preferred_from": 1.20,
    "boost__leaderboard__min_multiplier": 1.0,
    "boost__leaderboard__clean_days": 30,
    "boost__leaderboard__max_recent_severity": 1,
}


def raw_policy(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    for dotted, value in {**PINNED, **overrides}.items():
        *parents, key = dotted.split("__")
        node = data
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return data


def make_policy(**overrides: Any) -> EntityPolicy:
    return load_entity_policy(raw_policy(**overrides))


POLICY = make_policy()
TP, QM, OA = "TRUST_PURCHASE", "QUALITY_MERCHANT", "OFFICIAL_AUTHENTICITY"
PASS = Inspection(AS_OF - 20 * DAY, "AUTHENTICITY", True)
FAIL = Inspection(AS_OF - 20 * DAY, "AUTHENTICITY", False)


def order(
    i: int | str,
    *,
    buyer: str | None = None,
    days_ago: float = 10.0,
    delivered: bool = True,
    refund: str | None = None,
    rating: int | None = None,
    complaints: tuple[Complaint, ...] = (),
    inspections: tuple[Inspection, ...] = (),
) -> OrderFact:
    placed = AS_OF - int(days_ago * DAY)
    return OrderFact(
        f"o{i}",
        buyer or f"b{i}",
        "h1",
        "s1",
        placed,
        100.0,
        delivered_at=placed + 2 * DAY if delivered else None,
        refunded_at=placed + 3 * DAY if refund else None,
        refund_reason=refund,
        returned=False if refund else None,
        rating=rating,
        reviewed_at=placed + 4 * DAY if rating else None,
        complaints=complaints,
        inspections=inspections,
    )


def loyal_orders(
    n: int = 120,
    buyers: int = 60,
    *,
    rating: int | None = 5,
    offset: int = 0,
    inspections: tuple[Inspection, ...] = (),
) -> list[OrderFact]:
    """``n`` delivered orders, buyer ``i % buyers``, spread over 50 days: every buyer comes back."""
    return [
        order(
            offset + i,
            buyer=f"b{i % buyers}",
            days_ago=5 + i % 50,
            rating=rating,
            inspections=inspections,
        )
        for i in range(n)
    ]


def facts(
    orders: Sequence[OrderFact],
    *,
    kind: str = "SHOP",
    category: str = "apparel",
    penalties: tuple[Penalty, ...] = (),
    reports: tuple[TimedValue, ...] = (),
) -> EntityFacts:
    return EntityFacts("s1", kind, category, tuple(orders), reports, penalties)


def evaluate(
    f: EntityFacts,
    *,
    as_of: int = AS_OF,
    previous: BadgeState | None = None,
    rights: tuple[str, ...] = ("REFUND_WITHOUT_RETURN",),
    category: str | None = None,
    policy: EntityPolicy = POLICY,
) -> BadgeDecision:
    m = compute_metrics(f, policy, as_of)
    return decide_badges(m, previous, policy, as_of, category=category or f.category, rights=rights)


def codes(r: BadgeResult) -> list[str]:
    return [x.code for x in r.reasons]


def missing(r: BadgeResult) -> str:
    return " / ".join(x.message for x in r.missing)


# --- policy ---------------------------------------------------------------------------------------


def test_the_draft_policy_file_loads_as_is() -> None:
    p = load_entity_policy(RAW)
    assert p.version == RAW["version"]
    assert [b.name for b in p.badges] == [TP, QM, OA]
    assert p.badge(OA).categories == frozenset({"jewellery"})
    assert load_entity_policy(RAW, version="2021-11-24").version == "2021-11-24"


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (
            {"badges__QUALITY_MERCHANT__max_refund_rate": 0.1},
            "badges.QUALITY_MERCHANT.max_refund_rate",
        ),
        ({"metrics__window_days": None}, "metrics.window_days"),
        ({"metrics__window_days": "90"}, "metrics.window_days"),
        ({"metrics__window_days": 0}, "metrics.window_days"),
        ({"badges__TRUST_PURCHASE__grace_days": True}, "badges.TRUST_PURCHASE.grace_days"),
        (
            {"badges__TRUST_PURCHASE__max_complaint_rate": 1.5},
            "badges.TRUST_PURCHASE.max_complaint_rate",
        ),
        (
            {"badges__TRUST_PURCHASE__max_complaint_rate": None},
            "badges.TRUST_PURCHASE.complaint_buyer_allowance",
        ),
        ({"badges__TRUST_PURCHASE__kinds": ["SHOPS"]}, "badges.TRUST_PURCHASE.kinds"),
        ({"badges__TRUST_PURCHASE__min_trust_rights": 9}, "badges.TRUST_PURCHASE.min_trust_rights"),
        ({"boost__badge_bonus__GOLD_STAR": 0.2}, "boost.badge_bonus.GOLD_STAR"),
        ({"boost__badge_bonus__QUALITY_MERCHANT": None}, "boost.badge_bonus.QUALITY_MERCHANT"),
        ({"boost__escalation_factor": 0.5}, "boost.escalation_factor"),
        ({"boost__severity_cost__3": 0.01}, "boost.severity_cost"),
        ({"boost__tiers__standard_from": 0.9}, "boost.tiers"),
        (
            {"boost__leaderboard__requires_any_badge": ["GOLD_STAR"]},
            "boost.leaderboard.requires_any_badge",
        ),
        ({"version": None}, "version"),
    ],
)
def test_policy_errors_name_the_key_path(overrides: dict[str, Any], path: str) -> None:
    with pytest.raises(PolicyError) as err:
        make_policy(**overrides)
    assert err.value.path == path
    assert str(err.value).startswith(f"{path}: ")
    assert isinstance(err.value, ValueError)


def test_other_top_level_tables_are_left_to_their_owners() -> None:
    data = raw_policy()
    data["pair"] = {"anything": 1}
    assert load_entity_policy(data).version == POLICY.version


# --- TRUST_PURCHASE -------------------------------------------------------------------------------


def test_trust_purchase_needs_rights_and_a_good_after_sales_record() -> None:
    d = evaluate(facts(loyal_orders(30)))
    r = d.result(TP)
    assert r.held and r.since == AS_OF and r.missing == ()
    assert codes(r) == [
        "GRANTED",
        "TRUST_RIGHTS_MET",
        "MIN_DELIVERED_ORDERS_MET",
        "FOR_CAUSE_REFUND_RATE_MET",
        "COMPLAINT_RATE_MET",
        "VIOLATION_SEVERITY_MET",
    ]
    assert d.policy_version == POLICY.version and d.state == BadgeState(
        AS_OF, (HeldBadge(TP, AS_OF),)
    )


@pytest.mark.parametrize("rights", [(), ("SEVEN_DAY_RETURN",)])
def test_trust_purchase_without_trust_rights(rights: tuple[str, ...]) -> None:
    r = evaluate(facts(loyal_orders(30)), rights=rights).result(TP)
    assert not r.held and "TRUST_RIGHTS_NOT_MET" in codes(r)
    assert "needs 1 more trust right opened (any of FAKE_ONE_PAY_N, OFFICIAL_INSPECTION" in missing(
        r
    )


def test_minimum_delivered_orders_hint_is_exact() -> None:
    orders = loyal_orders(18) + [
        order(f"u{i}", delivered=False) for i in range(5)
    ]  # undelivered: no evidence
    r = evaluate(facts(orders)).result(TP)
    assert not r.held and missing(r) == "needs 12 more delivered orders in 90 days"
    assert not evaluate(facts(orders + loyal_orders(11, offset=500))).result(TP).held
    assert evaluate(facts(orders + loyal_orders(12, offset=500))).result(TP).held


def test_orders_outside_the_window_do_not_count() -> None:
    old = [order(i, days_ago=95) for i in range(40)]
    assert (
        missing(evaluate(facts(old + loyal_orders(20))).result(TP))
        == "needs 10 more delivered orders in 90 days"
    )


def test_a_rate_applies_only_above_the_buyer_allowance() -> None:
    # 3 for-cause refunds in 40 orders is 7.5% > 6%, but 3 buyers is within the allowance
    # (eBay's AND).
    three = loyal_orders(37) + [order(f"r{i}", buyer=f"r{i}", refund="DEFECT") for i in range(3)]
    r = evaluate(facts(three)).result(TP)
    assert r.held
    assert "not held against it" in next(
        x.message for x in r.reasons if x.code == "FOR_CAUSE_REFUND_RATE_MET"
    )
    four = loyal_orders(36) + [order(f"r{i}", buyer=f"r{i}", refund="DEFECT") for i in range(4)]
    r = evaluate(facts(four)).result(TP)
    assert not r.held and "FOR_CAUSE_REFUND_RATE_NOT_MET" in codes(r)
    # 4 / 0.06 = 66.7 orders: 27 more clean orders.
    assert missing(r) == (
        "needs the for-cause refund rate at or below 6.0%: about 27 more orders without one in "
        "60 days, or at most 3 buyers affected"
    )


def test_two_orders_and_one_refund_is_not_fifty_percent_refunds() -> None:
    f = facts([order(1, refund="NOT_AS_DESCRIBED"), order(2)])
    m = compute_metrics(f, POLICY, AS_OF)
    assert m.for_cause_refund_rate == 0.5
    d = decide_badges(m, None, POLICY, AS_OF, category="apparel", rights=("REFUND_WITHOUT_RETURN",))
    assert "FOR_CAUSE_REFUND_RATE_MET" in codes(d.result(TP))
    boost = decide_boost(m, d, POLICY, AS_OF)
    assert boost.multiplier == 1.0 and "BELOW_STANDARD" not in [x.code for x in boost.reasons]


def test_complaints_with_more_than_the_allowed_buyers_fail() -> None:
    c = (Complaint(AS_OF - DAY, "RUDE_SERVICE"),)
    orders = loyal_orders(40) + [order(f"c{i}", buyer=f"c{i}", complaints=c) for i in range(3)]
    r = evaluate(facts(orders)).result(TP)
    assert not r.held and "COMPLAINT_RATE_NOT_MET" in codes(r)


def test_a_severe_violation_blocks_the_badge_until_it_leaves_the_window() -> None:
    pen = (Penalty(AS_OF - 100 * DAY, 3, "COUNTERFEIT"),)
    r = evaluate(facts(loyal_orders(40), penalties=pen)).result(TP)
    assert not r.held and "VIOLATION_SEVERITY_NOT_MET" in codes(r)
    assert "possible again after 2022-08-16" in missing(r)  # 2021-08-16 + 365 days
    later = [order(f"l{i}", buyer=f"b{i % 20}", days_ago=-266 + 5 + i % 50) for i in range(40)]
    r = evaluate(facts(later, penalties=pen), as_of=AS_OF + 266 * DAY).result(TP)
    assert r.held and "VIOLATION_SEVERITY_MET" in codes(r)


def test_a_host_cannot_hold_trust_purchase() -> None:
    r = evaluate(facts(loyal_orders(40), kind="HOST")).result(TP)
    assert (
        not r.held and not r.applicable and codes(r) == ["NOT_APPLICABLE_KIND"] and r.missing == ()
    )


# --- QUALITY_MERCHANT -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["SHOP", "HOST"])
def test_quality_merchant_for_a_loyal_well_reviewed_record(kind: str) -> None:
    r = evaluate(facts(loyal_orders(120, 60), kind=kind)).result(QM)
    assert r.held, codes(r)
    assert codes(r)[0] == "GRANTED"


def test_quality_merchant_needs_enough_buyers_before_the_repurchase_rate_counts() -> None:
    r = evaluate(facts(loyal_orders(120, 40))).result(QM)
    assert not r.held
    assert missing(r) == "needs 10 more buyers in 90 days before the repurchase rate counts"


def test_quality_merchant_repurchase_hint() -> None:
    # 60 loyal buyers plus 90 one-off buyers: 60 / 150 = 40% < 45%; needs 68 - 60 = 8 more
    # returning.
    one_off = [order(f"n{i}", buyer=f"n{i}", rating=5) for i in range(90)]
    r = evaluate(facts(loyal_orders(120, 60) + one_off)).result(QM)
    assert (
        not r.held
        and missing(r) == "needs 8 more of its 90-day buyers to order again on another day"
    )


def test_quality_merchant_review_hint_is_enough() -> None:
    orders = loyal_orders(120, 60, rating=None) + [
        order(f"v{i}", buyer=f"b{i}", rating=4) for i in range(20)
    ]
    r = evaluate(facts(orders)).result(QM)
    assert not r.held and "REVIEW_SCORE_NOT_MET" in codes(r)
    k = int(missing(r).split("about ")[1].split()[0])
    fives = [order(f"w{i}", buyer=f"b{i}", rating=5) for i in range(k)]
    assert evaluate(facts(orders + fives)).result(QM).held
    assert not evaluate(facts(orders + fives[:-1])).result(QM).held


def test_quality_merchant_false_ads_bind_hosts() -> None:
    reports = (
        TimedValue(AS_OF - 5 * DAY, 1.0),
        TimedValue(AS_OF - 6 * DAY, 1.0),
        TimedValue(AS_OF - 7 * DAY, 0.0),
    )
    r = evaluate(facts(loyal_orders(), kind="HOST", reports=reports)).result(QM)
    assert not r.held and "FALSE_ADS_NOT_MET" in codes(r)
    r = evaluate(facts(loyal_orders(), kind="HOST", reports=reports[1:])).result(QM)
    assert r.held


# --- OFFICIAL_AUTHENTICITY ------------------------------------------------------------------------


def test_authenticity_is_for_jewellery_shops_with_inspections() -> None:
    f = facts(loyal_orders(20, inspections=(PASS,)), category="jewellery")
    r = evaluate(f, rights=("OFFICIAL_INSPECTION",)).result(OA)
    assert r.held, codes(r)
    assert evaluate(f, rights=("OFFICIAL_INSPECTION",), category="Jewellery").result(OA).held
    apparel = evaluate(f, rights=("OFFICIAL_INSPECTION",), category="apparel").result(OA)
    assert (
        not apparel.held and codes(apparel) == ["NOT_APPLICABLE_CATEGORY"] and apparel.missing == ()
    )
    host = evaluate(
        facts(f.orders, kind="HOST", category="jewellery"), rights=("OFFICIAL_INSPECTION",)
    ).result(OA)
    assert not host.held and codes(host) == ["NOT_APPLICABLE_KIND"]


def test_authenticity_needs_the_inspection_right_and_a_minimum_count() -> None:
    f = facts(loyal_orders(19, inspections=(PASS,)), category="jewellery")
    r = evaluate(f, rights=("OFFICIAL_INSPECTION",)).result(OA)
    assert not r.held and missing(r) == "needs 1 more inspection in 90 days"
    r = evaluate(
        facts(loyal_orders(20, inspections=(PASS,)), category="jewellery"), rights=()
    ).result(OA)
    assert not r.held and "REQUIRED_RIGHTS_NOT_MET" in codes(r)
    assert missing(r) == "needs the trust rights OFFICIAL_INSPECTION opened"


def test_authenticity_pass_rate_with_failure_allowance() -> None:
    one_fail = loyal_orders(19, inspections=(PASS,)) + [order("f1", inspections=(FAIL,))]  # 95%
    assert (
        evaluate(facts(one_fail, category="jewellery"), rights=("OFFICIAL_INSPECTION",))
        .result(OA)
        .held
    )
    # 28 of 30 is 93.3% < 95% and 2 failures > the allowance of 1.
    two_fail = loyal_orders(28, inspections=(PASS,)) + [
        order(f"f{i}", inspections=(FAIL,)) for i in range(2)
    ]
    r = evaluate(facts(two_fail, category="jewellery"), rights=("OFFICIAL_INSPECTION",)).result(OA)
    assert not r.held and "INSPECTION_PASS_RATE_NOT_MET" in codes(r)
    assert "about 10 more inspections passed" in missing(r)  # 2 / 0.05 = 40 inspections


# --- grace period and hysteresis ------------------------------------------------------------------

GOOD = facts(loyal_orders(40))
THIN = facts(loyal_orders(20))  # below 30 delivered orders: a soft failure


def test_a_held_badge_survives_soft_failures_for_the_grace_period() -> None:
    d0 = evaluate(GOOD)
    t1 = AS_OF + DAY
    d1 = evaluate(THIN, as_of=t1, previous=d0.state)
    r1 = d1.result(TP)
    assert r1.held and codes(r1)[0] == "GRACE_STARTED"
    assert (r1.since, r1.failing_since, r1.grace_period_ends_at) == (AS_OF, t1, t1 + 14 * DAY)
    assert missing(r1) == "needs 10 more delivered orders in 90 days"  # what to fix while in grace
    d2 = evaluate(THIN, as_of=t1 + 14 * DAY - 1, previous=d1.state)
    r2 = d2.result(TP)
    assert r2.held and codes(r2)[0] == "IN_GRACE" and r2.grace_period_ends_at == t1 + 14 * DAY
    d3 = evaluate(THIN, as_of=t1 + 14 * DAY, previous=d2.state)
    assert not d3.result(TP).held and codes(d3.result(TP))[0] == "LOST_GRACE_EXPIRED"
    assert d3.state.get(TP) is None
    # Regaining the badge starts a new holding.
    d4 = evaluate(GOOD, as_of=t1 + 15 * DAY, previous=d3.state)
    assert (
        d4.result(TP).held
        and d4.result(TP).since == t1 + 15 * DAY
        and codes(d4.result(TP))[0] == "GRANTED"
    )


def test_passing_again_resets_the_grace_period() -> None:
    d0 = evaluate(GOOD)
    d1 = evaluate(THIN, as_of=AS_OF + DAY, previous=d0.state)
    d2 = evaluate(GOOD, as_of=AS_OF + 10 * DAY, previous=d1.state)
    r2 = d2.result(TP)
    assert (
        r2.held and codes(r2)[0] == "RECOVERED" and r2.failing_since is None and r2.since == AS_OF
    )
    d3 = evaluate(THIN, as_of=AS_OF + 12 * DAY, previous=d2.state)
    r3 = d3.result(TP)
    assert (
        r3.held
        and r3.failing_since == AS_OF + 12 * DAY
        and r3.grace_period_ends_at == AS_OF + 26 * DAY
    )


def test_a_badge_not_held_gets_no_grace() -> None:
    r = evaluate(THIN).result(TP)
    assert not r.held and codes(r)[0] == "NOT_ELIGIBLE" and r.grace_period_ends_at is None


def test_hard_rules_end_a_badge_at_once() -> None:
    d0 = evaluate(GOOD)
    withdrawn = evaluate(
        GOOD, as_of=AS_OF + DAY, previous=d0.state, rights=("SEVEN_DAY_RETURN",)
    ).result(TP)
    assert not withdrawn.held and codes(withdrawn)[0] == "LOST_HARD_RULE"
    severe = facts(loyal_orders(40), penalties=(Penalty(AS_OF + DAY // 2, 3, "COUNTERFEIT"),))
    assert (
        codes(evaluate(severe, as_of=AS_OF + DAY, previous=d0.state).result(TP))[0]
        == "LOST_HARD_RULE"
    )


def test_a_badge_that_no_longer_applies_is_dropped() -> None:
    f = facts(loyal_orders(20, inspections=(PASS,)), category="jewellery")
    d0 = evaluate(f, rights=("OFFICIAL_INSPECTION",))
    r = evaluate(
        f, as_of=AS_OF + DAY, previous=d0.state, rights=("OFFICIAL_INSPECTION",), category="tea"
    ).result(OA)
    assert not r.held and codes(r) == ["LOST_NOT_APPLICABLE", "NOT_APPLICABLE_CATEGORY"]


def test_zero_grace_days_loses_at_the_first_failure() -> None:
    policy = make_policy(badges__TRUST_PURCHASE__grace_days=0)
    d0 = evaluate(GOOD, policy=policy)
    r = evaluate(THIN, as_of=AS_OF + DAY, previous=d0.state, policy=policy).result(TP)
    assert not r.held and codes(r)[0] == "LOST_GRACE_EXPIRED"


def test_a_previous_state_from_the_future_is_ignored() -> None:
    future = BadgeState(AS_OF + DAY, (HeldBadge(TP, AS_OF - 30 * DAY),))
    r = evaluate(THIN, previous=future).result(TP)
    assert not r.held and codes(r)[0] == "NOT_ELIGIBLE"


def test_metrics_must_be_as_of_the_decision_time() -> None:
    m = compute_metrics(GOOD, POLICY, AS_OF)
    with pytest.raises(ValueError):
        decide_badges(m, None, POLICY, AS_OF + 1, category="apparel", rights=())


def test_badge_state_round_trips_through_a_plain_dict() -> None:
    state = BadgeState(
        AS_OF, (HeldBadge(QM, AS_OF - DAY), HeldBadge(TP, AS_OF - 9 * DAY, AS_OF - DAY))
    )
    assert BadgeState.from_dict(state.to_dict()) == state


# --- boost ----------------------------------------------------------------------------------------


def held(*names: str, as_of: int = AS_OF) -> BadgeDecision:
    results = tuple(
        BadgeResult(n, True, n in names, AS_OF if n in names else None, None, None, (), ())
        for n in (TP, QM, OA)
    )
    return BadgeDecision(
        "s1",
        "SHOP",
        as_of,
        POLICY.version,
        results,
        BadgeState(as_of, tuple(HeldBadge(n, AS_OF) for n in sorted(names))),
    )


def boost_for(
    *penalties: Penalty,
    badges: tuple[str, ...] = (),
    orders: list[OrderFact] | None = None,
    reports: tuple[TimedValue, ...] = (),
    kind: str = "SHOP",
) -> Any:
    m: EntityMetrics = compute_metrics(
        facts(orders or [], penalties=penalties, reports=reports, kind=kind), POLICY, AS_OF
    )
    return decide_boost(m, held(*badges), POLICY, AS_OF)


def bcodes(b: Any) -> list[str]:
    return [x.code for x in b.reasons]


def test_neutral_boost() -> None:
    b = boost_for()
    assert (b.multiplier, b.tier, b.leaderboard_eligible) == (1.0, "NONE", False)
    assert (
        bcodes(b) == ["TIER_NONE", "LEADERBOARD_NEEDS_BADGE"] and b.policy_version == POLICY.version
    )


def test_badges_raise_the_tier_and_open_the_leaderboard() -> None:
    one = boost_for(badges=(TP,))
    assert (one.multiplier, one.tier, one.leaderboard_eligible) == (1.1, "STANDARD", True)
    two = boost_for(badges=(TP, QM))
    assert (two.multiplier, two.tier) == (1.25, "PREFERRED")


@pytest.mark.parametrize(
    ("severity", "multiplier", "tier"),
    [(1, 0.95, "NONE"), (2, 0.85, "SUPPRESSED"), (3, 0.7, "SUPPRESSED")],
)
def test_severity_matters(severity: int, multiplier: float, tier: str) -> None:
    b = boost_for(Penalty(AS_OF - 100 * DAY, severity, "X"))
    assert (b.multiplier, b.tier) == (multiplier, tier)


def test_repeat_offenders_pay_more_for_the_same_offence() -> None:
    first = Penalty(AS_OF - 100 * DAY, 1, "LATE_SHIPPING")
    second = Penalty(AS_OF - 50 * DAY, 1, "LATE_SHIPPING")
    one, two = boost_for(first), boost_for(first, second)
    assert 1.0 - one.multiplier == pytest.approx(0.05)
    assert one.multiplier - two.multiplier == pytest.approx(
        0.10
    )  # the second costs twice the first
    assert bcodes(two)[:2] == ["VIOLATION", "REPEAT_VIOLATION"]
    assert "0.05 x 2^1, repeat offence" in two.reasons[1].message


def test_escalation_follows_time_order() -> None:
    serious_first = boost_for(Penalty(AS_OF - 100 * DAY, 2, "A"), Penalty(AS_OF - 50 * DAY, 1, "B"))
    minor_first = boost_for(Penalty(AS_OF - 50 * DAY, 2, "A"), Penalty(AS_OF - 100 * DAY, 1, "B"))
    assert serious_first.multiplier == pytest.approx(1 - 0.15 - 0.05 * 2)
    assert minor_first.multiplier == pytest.approx(1 - 0.05 - 0.15 * 2)


def test_violations_are_forgotten_after_the_violation_window() -> None:
    assert (
        boost_for(Penalty(AS_OF - 366 * DAY, 3, "A"), Penalty(AS_OF + DAY, 3, "B")).multiplier
        == 1.0
    )


def test_the_multiplier_is_clamped() -> None:
    b = boost_for(*(Penalty(AS_OF - i * DAY, 3, "COUNTERFEIT") for i in range(1, 4)))
    assert b.multiplier == 0.5 and "CLAMPED" in bcodes(b) and b.tier == "SUPPRESSED"


def test_false_ad_cost_is_capped() -> None:
    reports = tuple(TimedValue(AS_OF - DAY, 1.0) for _ in range(5))
    assert boost_for(reports=reports, kind="HOST").multiplier == pytest.approx(0.85)
    many = tuple(TimedValue(AS_OF - DAY, 1.0) for _ in range(50))
    assert boost_for(reports=many, kind="HOST").multiplier == pytest.approx(0.70)


def test_below_standard_needs_the_rate_and_enough_buyers() -> None:
    refunds = [order(f"r{i}", refund="DEFECT") for i in range(5)]
    b = boost_for(orders=loyal_orders(40) + refunds)  # 11.1%, 5 buyers
    assert "BELOW_STANDARD" in bcodes(b) and b.multiplier == pytest.approx(0.8)
    b = boost_for(orders=loyal_orders(20) + refunds[:4])  # 16.7%, but 4 buyers
    assert "BELOW_STANDARD" not in bcodes(b) and b.multiplier == 1.0


def test_a_recent_serious_violation_keeps_a_badge_holder_off_the_leaderboard() -> None:
    old = boost_for(Penalty(AS_OF - 40 * DAY, 2, "FAKE_SHIPPING"), badges=(TP, OA))
    assert old.multiplier == pytest.approx(1.05) and old.leaderboard_eligible
    new = boost_for(Penalty(AS_OF - 10 * DAY, 2, "FAKE_SHIPPING"), badges=(TP, OA))
    assert not new.leaderboard_eligible and "LEADERBOARD_RECENT_VIOLATION" in bcodes(new)
    minor = boost_for(Penalty(AS_OF - 10 * DAY, 1, "LATE_SHIPPING"), badges=(TP, OA))
    assert minor.leaderboard_eligible


def test_boost_inputs_must_share_as_of() -> None:
    m = compute_metrics(GOOD, POLICY, AS_OF)
    with pytest.raises(ValueError):
        decide_boost(m, held(as_of=AS_OF + 1), POLICY, AS_OF)
