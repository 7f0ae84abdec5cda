"""Buyers' weights and pair trust from one buyer's facts record (:class:`BuyerRecord`).

Groups the record into :class:`scoring.facts.PairFacts` with every list sorted (so the input of
scoring does not depend on the order in which Neo4j lists things), weighs the buyer
(:func:`scoring.buyer_weight.buyer_weight`) and scores each pair with the pure model
(:func:`scoring.pair_trust.score_pair`); and turns the results into the rows of the
``derived/write_*`` queries. Used by the incremental path and the full rebuild alike.

Pairs scored:

* buyer -> host: every host the buyer ordered from (orders placed in the host's live room), or
  watched, commented on, followed, joined the fan club of, or filed a confirmed false-ad report
  against. A follower who never bought has evidence (the follow), so the pair is scored; without
  a satisfied order it stays a STRANGER (docs/trust-model.md, Levels).
* buyer -> shop: every shop that fulfilled one of the buyer's orders, with those orders and the
  buyer's interactions with the hosts of those orders' live rooms (watching, comments, follows,
  fan club: the live room is where the shop's goods were presented) but no reports (a false-ad
  report is against the host). The base rate is the shop's platform trust, from its trust rights
  as of ``as_of``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from graph_api.store.records import COMMENTED, FOLLOW_CHANGE, TIER_CHANGE, WATCHED, BuyerRecord
from scoring.buyer_weight import BuyerWeight, buyer_weight
from scoring.facts import OrderFact, PairFacts, TimedValue
from scoring.pair_trust import HOST, SHOP, PairTrust, platform_trust, score_pair
from scoring.policy import Policy

# -- facts: a buyer's record -> PairFacts ------------------------------------------------------


def _by_time(values: Iterable[TimedValue]) -> tuple[TimedValue, ...]:
    return tuple(sorted(values))  # by (at, value): a TimedValue is a NamedTuple


def build_pair_facts(record: BuyerRecord) -> list[PairFacts]:
    """The PairFacts of one buyer: hosts first, then shops, each by id."""
    by_host: dict[str, list[OrderFact]] = {}
    by_shop: dict[str, list[OrderFact]] = {}
    for o in record.orders:  # sorted by (placed_at, order_id): so is every pair's list
        by_host.setdefault(o.host_id, []).append(o)
        by_shop.setdefault(o.shop_id, []).append(o)

    watches: dict[str, list[TimedValue]] = {}
    comments: dict[str, list[int]] = {}
    follows: dict[str, list[TimedValue]] = {}
    tiers: dict[str, list[TimedValue]] = {}
    for i in record.interactions:
        if i.kind == WATCHED:
            watches.setdefault(i.host_id, []).append(TimedValue(i.at, i.value))
        elif i.kind == COMMENTED:
            comments.setdefault(i.host_id, []).append(i.at)
        elif i.kind == FOLLOW_CHANGE:
            follows.setdefault(i.host_id, []).append(TimedValue(i.at, i.value))
        elif i.kind == TIER_CHANGE:
            tiers.setdefault(i.host_id, []).append(TimedValue(i.at, i.value))
    reports: dict[str, list[int]] = {}
    for host_id, confirmed_at in record.confirmed_reports:
        reports.setdefault(host_id, []).append(confirmed_at)

    pairs: list[PairFacts] = []
    buyer_id = record.buyer_id
    hosts = sorted(
        set(by_host) | set(watches) | set(comments) | set(follows) | set(tiers) | set(reports)
    )
    for h in hosts:
        pairs.append(
            PairFacts(
                buyer_id=buyer_id,
                target_id=h,
                target_kind=HOST,
                orders=tuple(by_host.get(h, ())),
                watches=_by_time(watches.get(h, ())),
                comments=tuple(sorted(comments.get(h, ()))),
                follow_changes=_by_time(follows.get(h, ())),
                tier_changes=_by_time(tiers.get(h, ())),
                confirmed_reports=tuple(sorted(reports.get(h, ()))),
            )
        )
    for s in sorted(by_shop):
        shop_orders = tuple(by_shop[s])
        # The live rooms the shop's goods were bought in: watching and comments in any of them
        # count; follow and fan-club tier are those of the room most of the orders came from
        # (ties: lowest host id), since a follow timeline of one host cannot be merged with
        # another's.
        rooms = Counter(o.host_id for o in shop_orders)
        main = min(rooms, key=lambda h: (-rooms[h], h))
        pairs.append(
            PairFacts(
                buyer_id=buyer_id,
                target_id=s,
                target_kind=SHOP,
                orders=shop_orders,
                watches=_by_time(v for h in rooms for v in watches.get(h, ())),
                comments=tuple(sorted(c for h in rooms for c in comments.get(h, ()))),
                follow_changes=_by_time(follows.get(main, ())),
                tier_changes=_by_time(tiers.get(main, ())),
            )
        )
    return pairs


def weigh_buyer(
    record: BuyerRecord, pairs: list[PairFacts], policy: Policy, as_of: int
) -> BuyerWeight:
    """The buyer's anti-gaming weight from all of its orders and interactions."""
    orders = [o for p in pairs if p.target_kind == SHOP for o in p.orders]
    interactions = [i.at for i in record.interactions]
    sessions = [(i.host_id, i.at, i.value) for i in record.interactions if i.kind == WATCHED]
    weight = buyer_weight(
        record.buyer_id,
        record.registered_at,
        orders,
        interactions,
        policy.buyers,
        as_of,
        watch_sessions=sessions,
    )
    ring = record.ring_id
    if ring is not None and weight.weight > policy.rings.member_weight:
        # A member of a detected brushing ring (scoring/rings.py): its evidence counts at most
        # rings.member_weight, whatever the account's own signals say; so do its claims, but
        # (v3) against its group's own shops and hosts, where they keep the account's own weight.
        cap = policy.rings.member_weight
        own = weight.claim_weight if policy.rings.own_claims_at_targets else None
        return dataclasses.replace(
            weight,
            weight=cap,
            signals=(*weight.signals, "RING"),
            reasons=(
                *weight.reasons,
                ("RING", f"member of the {_group_word(ring)} {ring} (weight at most {cap:g})"),
            ),
            credibility=min(cap, weight.claim_weight),
            target_credibility=own,
            own_weight=weight.weight,
        )
    return weight


def _group_word(group_id: str) -> str:
    if group_id.startswith("lockstep/"):
        return "lockstep group"
    if group_id.startswith("crowd/"):
        return "weighed crowd"
    if group_id.startswith("burst/"):
        return "claim burst"
    return "dense block" if group_id.startswith("dense/") else "brushing ring"


def base_rate(kind: str, rights: Sequence[str], policy: Policy) -> float:
    """Where a pair with no evidence starts: a shop's platform trust (from its trust rights), a
    host's neutral base rate."""
    if kind == SHOP:
        return platform_trust(rights, policy.trust)
    return policy.trust.model.neutral_base_rate


def score(
    facts: PairFacts, policy: Policy, at: int, weight: float, rights: Sequence[str] = ()
) -> PairTrust:
    """One pair's trust as of ``at``, its positive evidence counted at the buyer's ``weight``; a
    shop's pair starts from the shop's platform trust (``rights``: the shop's trust rights)."""
    if facts.target_kind == SHOP:
        return score_pair(
            facts,
            policy.trust,
            at,
            platform_base_rate=platform_trust(rights, policy.trust),
            buyer_weight=weight,
        )
    return score_pair(facts, policy.trust, at, buyer_weight=weight)


def score_buyer(
    record: BuyerRecord, policy: Policy, as_of: int
) -> tuple[BuyerWeight, list[PairTrust]]:
    """The weight of one buyer and the trust of every pair of its record."""
    pairs = build_pair_facts(record)
    weight = weigh_buyer(record, pairs, policy, as_of)
    return weight, [
        score(p, policy, as_of, weight.weight, record.shop_rights.get(p.target_id, ()))
        for p in pairs
    ]


def weight_row(w: BuyerWeight, as_of: int) -> dict[str, Any]:
    """A BuyerWeight as the row of ``derived/write_buyer_weights``."""
    return {
        "buyerId": w.buyer_id,
        "weight": w.weight,
        "signals": list(w.signals),
        "reasons": [message for _, message in w.reasons],
        "credibility": w.credibility,
        "targetCredibility": w.target_credibility,
        "ownWeight": w.own_weight,
        "shops": w.shops,
        "hosts": w.hosts,
        "asOf": as_of,
    }


def full_weight(buyer_id: str) -> BuyerWeight:
    """The weight of a buyer with no facts at all (nothing to weigh)."""
    return BuyerWeight(buyer_id, 1.0, (), ())


def trust_row(t: PairTrust) -> dict[str, Any]:
    """A PairTrust as the row of ``derived/write_*_trust``: the ids, and the relationship's
    properties, which replace all of its old ones. The reasons are stored as their codes; the
    sentences and the next-level hint are computed when a client reads one pair (from the facts,
    as of the time it asks), which keeps the bulk write of a rebuild about a third cheaper."""
    return {
        "buyerId": t.buyer_id,
        "targetId": t.target_id,
        "props": {
            "level": t.level,
            "score": t.score,
            "confidence": t.confidence,
            "belief": t.belief,
            "disbelief": t.disbelief,
            "uncertainty": t.uncertainty,
            "distrust": t.distrust,
            "personalScore": t.personal_score,
            "platformTrust": t.platform_trust,
            "satisfiedOrders": t.satisfied_orders,
            "distinctMonths": t.distinct_months,
            "reasons": [code for code, _ in t.reasons],
            "asOf": t.as_of,
            "policyVersion": t.policy_version,
        },
    }
