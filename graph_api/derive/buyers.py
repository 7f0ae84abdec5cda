"""Buyers' weights and pair trust from one buyer's facts record (``features/pair_facts``).

Turns the raw rows into :class:`scoring.facts.PairFacts` with every list sorted (so the input of
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

from collections import Counter
from typing import Any

from scoring.buyer_weight import BuyerWeight, buyer_weight
from scoring.facts import Complaint, Inspection, OrderFact, PairFacts, TimedValue
from scoring.pair_trust import HOST, SHOP, PairTrust, platform_trust, score_pair
from scoring.policy import Policy


# -- facts: raw rows -> PairFacts -----------------------------------------------------------------

def order_outcomes(reviews: list[Any], complaints: list[Any], inspections: list[Any]) -> dict[str, Any]:
    """An order's outcomes as OrderFact fields, from the nested lists of the feature queries
    (``[[at, rating, reviewId]]``, ``[[at, reason]]``, ``[[at, kind, passed]]``), sorted so the
    result does not depend on Neo4j's order. The latest review counts; on a tie in time the
    highest review id (deterministic)."""
    rating = reviewed_at = None
    if reviews:
        at, stars, _ = max(reviews, key=lambda r: (r[0], r[2]))
        rating, reviewed_at = stars, at
    return {
        "rating": rating,
        "reviewed_at": reviewed_at,
        "complaints": tuple(sorted((Complaint(at, reason) for at, reason in complaints),
                                   key=lambda c: (c.at, c.reason))),
        "inspections": tuple(sorted((Inspection(at, kind, passed) for at, kind, passed in inspections),
                                    key=lambda i: (i.at, i.kind, i.passed))),
    }


def _order(row: list[Any], buyer_id: str) -> OrderFact:
    (order_id, host_id, shop_id, placed_at, amount, item_id, category, delivered_at, refunded_at,
     refund_reason, returned, reviews, complaints, inspections) = row
    return OrderFact(
        order_id=order_id,
        buyer_id=buyer_id,
        host_id=host_id,
        shop_id=shop_id,
        placed_at=placed_at,
        amount=float(amount),
        item_id=item_id,
        category=category,
        delivered_at=delivered_at,
        refunded_at=refunded_at,
        refund_reason=refund_reason,
        returned=returned,
        **order_outcomes(reviews, complaints, inspections),
    )


def _order_key(o: OrderFact) -> tuple[int, str]:
    return (o.placed_at, o.order_id)


def build_pair_facts(row: dict[str, Any]) -> tuple[list[PairFacts], dict[str, list[str]]]:
    """The PairFacts of one buyer (hosts first, then shops, each by id) and the rights of the
    shops they ordered from, from one record of ``features/pair_facts``."""
    buyer_id = row["buyerId"]
    orders = [_order(o, buyer_id) for o in row["orders"]]
    by_host: dict[str, list[OrderFact]] = {}
    by_shop: dict[str, list[OrderFact]] = {}
    for o in orders:
        by_host.setdefault(o.host_id, []).append(o)
        by_shop.setdefault(o.shop_id, []).append(o)

    watches: dict[str, list[TimedValue]] = {}
    comments: dict[str, list[int]] = {}
    follows: dict[str, list[TimedValue]] = {}
    tiers: dict[str, list[TimedValue]] = {}
    for host_id, kind, at, value in row["interactions"]:
        if kind == "WATCHED":
            watches.setdefault(host_id, []).append(TimedValue(at, float(value)))
        elif kind == "COMMENTED":
            comments.setdefault(host_id, []).append(at)
        elif kind == "FOLLOW_CHANGE":
            follows.setdefault(host_id, []).append(TimedValue(at, float(value)))
        elif kind == "TIER_CHANGE":
            tiers.setdefault(host_id, []).append(TimedValue(at, float(value)))
    reports: dict[str, list[int]] = {}
    for host_id, confirmed_at in row["reports"]:
        reports.setdefault(host_id, []).append(confirmed_at)

    pairs: list[PairFacts] = []
    hosts = sorted(set(by_host) | set(watches) | set(comments) | set(follows) | set(tiers) | set(reports))
    for h in hosts:
        pairs.append(PairFacts(
            buyer_id=buyer_id,
            target_id=h,
            target_kind=HOST,
            orders=tuple(sorted(by_host.get(h, ()), key=_order_key)),
            watches=tuple(sorted(watches.get(h, ()), key=lambda v: (v.at, v.value))),
            comments=tuple(sorted(comments.get(h, ()))),
            follow_changes=tuple(sorted(follows.get(h, ()), key=lambda v: (v.at, v.value))),
            tier_changes=tuple(sorted(tiers.get(h, ()), key=lambda v: (v.at, v.value))),
            confirmed_reports=tuple(sorted(reports.get(h, ()))),
        ))
    for s in sorted(by_shop):
        shop_orders = tuple(sorted(by_shop[s], key=_order_key))
        # The live rooms the shop's goods were bought in: watching and comments in any of them
        # count; follow and fan-club tier are those of the room most of the orders came from
        # (ties: lowest host id), since a follow timeline of one host cannot be merged with
        # another's.
        rooms = Counter(o.host_id for o in shop_orders)
        main = min(rooms, key=lambda h: (-rooms[h], h))
        pairs.append(PairFacts(
            buyer_id=buyer_id,
            target_id=s,
            target_kind=SHOP,
            orders=shop_orders,
            watches=tuple(sorted((v for h in rooms for v in watches.get(h, ())), key=lambda v: (v.at, v.value))),
            comments=tuple(sorted(c for h in rooms for c in comments.get(h, ()))),
            follow_changes=tuple(sorted(follows.get(main, ()), key=lambda v: (v.at, v.value))),
            tier_changes=tuple(sorted(tiers.get(main, ()), key=lambda v: (v.at, v.value))),
        ))
    rights = {shop_id: sorted(r or []) for shop_id, r in row["shops"]}
    return pairs, rights


def weigh_buyer(row: dict[str, Any], pairs: list[PairFacts], policy: Policy, as_of: int) -> BuyerWeight:
    """The buyer's anti-gaming weight from all of its orders and interactions."""
    orders = [o for p in pairs if p.target_kind == SHOP for o in p.orders]
    interactions = [i[2] for i in row["interactions"]]
    weight = buyer_weight(row["buyerId"], row.get("registeredAt"), orders, interactions, policy.buyers, as_of)
    ring = row.get("ringId")
    if ring is not None and weight.weight > policy.rings.member_weight:
        # A member of a detected brushing ring (scoring/rings.py): its evidence counts at most
        # rings.member_weight, whatever the account's own signals say.
        return BuyerWeight(weight.buyer_id, policy.rings.member_weight, (*weight.signals, "RING"),
                           (*weight.reasons, ("RING", f"member of the brushing ring {ring} "
                                                      f"(weight at most {policy.rings.member_weight:g})")))
    return weight


def score_buyer(row: dict[str, Any], policy: Policy, as_of: int) -> tuple[BuyerWeight, list[PairTrust]]:
    """The weight of one buyer and the trust of every pair of its facts record."""
    pairs, rights = build_pair_facts(row)
    weight = weigh_buyer(row, pairs, policy, as_of)
    w = weight.weight
    out = []
    for facts in pairs:
        if facts.target_kind == SHOP:
            base = platform_trust(rights.get(facts.target_id, ()), policy.trust)
            out.append(score_pair(facts, policy.trust, as_of, platform_base_rate=base, buyer_weight=w))
        else:
            out.append(score_pair(facts, policy.trust, as_of, buyer_weight=w))
    return weight, out


def weight_row(w: BuyerWeight, as_of: int) -> dict[str, Any]:
    """A BuyerWeight as the row of ``derived/write_buyer_weights``."""
    return {"buyerId": w.buyer_id, "weight": w.weight, "signals": list(w.signals),
            "reasons": [message for _, message in w.reasons], "asOf": as_of}


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


