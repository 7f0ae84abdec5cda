"""`trustgraph rescore`: the full rebuild of pair trust (the TRUST relationships).

Deletes every TRUST relationship, then pages through all buyers in id order; for each page it
reads the facts of every pair (one record per buyer, :meth:`Store.pair_facts_rows`), builds
:class:`scoring.facts.PairFacts` with every list sorted (so the input of scoring does not depend
on the order in which Neo4j lists things), scores each pair with the pure model
(:func:`scoring.pair_trust.score_pair`) and writes the page's TRUST rows in one transaction.

Pairs scored:

* buyer -> host: every host the buyer ordered from (orders placed in the host's live room), or
  watched, commented on, followed, joined the fan club of, or filed a confirmed false-ad report
  against. A follower who never bought has evidence (the follow), so the pair is scored; without
  a satisfied order it stays a STRANGER (docs/trust-model.md, Levels).
* buyer -> shop: every shop that fulfilled one of the buyer's orders. In this first version a
  shop pair has ONLY the orders: no interactions (watching, comments, follows and fan club are
  with hosts, and which of them to credit to which shop is not decided yet) and no reports (a
  false-ad report is against the host). The base rate is the shop's platform trust, from its
  trust rights as of ``as_of``.

Nothing but the facts and ``as_of`` goes in (no buyer weights yet: ``buyer_weight`` is 1), so
two runs with the same ``as_of`` on the same graph write identical relationships.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from graph_api.store import Store
from scoring.facts import Complaint, Inspection, OrderFact, PairFacts, TimedValue
from scoring.pair_trust import HOST, LEVELS, SHOP, PairTrust, platform_trust, score_pair
from scoring.policy import Policy


@dataclass
class RescoreSummary:
    as_of: int
    policy_version: str
    buyers: int = 0  # buyers read (every page)
    buyers_with_pairs: int = 0
    deleted: int = 0  # TRUST relationships removed first
    pairs: Counter[str] = field(default_factory=Counter)  # by target kind
    levels: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> level -> n
    seconds: float = 0.0

    @property
    def total_pairs(self) -> int:
        return sum(self.pairs.values())

    @property
    def pairs_per_second(self) -> float:
        return self.total_pairs / self.seconds if self.seconds > 0 else 0.0

    def level_counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for c in self.levels.values():
            total.update(c)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of,
            "policyVersion": self.policy_version,
            "buyers": self.buyers,
            "buyersWithPairs": self.buyers_with_pairs,
            "deleted": self.deleted,
            "pairs": {k: self.pairs.get(k, 0) for k in (HOST, SHOP)},
            "levels": {k: {lv: self.levels.get(k, Counter()).get(lv, 0) for lv in LEVELS} for k in (HOST, SHOP)},
            "seconds": round(self.seconds, 3),
            "pairsPerSecond": round(self.pairs_per_second, 1),
        }


# -- facts: raw rows -> PairFacts -----------------------------------------------------------------

def _order(row: list[Any], buyer_id: str) -> OrderFact:
    (order_id, host_id, shop_id, placed_at, amount, item_id, category, delivered_at, refunded_at,
     refund_reason, returned, reviews, complaints, inspections) = row
    rating = reviewed_at = None
    if reviews:
        # The latest review counts; on a tie in time the highest review id (deterministic).
        at, stars, _ = max(reviews, key=lambda r: (r[0], r[2]))
        rating, reviewed_at = stars, at
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
        rating=rating,
        reviewed_at=reviewed_at,
        complaints=tuple(sorted((Complaint(at, reason) for at, reason in complaints), key=lambda c: (c.at, c.reason))),
        inspections=tuple(sorted((Inspection(at, kind, passed) for at, kind, passed in inspections),
                                 key=lambda i: (i.at, i.kind, i.passed))),
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
        # First version: a shop pair is its orders only (no interactions, no reports).
        pairs.append(PairFacts(buyer_id=buyer_id, target_id=s, target_kind=SHOP,
                               orders=tuple(sorted(by_shop[s], key=_order_key))))
    rights = {shop_id: sorted(r or []) for shop_id, r in row["shops"]}
    return pairs, rights


def score_buyer(row: dict[str, Any], policy: Policy, as_of: int) -> list[PairTrust]:
    """Score every pair of one buyer's facts record."""
    pairs, rights = build_pair_facts(row)
    out = []
    for facts in pairs:
        if facts.target_kind == SHOP:
            base = platform_trust(rights.get(facts.target_id, ()), policy.trust)
            out.append(score_pair(facts, policy.trust, as_of, platform_base_rate=base))
        else:
            out.append(score_pair(facts, policy.trust, as_of))
    return out


def trust_row(t: PairTrust) -> dict[str, Any]:
    """A PairTrust as the row of ``derived/write_*_trust``."""
    return {
        "buyerId": t.buyer_id,
        "targetId": t.target_id,
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
        "reasonMessages": [message for _, message in t.reasons],
        "nextLevel": t.next_level,
        "asOf": t.as_of,
        "policyVersion": t.policy_version,
    }


# -- the rebuild --------------------------------------------------------------------------------

def rescore_all(
    store: Store,
    policy: Policy,
    as_of: int,
    batch_buyers: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> RescoreSummary:
    """Rebuild every TRUST relationship as of ``as_of`` (epoch ms). ``progress`` is called with
    the number of buyers done after each page. Not atomic as a whole: a failure leaves the pages
    written so far, and running it again starts from nothing."""
    if batch_buyers < 1:
        raise ValueError("batch_buyers must be at least 1")
    started = time.perf_counter()
    summary = RescoreSummary(as_of=as_of, policy_version=policy.version)
    summary.deleted = store.delete_pair_trust()
    after = ""
    while True:
        ids = store.buyer_ids_page(after, batch_buyers)
        if not ids:
            break
        after = ids[-1]
        host_rows: list[dict[str, Any]] = []
        shop_rows: list[dict[str, Any]] = []
        for row in store.pair_facts_rows(ids, as_of):
            trusts = score_buyer(row, policy, as_of)
            if trusts:
                summary.buyers_with_pairs += 1
            for t in trusts:
                (host_rows if t.target_kind == HOST else shop_rows).append(trust_row(t))
                summary.pairs[t.target_kind] += 1
                summary.levels.setdefault(t.target_kind, Counter())[t.level] += 1
        store.write_pair_trust(host_rows, shop_rows)
        summary.buyers += len(ids)
        if progress is not None:
            progress(len(ids))
    summary.seconds = time.perf_counter() - started
    return summary
