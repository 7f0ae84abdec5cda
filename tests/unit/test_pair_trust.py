"""Buyer-host / buyer-shop pair trust: one test per rule of scoring.pair_trust and its policy."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from scoring.facts import MS_PER_DAY, Complaint, OrderFact, PairFacts, TimedValue
from scoring.pair_trust import (
    ACQUAINTANCE,
    REGULAR,
    STRANGER,
    _month_of_day,
    platform_trust,
    score_pair,
    trust_level,
)
from scoring.trust_policy import TrustPolicy, load_trust_policy, with_changes

POLICIES = Path(__file__).resolve().parents[2] / "scoring" / "policies"
CST = timezone(timedelta(hours=8))  # the policy's calendar (trust.calendar.utc_offset_hours = 8)
DAY = MS_PER_DAY


def load_document() -> dict[str, Any]:
    """The shipped policy file, parsed (its [trust] table and top-level version)."""
    return tomllib.loads((POLICIES / "v1.toml").read_text(encoding="utf-8"))


POLICY = load_trust_policy(load_document())


def ms(year: int, month: int, day: int, hour: int = 12) -> int:
    """Epoch ms of a local (CST) date: tests speak in the platform's calendar."""
    return int(datetime(year, month, day, hour, tzinfo=CST).timestamp() * 1000)


NOW = ms(2021, 12, 20)


def order(
    order_id: str,
    placed: int,
    *,
    item: str | None = None,
    amount: float = 100.0,
    delivered_after_days: float | None = 2,
    **outcome: Any,
) -> OrderFact:
    delivered = None if delivered_after_days is None else placed + int(delivered_after_days * DAY)
    return OrderFact(
        order_id=order_id,
        buyer_id="b1",
        host_id="h1",
        shop_id="s1",
        placed_at=placed,
        amount=amount,
        item_id=item if item is not None else f"item-{order_id}",
        delivered_at=delivered,
        **outcome,
    )


def pair(*orders: OrderFact, kind: str = "HOST", **rest: Any) -> PairFacts:
    return PairFacts(
        buyer_id="b1",
        target_id="h1" if kind == "HOST" else "s1",
        target_kind=kind,
        orders=tuple(orders),
        **rest,
    )


def codes(result) -> list[str]:
    return [code for code, _ in result.reasons]


def reason(result, code: str) -> str:
    return dict(result.reasons)[code]


def plain(policy: TrustPolicy = POLICY) -> TrustPolicy:
    """Only satisfied-order credit counts: isolates the rule under test from months and spend."""
    return with_changes(policy, "positive", distinct_month=0.0, spend_weight=0.0)


# --- the policy file ----------------------------------------------------------------------------


def test_draft_policy_loads_and_names_its_version():
    assert POLICY.version
    assert POLICY.decay.half_life_days > 0
    assert POLICY.regular.min_satisfied_orders >= POLICY.acquaintance.min_satisfied_orders


def _broken(path: str, value: Any) -> dict[str, Any]:
    document = load_document()
    table = document
    *parents, key = path.split(".")
    for name in parents:
        table[name] = dict(table[name])
        table = table[name]
    if value is _DELETE:
        del table[key]
    else:
        table[key] = value
    return document


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("trust.decay.half_life_days", 0, "trust.decay.half_life_days must be > 0"),
        ("trust.decay.half_life_days", _DELETE, "trust.decay.half_life_days is missing"),
        ("trust.decay.half_lif", 3, "trust.decay.half_lif is not a known key"),
        ("trust.decay.half_life_days", True, "trust.decay.half_life_days must be a number"),
        (
            "trust.anti_gaming.max_orders_per_month",
            2.5,
            "trust.anti_gaming.max_orders_per_month must be an integer",
        ),
        (
            "trust.anti_gaming.max_orders_per_month",
            0,
            "trust.anti_gaming.max_orders_per_month must be >= 1",
        ),
        ("trust.model.neutral_base_rate", 1.5, "trust.model.neutral_base_rate must be in [0, 1]"),
        ("trust.positive.spend_unit_yuan", -1, "trust.positive.spend_unit_yuan must be > 0"),
        (
            "trust.negative.complaint_for_cause",
            -0.5,
            "trust.negative.complaint_for_cause must be >= 0",
        ),
        (
            "trust.levels.regular.min_score",
            0.5,
            "trust.levels.regular.min_score must be >= trust.levels.acquaintance.min_score",
        ),
        (
            "trust.levels.regular.min_confidence",
            1.0,
            "trust.levels.regular.min_confidence must be in [0, 1)",
        ),
        (
            "trust.levels.acquaintance.min_distinct_months",
            2,
            "trust.levels.acquaintance.min_distinct_months must be <= min_satisfied_orders",
        ),
        ("trust.levels.expert", {}, "trust.levels.expert is not a known key"),
        (
            "trust.platform.rights.OFFICIAL_INSPECTION",
            1.0,
            "trust.platform.rights.OFFICIAL_INSPECTION must be in [0, 1)",
        ),
        ("trust.platform.max", 0.2, "trust.platform.max must be in [base, 1]"),
        ("trust.distrust", 0.3, "trust.distrust must be a table"),
        ("trust.levels.regular", _DELETE, "trust.levels.regular is missing"),
        ("version", _DELETE, "version is missing"),
    ],
)
def test_policy_validation_names_the_key(path: str, value: Any, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_trust_policy(_broken(path, value))


def test_replacing_a_value_is_validated_too():
    with pytest.raises(ValueError, match="trust.decay.half_life_days must be > 0"):
        with_changes(POLICY, "decay", half_life_days=-1)


def test_policy_rights_are_read_only():
    with pytest.raises(TypeError):
        POLICY.platform.rights["NEW_RIGHT"] = 0.5  # type: ignore[index]


# --- the model: stranger, evidence, distrust ----------------------------------------------------


def test_stranger_has_no_evidence_and_scores_the_base_rate():
    result = score_pair(pair(), POLICY, NOW)
    assert (result.level, result.belief, result.disbelief, result.uncertainty) == (
        STRANGER,
        0.0,
        0.0,
        1.0,
    )
    assert result.score == POLICY.model.neutral_base_rate
    assert result.confidence == 0.0
    assert not result.distrust
    assert codes(result) == ["NO_HISTORY", "LEVEL_STRANGER"]
    assert result.platform_trust is None
    assert (result.as_of, result.policy_version) == (NOW, POLICY.version)


def test_distrust_is_not_the_same_as_a_stranger():
    bad = order(
        "o1",
        NOW - 10 * DAY,
        refunded_at=NOW - 5 * DAY,
        refund_reason="NOT_AS_DESCRIBED",
        complaints=(Complaint(NOW - 6 * DAY, "NOT_AS_DESCRIBED"),),
    )
    stranger = score_pair(pair(), POLICY, NOW)
    distrusting = score_pair(pair(bad), POLICY, NOW)
    assert stranger.level == distrusting.level == STRANGER
    assert distrusting.distrust and not stranger.distrust
    assert (
        distrusting.disbelief > 0.4 and distrusting.uncertainty < 1.0 and distrusting.belief == 0.0
    )
    assert distrusting.score < stranger.score
    assert "DISTRUST" in codes(distrusting)


def test_beta_expectation_with_the_neutral_base_rate():
    # With W = 2 and a = 1/2 the subjective-logic expectation is the beta mean (r + 1)/(r + s + 2).
    result = score_pair(pair(order("o1", NOW - 2 * DAY, delivered_after_days=2)), POLICY, NOW)
    r = result.evidence_for
    assert result.score == pytest.approx((r + 1) / (r + 2))
    assert result.belief + result.disbelief + result.uncertainty == pytest.approx(1.0)
    assert result.confidence == pytest.approx(1 - result.uncertainty)


def test_decay_halves_evidence_at_the_half_life():
    facts = pair(
        order("o1", NOW - 2 * DAY, delivered_after_days=2, rating=5, reviewed_at=NOW),
        watches=(TimedValue(NOW, 30.0),),
        comments=(NOW,),
    )
    policy = with_changes(POLICY, "positive", watch_cap=100.0, comment_cap=100.0)
    fresh = score_pair(facts, plain(policy), NOW)
    later = score_pair(facts, plain(policy), NOW + int(POLICY.decay.half_life_ms))
    assert fresh.evidence_for == pytest.approx(
        1.0
        + POLICY.positive.good_review
        + POLICY.positive.watch_weight * 0.5849625007  # log2(1.5)
        + POLICY.positive.comment_weight * 1.0
    )
    order_part = score_pair(
        pair(facts.orders[0]), plain(policy), NOW + int(POLICY.decay.half_life_ms)
    )
    assert order_part.evidence_for == pytest.approx((1.0 + POLICY.positive.good_review) / 2)
    assert later.evidence_for < fresh.evidence_for


def test_negative_evidence_decays_too():
    refund = order("o1", NOW - 5 * DAY, refunded_at=NOW, refund_reason="DEFECT")
    fresh = score_pair(pair(refund), POLICY, NOW)
    later = score_pair(pair(refund), POLICY, NOW + int(POLICY.decay.half_life_ms))
    assert fresh.evidence_against == pytest.approx(POLICY.negative.refund_for_cause)
    assert later.evidence_against == pytest.approx(POLICY.negative.refund_for_cause / 2)


# --- orders: satisfied, neutral, against ---------------------------------------------------------


def test_satisfied_orders_count_with_months_and_spend():
    facts = pair(
        order("o1", ms(2021, 10, 5), amount=300.0), order("o2", ms(2021, 11, 5), amount=100.0)
    )
    result = score_pair(facts, POLICY, NOW)
    assert (result.satisfied_orders, result.distinct_months) == (2, 2)
    assert reason(result, "SATISFIED_ORDERS") == "2 satisfied orders over 2 months"
    assert reason(result, "SPEND") == "400 yuan spent on satisfied orders"
    assert result.evidence_against == 0.0


@pytest.mark.parametrize("reason_code", ["BUYER_REMORSE", "OTHER"])
def test_no_fault_refund_is_neutral(reason_code: str):
    kept = (order("o1", ms(2021, 11, 2)), order("o2", ms(2021, 12, 2)))
    returned = order(
        "o3",
        ms(2021, 12, 8),
        refunded_at=ms(2021, 12, 12),
        refund_reason=reason_code,
        returned=True,
    )
    without = score_pair(pair(*kept), POLICY, NOW)
    with_refund = score_pair(pair(*kept, returned), POLICY, NOW)
    assert with_refund.score == without.score
    assert with_refund.evidence_against == 0.0
    assert with_refund.satisfied_orders == 2
    assert "NO_FAULT_REFUNDS" in codes(with_refund)


def test_refund_for_cause_is_evidence_against():
    kept = (order("o1", ms(2021, 11, 2)), order("o2", ms(2021, 12, 2)))
    refunded = order(
        "o3", ms(2021, 12, 8), refunded_at=NOW, refund_reason="NOT_AS_DESCRIBED", returned=False
    )
    without = score_pair(pair(*kept), POLICY, NOW)
    result = score_pair(pair(*kept, refunded), POLICY, NOW)
    assert result.evidence_against == pytest.approx(POLICY.negative.refund_for_cause)
    assert result.score < without.score
    assert reason(result, "REFUNDS_FOR_CAUSE") == "1 refund for cause (NOT_AS_DESCRIBED)"


def test_complaint_for_cause_counts_against_and_any_complaint_spoils_the_order():
    for_cause = order("o1", ms(2021, 12, 1), complaints=(Complaint(NOW, "LATE_SHIPPING"),))
    remorse = order("o1", ms(2021, 12, 1), complaints=(Complaint(NOW, "BUYER_REMORSE"),))
    a = score_pair(pair(for_cause), POLICY, NOW)
    b = score_pair(pair(remorse), POLICY, NOW)
    assert a.evidence_against == pytest.approx(POLICY.negative.complaint_for_cause)
    assert reason(a, "COMPLAINTS") == "1 complaint for cause"
    assert b.evidence_against == 0.0
    assert a.satisfied_orders == b.satisfied_orders == 0


def test_reviews_good_add_credit_bad_count_against():
    placed = NOW - 10 * DAY
    good = score_pair(pair(order("o1", placed, rating=5, reviewed_at=NOW)), plain(), NOW)
    neutral = score_pair(pair(order("o1", placed, rating=3, reviewed_at=NOW)), plain(), NOW)
    bad = score_pair(pair(order("o1", placed, rating=1, reviewed_at=NOW)), plain(), NOW)
    delivered_w = 0.5 ** (8 / POLICY.decay.half_life_days)
    assert neutral.evidence_for == pytest.approx(delivered_w)
    assert good.evidence_for == pytest.approx(delivered_w + POLICY.positive.good_review)
    assert "GOOD_REVIEWS" in codes(good)
    assert (bad.evidence_for, bad.satisfied_orders) == (0.0, 0)
    assert bad.evidence_against == pytest.approx(POLICY.negative.bad_review)
    assert "BAD_REVIEWS" in codes(bad)


def test_a_rating_without_its_date_is_not_used():
    result = score_pair(pair(order("o1", NOW - 10 * DAY, rating=1)), POLICY, NOW)
    assert result.evidence_against == 0.0 and result.satisfied_orders == 1


def test_undelivered_order_is_pending_and_neutral():
    result = score_pair(pair(order("o1", NOW - DAY, delivered_after_days=None)), POLICY, NOW)
    assert (result.evidence_for, result.evidence_against) == (0.0, 0.0)
    assert reason(result, "PENDING_ORDERS") == "1 order not delivered yet (neutral)"
    assert "NO_HISTORY" not in codes(result)


def test_confirmed_reports_count_against_hosts_only():
    host = score_pair(pair(confirmed_reports=(NOW,)), POLICY, NOW)
    shop = score_pair(pair(kind="SHOP", confirmed_reports=(NOW,)), POLICY, NOW)
    assert host.evidence_against == pytest.approx(POLICY.negative.confirmed_report)
    assert host.distrust and "CONFIRMED_REPORTS" in codes(host)
    assert shop.evidence_against == 0.0


def test_spend_is_log_compressed_and_capped():
    small = score_pair(
        pair(order("o1", NOW - 2 * DAY, amount=100.0, delivered_after_days=2)), POLICY, NOW
    )
    huge = score_pair(
        pair(order("o1", NOW - 2 * DAY, amount=1_000_000.0, delivered_after_days=2)), POLICY, NOW
    )
    base = POLICY.positive.satisfied_order + POLICY.positive.distinct_month
    assert small.evidence_for == pytest.approx(
        base + POLICY.positive.spend_weight * 1.0
    )  # log2(1 + 100/100)
    assert huge.evidence_for == pytest.approx(base + POLICY.positive.spend_cap)


# --- anti-gaming ---------------------------------------------------------------------------------


def _period_start(year: int, month: int) -> int:
    """A local day that starts a same-item period with the whole period inside its month."""
    window = POLICY.anti_gaming.same_item_window_days
    day = datetime(year, month, 1, tzinfo=CST)
    while True:
        index = (int(day.timestamp() * 1000) + POLICY.calendar.utc_offset_ms) // DAY
        if index % window == 0 and (day + timedelta(days=window - 1)).month == month:
            return ms(day.year, day.month, day.day, 10)
        day += timedelta(days=1)


def test_same_item_within_the_period_counts_once():
    start = _period_start(2021, 11)
    twice = pair(order("o1", start, item="tea"), order("o2", start + 5 * DAY, item="tea"))
    result = score_pair(twice, plain(), NOW)
    assert result.satisfied_orders == 1
    assert reason(result, "SAME_ITEM_REPEATS") == (
        "1 repeat purchase of the same item in the same 14-day period counted once"
    )
    # Counted once at its best (latest) credit: the same as the later order alone.
    assert result.evidence_for == score_pair(pair(twice.orders[1]), plain(), NOW).evidence_for


def test_same_item_in_another_period_or_another_item_counts_again():
    start = _period_start(2021, 11)
    later = pair(order("o1", start, item="tea"), order("o2", start + 16 * DAY, item="tea"))
    other = pair(order("o1", start, item="tea"), order("o2", start + 5 * DAY, item="cups"))
    assert score_pair(later, POLICY, NOW).satisfied_orders == 2
    assert score_pair(other, POLICY, NOW).satisfied_orders == 2


def test_monthly_cap_on_order_credit():
    cap = POLICY.anti_gaming.max_orders_per_month
    same_day = ms(2021, 12, 3)
    capped = [order(f"o{i}", same_day, amount=0.0) for i in range(cap)]
    extra = [order(f"x{i}", same_day, amount=0.0) for i in range(2)]
    at_cap = score_pair(pair(*capped), plain(), NOW)
    over = score_pair(pair(*capped, *extra), plain(), NOW)
    assert over.evidence_for == at_cap.evidence_for
    assert over.satisfied_orders == cap + 2  # the plain count still says what happened
    assert reason(over, "MONTHLY_CAP") == f"2 orders beyond {cap} a month earned no order credit"
    next_month = score_pair(
        pair(*capped, order("y", ms(2022, 1, 3), amount=0.0)), plain(), ms(2022, 1, 10)
    )
    assert "MONTHLY_CAP" not in codes(next_month)


def test_buyer_weight_scales_positive_evidence_only():
    facts = pair(
        order("o1", ms(2021, 11, 2)),
        order("o2", ms(2021, 12, 2), refunded_at=NOW, refund_reason="DEFECT"),
        watches=(TimedValue(NOW - DAY, 45.0),),
    )
    full = score_pair(facts, POLICY, NOW)
    throwaway = score_pair(facts, POLICY, NOW, buyer_weight=0.25)
    assert throwaway.evidence_for == pytest.approx(0.25 * full.evidence_for)
    assert throwaway.evidence_against == full.evidence_against
    assert throwaway.score < full.score
    assert (
        reason(throwaway, "BUYER_WEIGHT")
        == "positive evidence weighted 0.25 (account looks throwaway)"
    )
    assert "BUYER_WEIGHT" not in codes(full)


@pytest.mark.parametrize("weight", [-0.1, 1.5])
def test_buyer_weight_must_be_a_fraction(weight: float):
    with pytest.raises(ValueError, match="buyer_weight must be in"):
        score_pair(pair(), POLICY, NOW, buyer_weight=weight)


# --- interactions, as of a date -----------------------------------------------------------------


def test_follow_age_as_of_a_date():
    t1, t2, t3 = ms(2021, 6, 1), ms(2021, 8, 1), ms(2021, 9, 1)
    changes = (
        TimedValue(t3, 1),
        TimedValue(t1, 1),
        TimedValue(t1 + 10 * DAY, 1),
        TimedValue(t2, 0),
    )
    facts = pair(follow_changes=changes)
    before = score_pair(facts, POLICY, t1 - DAY)
    during = score_pair(facts, POLICY, t1 + 45 * DAY)
    gap = score_pair(facts, POLICY, t2 + DAY)
    again = score_pair(facts, POLICY, t3 + 30 * DAY)
    assert before.evidence_for == 0.0 and "NO_HISTORY" in codes(before)
    # A repeated FOLLOWED keeps the first start: 45 days, half of the 90 for full credit.
    assert reason(during, "FOLLOWING") == "following for 45 days"
    assert during.evidence_for == pytest.approx(
        POLICY.positive.follow_weight * 45 / POLICY.positive.follow_full_days
    )
    assert gap.evidence_for == 0.0 and "FOLLOWING" not in codes(gap)
    assert reason(again, "FOLLOWING") == "following for 30 days"
    old = score_pair(facts, POLICY, t3 + 400 * DAY)
    assert old.evidence_for == pytest.approx(
        POLICY.positive.follow_weight
    )  # full after follow_full_days


def test_follow_and_unfollow_at_the_same_instant_reads_as_not_following():
    t = ms(2021, 6, 1)
    result = score_pair(
        pair(follow_changes=(TimedValue(t, 0), TimedValue(t, 1))), POLICY, t + 30 * DAY
    )
    assert result.evidence_for == 0.0


def test_fan_club_tier_as_of_a_date():
    t1, t2 = ms(2021, 6, 1), ms(2021, 9, 1)
    facts = pair(tier_changes=(TimedValue(t2, 25), TimedValue(t1, 5)))
    full = POLICY.positive.fan_tier_full
    at_5 = score_pair(facts, POLICY, t1 + DAY)
    at_25 = score_pair(facts, POLICY, t2 + DAY)
    assert reason(at_5, "FAN_CLUB") == "fan-club tier 5"
    assert at_5.evidence_for == pytest.approx(POLICY.positive.fan_tier_weight * 5 / full)
    assert at_25.evidence_for == pytest.approx(
        POLICY.positive.fan_tier_weight
    )  # capped at fan_tier_full
    left = score_pair(pair(tier_changes=(TimedValue(t1, 5), TimedValue(t2, 0))), POLICY, t2 + DAY)
    assert left.evidence_for == 0.0


def test_watch_time_and_comments_are_capped():
    many = pair(
        watches=tuple(TimedValue(NOW - i * DAY, 600.0) for i in range(50)),
        comments=tuple(NOW - i * DAY for i in range(500)),
    )
    result = score_pair(many, POLICY, NOW)
    assert result.evidence_for == pytest.approx(
        POLICY.positive.watch_cap + POLICY.positive.comment_cap
    )
    assert reason(result, "WATCH_TIME") == "30000 minutes watched"
    assert reason(result, "COMMENTS") == "500 comments"
    # Interactions alone never make an acquaintance: that needs a satisfied order.
    assert result.level == STRANGER


def test_as_of_ignores_every_later_fact():
    as_of = ms(2021, 10, 1)
    past = (
        order("o1", ms(2021, 8, 1)),
        order("o2", ms(2021, 9, 1), rating=5, reviewed_at=ms(2021, 9, 10)),
    )
    future = (
        order("o3", ms(2021, 11, 1), refunded_at=ms(2021, 11, 5), refund_reason="DEFECT"),
        # placed before as_of, everything else after: pending as of then
        order(
            "o4",
            as_of - DAY,
            delivered_after_days=3,
            rating=1,
            reviewed_at=as_of + 5 * DAY,
            complaints=(Complaint(as_of + 6 * DAY, "FAKE_GOODS"),),
        ),
    )
    # o2's late outcomes: a refund and a complaint after as_of
    o2_later = dataclasses.replace(
        past[1],
        refunded_at=as_of + DAY,
        refund_reason="DEFECT",
        complaints=(Complaint(as_of + DAY, "DEFECT"),),
    )
    full = pair(
        past[0],
        o2_later,
        *future,
        watches=(TimedValue(as_of - DAY, 30.0), TimedValue(as_of + DAY, 900.0)),
        comments=(as_of + DAY,),
        follow_changes=(TimedValue(as_of - 5 * DAY, 1), TimedValue(as_of + DAY, 0)),
        tier_changes=(TimedValue(as_of + DAY, 9),),
        confirmed_reports=(as_of + DAY,),
    )
    then = pair(
        past[0],
        past[1],
        order("o4", as_of - DAY, delivered_after_days=None),
        watches=(TimedValue(as_of - DAY, 30.0),),
        follow_changes=(TimedValue(as_of - 5 * DAY, 1),),
    )
    assert score_pair(full, POLICY, as_of) == score_pair(then, POLICY, as_of)


# --- platform trust (shops) ----------------------------------------------------------------------


def test_platform_trust_from_rights():
    p = POLICY.platform
    assert platform_trust([], POLICY) == p.base
    one = platform_trust(["REFUND_WITHOUT_RETURN"], POLICY)
    assert one == pytest.approx(1 - (1 - p.base) * (1 - p.rights["REFUND_WITHOUT_RETURN"]))
    two = platform_trust(["SEVEN_DAY_RETURN", "REFUND_WITHOUT_RETURN"], POLICY)
    assert one < two
    assert two == platform_trust(
        ["REFUND_WITHOUT_RETURN", "SEVEN_DAY_RETURN", "SEVEN_DAY_RETURN"], POLICY
    )
    assert platform_trust(["NOT_A_RIGHT"], POLICY) == p.base
    assert platform_trust(list(p.rights), POLICY) <= p.max


def test_a_strangers_trust_in_a_shop_is_the_platforms():
    rate = platform_trust(["OFFICIAL_INSPECTION", "FAKE_ONE_PAY_N"], POLICY)
    stranger = score_pair(pair(kind="SHOP"), POLICY, NOW, platform_base_rate=rate)
    assert stranger.score == pytest.approx(rate)
    assert stranger.personal_score == POLICY.model.neutral_base_rate
    assert stranger.platform_trust == rate and stranger.level == STRANGER
    assert "PLATFORM_TRUST" in codes(stranger)


def test_personal_evidence_takes_over_from_platform_trust():
    orders = [order(f"o{i}", ms(2021, m, 5)) for i, m in enumerate((8, 9, 10, 11, 12))]
    low = score_pair(pair(*orders, kind="SHOP"), POLICY, NOW, platform_base_rate=0.5)
    high = score_pair(pair(*orders, kind="SHOP"), POLICY, NOW, platform_base_rate=0.9)
    assert low.personal_score == high.personal_score
    assert 0 < high.score - low.score < 0.4 * (0.9 - 0.5)  # the platform's share shrank with u


def test_shop_without_a_base_rate_uses_the_policy_base():
    assert score_pair(pair(kind="SHOP"), POLICY, NOW).platform_trust == POLICY.platform.base


def test_base_rate_is_for_shops_only_and_in_range():
    with pytest.raises(ValueError, match="SHOP pairs only"):
        score_pair(pair(), POLICY, NOW, platform_base_rate=0.7)
    with pytest.raises(ValueError, match="platform_base_rate must be in"):
        score_pair(pair(kind="SHOP"), POLICY, NOW, platform_base_rate=1.2)
    with pytest.raises(ValueError, match="target_kind must be HOST or SHOP"):
        score_pair(dataclasses.replace(pair(), target_kind="BRAND"), POLICY, NOW)


# --- levels, reasons, next level -----------------------------------------------------------------


def test_one_fresh_satisfied_order_makes_an_acquaintance():
    result = score_pair(pair(order("o1", NOW - 3 * DAY)), POLICY, NOW)
    assert result.level == ACQUAINTANCE
    assert codes(result)[-1] == "LEVEL_ACQUAINTANCE"
    assert reason(result, "LEVEL_ACQUAINTANCE").startswith("ACQUAINTANCE: score 0.")
    assert result.next_level == "3 more satisfied orders, 2 of them in new months to become REGULAR"


def test_regular_needs_orders_in_distinct_months():
    three_months = [
        order(f"o{i}", ms(2021, m, d))
        for i, (m, d) in enumerate(((10, 3), (11, 3), (12, 3), (12, 10)))
    ]
    two_months = [
        order(f"o{i}", ms(2021, m, d))
        for i, (m, d) in enumerate(((11, 3), (11, 9), (12, 3), (12, 10)))
    ]
    regular = score_pair(pair(*three_months), POLICY, NOW)
    almost = score_pair(pair(*two_months), POLICY, NOW)
    assert regular.level == REGULAR and regular.next_level is None
    assert reason(regular, "LEVEL_REGULAR").endswith(
        "(needs score 0.80, confidence 0.70, 4 satisfied orders over 3 months)"
    )
    assert almost.level == ACQUAINTANCE
    assert almost.next_level == "1 more satisfied order in a new month to become REGULAR"


def test_next_level_hints():
    two_in_a_month = pair(order("o1", ms(2021, 12, 1)), order("o2", ms(2021, 12, 9)))
    three_months = pair(*(order(f"o{i}", ms(2021, m, 5)) for i, m in enumerate((10, 11, 12))))
    assert (
        score_pair(pair(), POLICY, NOW).next_level
        == "1 more satisfied order to become ACQUAINTANCE"
    )
    assert score_pair(two_in_a_month, POLICY, NOW).next_level == (
        "2 more satisfied orders in different months to become REGULAR"
    )
    assert (
        score_pair(three_months, POLICY, NOW).next_level
        == "1 more satisfied order to become REGULAR"
    )
    assert score_pair(pair(), POLICY, NOW, buyer_weight=0.0).next_level == (
        "no path to ACQUAINTANCE: positive evidence from this account is weighted 0"
    )


def test_next_level_hint_outweighs_evidence_against():
    # Two refunds for cause: the counts ask for one order, the score (r >= 3.5) for three.
    refunds = [
        order(f"r{i}", NOW - 9 * DAY, refunded_at=NOW, refund_reason="DEFECT") for i in range(2)
    ]
    result = score_pair(pair(*refunds), POLICY, NOW)
    assert result.distrust and result.level == STRANGER
    assert result.next_level == "3 more satisfied orders in different months to become ACQUAINTANCE"


def test_following_the_hint_reaches_the_level():
    refunds = [
        order(f"r{i}", NOW - 9 * DAY, refunded_at=NOW, refund_reason="DEFECT") for i in range(2)
    ]
    followed = pair(*refunds, *(order(f"n{m}", ms(2022, m, 2)) for m in (1, 2, 3)))
    assert score_pair(followed, POLICY, ms(2022, 3, 5)).level == ACQUAINTANCE


def test_stranger_reason_says_what_is_missing():
    result = score_pair(pair(watches=(TimedValue(NOW, 20.0),)), POLICY, NOW)
    assert reason(result, "LEVEL_STRANGER").startswith("STRANGER: ACQUAINTANCE needs ")
    assert "1 satisfied order (has 0)" in reason(result, "LEVEL_STRANGER")


@pytest.mark.parametrize(
    ("score", "confidence", "orders", "months", "level"),
    [
        (0.59, 0.9, 9, 9, STRANGER),  # score short
        (0.60, 0.34, 9, 9, STRANGER),  # confidence short
        (0.99, 0.99, 0, 0, STRANGER),  # no satisfied order
        (0.60, 0.35, 1, 1, ACQUAINTANCE),  # exactly the acquaintance thresholds
        (0.79, 0.9, 9, 9, ACQUAINTANCE),
        (0.99, 0.99, 3, 3, ACQUAINTANCE),  # one order short of regular
        (0.99, 0.99, 9, 2, ACQUAINTANCE),  # one month short of regular
        (0.80, 0.70, 4, 3, REGULAR),  # exactly the regular thresholds
    ],
)
def test_level_thresholds(score: float, confidence: float, orders: int, months: int, level: str):
    assert trust_level(score, confidence, orders, months, POLICY) == level


def test_reasons_are_code_and_sentence_pairs_in_a_stable_order():
    facts = pair(
        order("o1", ms(2021, 11, 2), rating=5, reviewed_at=ms(2021, 11, 6)),
        order("o2", ms(2021, 12, 2), refunded_at=ms(2021, 12, 6), refund_reason="DEFECT"),
        watches=(TimedValue(NOW - DAY, 30.0),),
        comments=(NOW - DAY,),
        follow_changes=(TimedValue(ms(2021, 10, 1), 1),),
        tier_changes=(TimedValue(ms(2021, 10, 2), 3),),
    )
    result = score_pair(facts, POLICY, NOW)
    assert all(
        isinstance(code, str) and isinstance(text, str) and text for code, text in result.reasons
    )
    assert codes(result) == [
        "SATISFIED_ORDERS",
        "SPEND",
        "GOOD_REVIEWS",
        "REFUNDS_FOR_CAUSE",
        "WATCH_TIME",
        "COMMENTS",
        "FOLLOWING",
        "FAN_CLUB",
        "LEVEL_ACQUAINTANCE",
    ]


def test_fact_order_does_not_change_the_result():
    orders = [
        order(f"o{i}", ms(2021, 7 + i % 5, 1 + i), amount=10.1 * (i + 1), item=f"i{i % 2}")
        for i in range(9)
    ]
    watches = [TimedValue(NOW - i * 3 * DAY, 7.3 * i) for i in range(15)]
    forward = pair(*orders, watches=tuple(watches), comments=tuple(NOW - i * DAY for i in range(6)))
    backward = pair(
        *reversed(orders),
        watches=tuple(reversed(watches)),
        comments=tuple(reversed(forward.comments)),
    )
    assert score_pair(forward, POLICY, NOW) == score_pair(backward, POLICY, NOW)


def test_months_follow_the_platform_calendar():
    late_november = ms(2021, 11, 30, 23)  # 15:00 UTC
    early_december = ms(2021, 12, 1, 1)
    utc_evening = int(datetime(2021, 11, 30, 20, tzinfo=UTC).timestamp() * 1000)  # Dec 1, 04:00 CST
    two = score_pair(pair(order("o1", late_november), order("o2", early_december)), POLICY, NOW)
    one = score_pair(pair(order("o1", utc_evening), order("o2", early_december)), POLICY, NOW)
    assert (two.distinct_months, one.distinct_months) == (2, 1)


def test_month_arithmetic_matches_the_calendar():

    epoch = datetime(1970, 1, 1)
    for day in range(-1000, 60_000, 13):
        date = epoch + timedelta(days=day)
        assert _month_of_day(day) == date.year * 12 + date.month - 1
