"""`trustgraph rescore`: the full rebuild of all derived state from the facts.

1. Deletes every TRUST relationship, so the result depends only on the facts and the as-of.
2. Pages through all buyers in id order: weights and pair trust of each page
   (:func:`graph_api.derive.buyer_pass`), written in one transaction per page.
3. Pages through all shops, then all hosts: metrics, badges and boost
   (:func:`graph_api.derive.standing_pass`), written to their Standing nodes.

Deterministic: two runs with the same as-of on the same graph leave identical state (badge
hysteresis included: see :mod:`graph_api.standing`), and the result equals what the incremental
path (:class:`graph_api.derive.Deriver`) leaves when it evaluated at the same time.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from graph_api.derive import buyer_pass, standing_pass
from graph_api.store import Store
from scoring.pair_trust import HOST, LEVELS, SHOP
from scoring.policy import Policy


@dataclass
class RescoreSummary:
    as_of: int
    policy_version: str
    buyers: int = 0  # buyers read (every page)
    buyers_with_pairs: int = 0
    deleted: int = 0  # TRUST relationships removed first
    reweighted: int = 0  # buyers whose anti-gaming weight is below 1
    pairs: Counter[str] = field(default_factory=Counter)  # by target kind
    levels: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> level -> n
    standings: Counter[str] = field(default_factory=Counter)  # shops and hosts evaluated, by kind
    badges: Counter[str] = field(default_factory=Counter)  # "SHOP:TRUST_PURCHASE" -> holders
    tiers: Counter[str] = field(default_factory=Counter)  # "HOST:SUPPRESSED" -> n
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
            "reweighted": self.reweighted,
            "standings": {k: self.standings.get(k, 0) for k in (SHOP, HOST)},
            "badges": dict(sorted(self.badges.items())),
            "tiers": dict(sorted(self.tiers.items())),
            "seconds": round(self.seconds, 3),
            "pairsPerSecond": round(self.pairs_per_second, 1),
        }


# -- the rebuild --------------------------------------------------------------------------------

def rescore_all(
    store: Store,
    policy: Policy,
    as_of: int,
    batch_buyers: int = 2000,
    progress: Callable[[int], None] | None = None,
    batch_entities: int = 100,
) -> RescoreSummary:
    """Rebuild all derived state as of ``as_of`` (epoch ms). ``progress`` is called with the
    number of buyers, shops or hosts done after each page. Not atomic as a whole: a failure
    leaves the pages written so far, and running it again starts from nothing."""
    if batch_buyers < 1:
        raise ValueError("batch_buyers must be at least 1")
    if batch_entities < 1:
        raise ValueError("batch_entities must be at least 1")
    started = time.perf_counter()
    summary = RescoreSummary(as_of=as_of, policy_version=policy.version)
    summary.deleted = store.delete_pair_trust()
    for ids in _pages(store, "features/buyer_ids", batch_buyers):
        writes, weights, trusts = buyer_pass(store.rows, ids, policy, as_of)
        store.write_all(writes)
        summary.buyers += len(ids)
        summary.buyers_with_pairs += len({t.buyer_id for t in trusts})
        summary.reweighted += sum(1 for w in weights if w.weight < 1.0)
        for t in trusts:
            summary.pairs[t.target_kind] += 1
            summary.levels.setdefault(t.target_kind, Counter())[t.level] += 1
        if progress is not None:
            progress(len(ids))
    for kind, ids_query in ((SHOP, "features/shop_ids"), (HOST, "features/host_ids")):
        for ids in _pages(store, ids_query, batch_entities):
            writes, results = standing_pass(store.rows, kind, ids, policy, as_of)
            store.write_all(writes)
            for r in results:
                summary.standings[kind] += 1
                for badge in r.record["badges"]:
                    summary.badges[f"{kind}:{badge}"] += 1
                summary.tiers[f"{kind}:{r.record['tier']}"] += 1
            if progress is not None:
                progress(len(ids))
    summary.seconds = time.perf_counter() - started
    return summary


def _pages(store: Store, ids_query: str, size: int) -> Iterator[list[str]]:
    after = ""
    while True:
        ids = [r["id"] for r in store.rows(ids_query, after=after, limit=size)]
        if not ids:
            return
        yield ids
        after = ids[-1]
