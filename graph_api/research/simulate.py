"""Policy what-if: evaluate a candidate policy over the whole graph, writing nothing, and report
what would change against the policy in force, both computed from the same facts at the same
time: level shifts of buyer-host and buyer-shop pairs, badges gained and lost, boost tier changes
and multipliers raised or lowered, with examples. (``trustgraph simulate --policy FILE``.)

Both sides are computed fresh, so the report isolates the policy's effect from staleness of the
stored state. Badge hysteresis starts, on both sides, from the stored state of each shop and
host, as a rescore would.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph_api.derive.passes import (
    StandingResult,
    evaluate_standings,
    score_buyers,
    standing_records,
)
from graph_api.store import Store
from scoring.policy import Policy


@dataclass
class Simulation:
    as_of: int
    current: str
    candidate: str
    pairs: int = 0
    buyers: int = 0
    entities: int = 0
    level_shifts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (kind, from, to)
    badges_gained: Counter[str] = field(default_factory=Counter)  # "SHOP:TRUST_PURCHASE"
    badges_lost: Counter[str] = field(default_factory=Counter)
    tier_changes: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (kind, from, to)
    # Traffic multipliers that moved (within a tier too):
    # (kind, RAISED|LOWERED) -> count, summed change
    boost_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    boost_deltas: dict[tuple[str, str], float] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    def example(self, what: str, text: str, limit: int) -> None:
        items = self.examples.setdefault(what, [])
        if len(items) < limit:
            items.append(text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of,
            "currentPolicy": self.current,
            "candidatePolicy": self.candidate,
            "buyers": self.buyers,
            "pairs": self.pairs,
            "shopsAndHosts": self.entities,
            "levelShifts": [
                {"kind": k, "from": a, "to": b, "pairs": n}
                for (k, a, b), n in sorted(self.level_shifts.items())
            ],
            "badgesGained": dict(sorted(self.badges_gained.items())),
            "badgesLost": dict(sorted(self.badges_lost.items())),
            "tierChanges": [
                {"kind": k, "from": a, "to": b, "count": n}
                for (k, a, b), n in sorted(self.tier_changes.items())
            ],
            "boostChanges": [
                {
                    "kind": k,
                    "direction": d,
                    "count": n,
                    "meanChange": round(self.boost_deltas[(k, d)] / n, 4),
                }
                for (k, d), n in sorted(self.boost_changes.items())
            ],
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
        }


def simulate(
    store: Store,
    current: Policy,
    candidate: Policy,
    as_of: int,
    *,
    examples: int = 5,
    page: int = 1000,
    progress: Callable[[int], object] | None = None,
) -> Simulation:
    """Compare ``candidate`` with ``current`` over every pair, shop and host, as of ``as_of``."""
    started = time.perf_counter()
    sim = Simulation(as_of=as_of, current=current.version, candidate=candidate.version)
    for ids in store.id_pages("features/buyer_ids", page):
        records = store.buyer_records(ids, as_of)
        _, _, now = score_buyers(records, ids, current, as_of)
        _, _, then = score_buyers(records, ids, candidate, as_of)
        for a, b in zip(now, then, strict=True):
            sim.pairs += 1
            if a.level != b.level:
                sim.level_shifts[(a.target_kind, a.level, b.level)] += 1
                sim.example(
                    f"{a.target_kind} {a.level} -> {b.level}",
                    f"{a.buyer_id} -> {a.target_id}: score {a.score:.3f} -> {b.score:.3f}",
                    examples,
                )
        sim.buyers += len(ids)
        if progress is not None:
            progress(len(ids))
    for kind, ids_query in (("SHOP", "features/shop_ids"), ("HOST", "features/host_ids")):
        for ids in store.id_pages(ids_query, 200):
            facts = standing_records(store, kind, ids, current, as_of)
            _, standing_now = evaluate_standings(facts, kind, current, as_of)
            if candidate.entity.metrics != current.entity.metrics:  # other windows: other facts
                facts = standing_records(store, kind, ids, candidate, as_of)
            _, standing_then = evaluate_standings(facts, kind, candidate, as_of)
            for old, new in zip(standing_now, standing_then, strict=True):
                _compare_standings(sim, kind, old, new, examples)
            if progress is not None:
                progress(len(ids))
    sim.seconds = time.perf_counter() - started
    return sim


def _compare_standings(
    sim: Simulation, kind: str, a: StandingResult, b: StandingResult, examples: int
) -> None:
    """Count what moved between one shop's or host's standing under the two policies."""
    sim.entities += 1
    old, new = set(a.record["badges"]), set(b.record["badges"])
    for badge in sorted(new - old):
        sim.badges_gained[f"{kind}:{badge}"] += 1
        sim.example(f"{kind} gains {badge}", a.entity_id, examples)
    for badge in sorted(old - new):
        sim.badges_lost[f"{kind}:{badge}"] += 1
        sim.example(f"{kind} loses {badge}", a.entity_id, examples)
    before, after = a.record["multiplier"], b.record["multiplier"]
    if abs(after - before) > 1e-9:
        key = (kind, "RAISED" if after > before else "LOWERED")
        sim.boost_changes[key] += 1
        sim.boost_deltas[key] = sim.boost_deltas.get(key, 0.0) + (after - before)
        sim.example(
            f"{kind} boost {key[1].lower()}",
            f"{a.entity_id}: multiplier {before:.2f} -> {after:.2f}",
            examples,
        )
    if a.record["tier"] != b.record["tier"]:
        sim.tier_changes[(kind, a.record["tier"], b.record["tier"])] += 1
        sim.example(
            f"{kind} tier {a.record['tier']} -> {b.record['tier']}",
            f"{a.entity_id}: multiplier {a.record['multiplier']:.2f} "
            f"-> {b.record['multiplier']:.2f}",
            examples,
        )
