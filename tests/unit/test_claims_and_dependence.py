"""Policies v2 and v3 in shop and host metrics: claims counted by credibility or by the platform's
ruling, a burst of claims from accounts without a history left out (v3), and the share of a
badge's evidence from new or single-target accounts (scoring/entity_metrics.py,
scoring/badges.py)."""

from __future__ import annotations

import dataclasses

from graph_api.derive.standing import entity_facts
from graph_api.store.records import EntityBuyer, EntityRecord
from scoring.badges import decide_badges
from scoring.entity_metrics import binomial_tail, compute_metrics
from scoring.facts import Complaint, EntityFacts
from scoring.policy import default_policy
from tests.unit.entity_constants import AS_OF, DAY
from tests.unit.test_entity_metrics import order

POLICY = default_policy().entity
CUT = POLICY.metrics.min_buyer_weight


def complaint(oid: str, buyer: str):
    return order(
        oid,
        buyer=buyer,
        refund="NOT_AS_DESCRIBED",
        returned=False,
        rating=1,
        complaints=(Complaint(AS_OF - 6 * DAY, "NOT_AS_DESCRIBED"),),
    )


def shop(*orders, **fields) -> EntityFacts:
    return EntityFacts("s1", "SHOP", "tea", orders=tuple(orders), **fields)


def test_claims_without_credibility_leave_the_rates_and_keep_the_order_counted():
    orders = [order(f"o{i}", buyer=f"h{i}", rating=5) for i in range(20)]
    bombs = [complaint(f"x{i}", f"bomber{i}") for i in range(6)]
    facts = shop(*orders, *bombs, claim_weights={f"bomber{i}": CUT / 2 for i in range(6)})
    m = compute_metrics(facts, POLICY, AS_OF)
    assert m.after_sales_orders == 26  # the bombers' orders still count as orders
    assert m.for_cause_refunds == m.complaint_orders == 0.0
    assert m.for_cause_refund_buyers == m.complaint_buyers == 0.0
    assert m.review_score > 4.0  # their 1-star reviews are claims too
    believed = compute_metrics(shop(*orders, *bombs), POLICY, AS_OF)
    assert believed.for_cause_refunds == believed.complaint_orders == 6.0


def test_a_ruling_replaces_credibility_with_a_verdict():
    upheld = dataclasses.replace(complaint("x1", "b1"), ruling="FOR_BUYER", ruled_at=AS_OF - DAY)
    rejected = dataclasses.replace(complaint("x2", "b2"), ruling="FOR_SELLER", ruled_at=AS_OF - DAY)
    later = dataclasses.replace(complaint("x3", "b3"), ruling="FOR_SELLER", ruled_at=AS_OF + DAY)
    facts = shop(upheld, rejected, later, claim_weights={"b1": 0.0, "b2": 1.0, "b3": 1.0})
    m = compute_metrics(facts, POLICY, AS_OF)
    # b1: upheld though not credible; b2: rejected; b3: ruled after as_of, so its claim counts
    assert (m.for_cause_refunds, m.complaint_orders, m.complaint_buyers) == (2.0, 2.0, 2.0)


def test_dependent_share_counts_new_or_single_target_accounts():
    orders = [order(f"o{i}", buyer=f"b{i}") for i in range(10)]
    facts = shop(
        *orders, single_target_buyers=frozenset({"b0", "b1"}), new_buyers=frozenset({"b1", "b2"})
    )
    m = compute_metrics(facts, POLICY, AS_OF)
    assert (m.dependent_delivered_orders, m.dependent_share) == (3.0, 0.3)


def test_a_badge_filled_by_dependent_accounts_is_not_granted():
    rule = POLICY.badge("TRUST_PURCHASE")
    assert rule.max_dependent_share is not None
    orders = [order(f"o{i}", buyer=f"b{i}", rating=5) for i in range(40)]
    rights = frozenset({"REFUND_WITHOUT_RETURN"})
    crowd = shop(*orders, single_target_buyers=frozenset(f"b{i}" for i in range(40)))
    m = compute_metrics(crowd, POLICY, AS_OF)
    decision = decide_badges(m, None, POLICY, AS_OF, category="tea", rights=rights)
    trust = next(b for b in decision.badges if b.badge == "TRUST_PURCHASE")
    assert not trust.held
    assert any(r.code == "DEPENDENT_SHARE_MISSING" for r in trust.missing)
    mixed = shop(*orders, single_target_buyers=frozenset({"b0"}))
    m = compute_metrics(mixed, POLICY, AS_OF)
    decision = decide_badges(m, None, POLICY, AS_OF, category="tea", rights=rights)
    assert next(b for b in decision.badges if b.badge == "TRUST_PURCHASE").held


def bombing_shop(bombers: int, honest_new: int = 30, honest_new_claims: int = 0) -> EntityFacts:
    """100 buyers with a history (2 of them claim), ``honest_new`` without one (some claim), and
    ``bombers`` one-order accounts without a history that all claim; accounts without a history
    claim at a fifth of their weight, as v3's credibility has it."""
    proven = [order(f"o{i}", buyer=f"p{i}", rating=5) for i in range(98)]
    proven += [complaint(f"c{i}", f"p{98 + i}") for i in range(2)]
    new = [order(f"n{i}", buyer=f"n{i}", rating=5) for i in range(honest_new - honest_new_claims)]
    new += [complaint(f"m{i}", f"m{i}") for i in range(honest_new_claims)]
    bombs = [complaint(f"x{i}", f"bomber{i}") for i in range(bombers)]
    doubted = [f"n{i}" for i in range(honest_new)] + [f"m{i}" for i in range(honest_new_claims)]
    doubted += [f"bomber{i}" for i in range(bombers)]
    return shop(*proven, *new, *bombs, claim_weights={b: 0.2 for b in doubted})


def test_a_burst_of_claims_from_accounts_without_a_history_is_left_out_and_said():
    m = compute_metrics(bombing_shop(6), POLICY, AS_OF)
    assert m.claim_burst and m.unproven_claimants == 6 and m.unproven_buyers == 36
    assert m.claim_burst_p_value is not None and m.claim_burst_p_value < 1e-3
    assert (m.for_cause_refund_buyers, m.complaint_buyers) == (2.0, 2.0)  # the proven two
    rights = frozenset({"REFUND_WITHOUT_RETURN"})
    trust = next(
        b
        for b in decide_badges(m, None, POLICY, AS_OF, category="tea", rights=rights).badges
        if b.badge == "TRUST_PURCHASE"
    )
    said = [r.message for r in trust.reasons if r.code.startswith("FOR_CAUSE_REFUND_RATE")]
    assert said and "6 accounts without a history are left out as a burst" in said[0]
    # Under v2 (no burst test) the six count a fifth each.
    v2 = dataclasses.replace(
        POLICY, metrics=dataclasses.replace(POLICY.metrics, claim_burst_max_p_value=None)
    )
    m2 = compute_metrics(bombing_shop(6), v2, AS_OF)
    assert not m2.claim_burst and m2.for_cause_refund_buyers == 2.0 + 6 * 0.2


def test_new_buyers_claiming_at_the_shops_own_rate_are_no_burst():
    # 1 of 30 new buyers claims, against 2 of 100 with a history: the shop's own rate.
    m = compute_metrics(bombing_shop(0, honest_new=30, honest_new_claims=1), POLICY, AS_OF)
    assert not m.claim_burst and m.for_cause_refund_buyers == 2.0 + 0.2
    # Two of them: still within the rate (p well above the policy's 1e-3).
    m = compute_metrics(bombing_shop(0, honest_new=30, honest_new_claims=2), POLICY, AS_OF)
    assert not m.claim_burst and m.claim_burst_p_value is not None
    assert m.claim_burst_p_value > 1e-3


def test_the_binomial_tail():
    assert binomial_tail(0, 10, 0.3) == 1.0 and binomial_tail(11, 10, 0.3) == 0.0
    assert abs(binomial_tail(1, 10, 0.5) - (1 - 0.5**10)) < 1e-12
    assert abs(binomial_tail(10, 10, 0.5) - 0.5**10) < 1e-15
    assert 0 < binomial_tail(60, 100, 0.01) < 1e-80  # a tiny tail, not 0 by cancellation


def swept_pair(members: int, members_claiming: int) -> EntityFacts:
    """40 honest buyers (4 complain) and a group found at the shop: ``members`` accounts capped at
    the ring's weight, whose claims here keep their own credibility (1.0); the first
    ``members_claiming`` of them complain, the others buy and rate 5 stars."""
    honest = [order(f"o{i}", buyer=f"b{i}", rating=5) for i in range(36)]
    honest += [complaint(f"c{i}", f"b{36 + i}") for i in range(4)]
    group = [
        complaint(f"g{i}", f"m{i}")
        if i < members_claiming
        else order(f"g{i}", buyer=f"m{i}", rating=5)
        for i in range(members)
    ]
    return shop(
        *honest,
        *group,
        buyer_weights={f"m{i}": 0.05 for i in range(members)},
        claim_weights={f"m{i}": 1.0 for i in range(members)},
    )


def test_a_group_found_here_keeps_the_claims_of_the_buyers_it_swept_in():
    m = compute_metrics(swept_pair(members=15, members_claiming=1), POLICY, AS_OF)
    assert m.group_witnesses == 1
    # the witness's order counts in the after-sales window and its claim in the rate ...
    assert (m.after_sales_orders, m.for_cause_refunds, m.complaint_buyers) == (41.0, 5.0, 5.0)
    # ... but adds nothing to volume or buyers, and the shills' 5 stars stay out
    assert (m.orders, m.buyers, m.excluded_orders) == (40.0, 40.0, 15)
    assert m.review_average == (36 * 5 + 5 * 1) / 41
    capped = dataclasses.replace(swept_pair(15, 1), claim_weights={})  # v2: claims at the cap
    m = compute_metrics(capped, POLICY, AS_OF)
    assert (m.group_witnesses, m.after_sales_orders, m.for_cause_refunds) == (0, 40.0, 4.0)


def test_a_group_most_of_whose_members_claim_is_a_crowd_and_stays_out():
    m = compute_metrics(swept_pair(members=6, members_claiming=4), POLICY, AS_OF)
    assert m.group_witnesses == 0
    assert (m.after_sales_orders, m.for_cause_refunds) == (40.0, 4.0)
    half = compute_metrics(swept_pair(members=6, members_claiming=3), POLICY, AS_OF)
    assert (half.group_witnesses, half.for_cause_refunds) == (3, 7.0)


def test_witnesses_without_a_history_are_inside_the_burst_test():
    facts = dataclasses.replace(
        swept_pair(members=12, members_claiming=6),
        claim_weights={f"m{i}": CUT for i in range(12)},  # no history: their credibility is low
    )
    m = compute_metrics(facts, POLICY, AS_OF)
    assert m.group_witnesses == 6 and m.unproven_claimants == 6
    assert m.claim_burst and m.for_cause_refunds == 4.0


def test_a_members_own_credibility_applies_only_where_its_group_was_found():
    def facts_of(entity_id: str) -> dict[str, float]:
        member = EntityBuyer(
            "m1", 0.05, None, 0.05, ring_targets=("HOST:h1", "SHOP:s1"), target_credibility=0.9
        )
        record = EntityRecord(entity_id, "SHOP", "tea", None, (), (member,), (), (), (), None)
        return entity_facts(record)[0].claim_weights

    assert facts_of("s1") == {"m1": 0.9}  # its group's shop: above its weight of 0.05
    assert facts_of("s2") == {}  # elsewhere its claims count as its (capped) weight
