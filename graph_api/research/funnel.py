"""The funnel over the stored graph: every pair's level path, rebuilt from its facts.

For each buyer (in id order, a page at a time) its facts as of the clock are read once
(``features/pair_facts``, as for a rescore), and each of its pairs is replayed with
:func:`scoring.timeline.level_changes`: scored at every moment something happened to it, and at
the moments decay alone moved it. The buyer's weight is taken as of each moment (a detected
ring's cap included), and a shop's platform trust from the rights the shop held at that moment
(``research/target_profiles`` has every shop's rights history). So the funnel reflects the policy
in force applied to the whole history, not whatever the stored TRUST said at the time.

Cost: several scorings per pair (about 20 for a pair of a few orders), so about 10x a rescore's
scoring; :func:`compute_funnel` caches its answer per (clock, policy version, arguments) so that the
GraphQL field and a report do not pay twice for the same question.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from graph_api.derive.buyers import build_pair_facts, score, weigh_buyer
from graph_api.store import BuyerRecord, Store
from scoring.facts import PairFacts
from scoring.funnel import DAY_MS, PLATFORM_TZ, Funnel, PairPath, build_funnel
from scoring.pair_trust import HOST, SHOP, PairTrust
from scoring.policy import Policy
from scoring.timeline import level_changes

# A decay crossing is placed to the hour: finer than any period the funnel counts by.
RESOLUTION_MS = 3_600_000


@dataclass(frozen=True)
class TargetProfile:
    category: str | None
    rights_times: tuple[int, ...] = ()  # shops: when the rights changed, ascending
    rights_sets: tuple[tuple[str, ...], ...] = ()  # ... and the full set from then on

    def rights_at(self, t: int) -> tuple[str, ...]:
        i = bisect_right(self.rights_times, t) - 1
        return self.rights_sets[i] if i >= 0 else ()


def target_profiles(store: Store) -> dict[tuple[str, str], TargetProfile]:
    out = {}
    for r in store.rows("research/target_profiles"):
        history = sorted(
            (at, rc_id, tuple(sorted(rights or ()))) for at, rights, rc_id in r["rights"]
        )
        out[(r["kind"], r["id"])] = TargetProfile(
            r["category"], tuple(h[0] for h in history), tuple(h[2] for h in history)
        )
    return out


def pair_paths(
    store: Store,
    policy: Policy,
    as_of: int,
    *,
    category: str | None = None,
    kind: str | None = None,
    batch: int = 500,
    progress: Callable[[int], object] | None = None,
) -> Iterator[PairPath]:
    """The level path of every pair (of this target ``kind`` and ``category``, or all) from its
    first fact to ``as_of``. ``progress`` is called with the number of buyers done per page."""
    profiles = target_profiles(store)
    for ids in store.id_pages("features/buyer_ids", batch):
        for record in store.buyer_records(ids, as_of):
            yield from _buyer_paths(record, profiles, policy, as_of, category, kind)
        if progress is not None:
            progress(len(ids))


def _buyer_paths(
    record: BuyerRecord,
    profiles: dict[tuple[str, str], TargetProfile],
    policy: Policy,
    as_of: int,
    category: str | None,
    kind: str | None,
) -> Iterator[PairPath]:
    pairs = build_pair_facts(record)
    weights: dict[int, float] = {}

    def weight_at(t: int) -> float:
        w = weights.get(t)
        if w is None:
            w = weights[t] = weigh_buyer(record, pairs, policy, t).weight
        return w

    for facts in pairs:
        if kind is not None and facts.target_kind != kind:
            continue
        profile = profiles.get((facts.target_kind, facts.target_id), TargetProfile(None))
        if category is not None and profile.category != category:
            continue

        def score_at(
            t: int, facts: PairFacts = facts, profile: TargetProfile = profile
        ) -> PairTrust:
            # A shop's platform trust comes from the rights it held at t (hosts have none).
            return score(facts, policy, t, weight_at(t), profile.rights_at(t))

        changes = level_changes(facts, score_at, as_of, RESOLUTION_MS, policy.trust)
        if not changes:
            continue
        first_at = changes[0].at
        yield PairPath(
            buyer_id=facts.buyer_id,
            kind=facts.target_kind,
            target_id=facts.target_id,
            category=profile.category,
            first_at=first_at,
            changes=tuple((c.at, c.to_level) for c in changes),
            rights_at_first=bool(profile.rights_at(first_at))
            if facts.target_kind == SHOP
            else None,
            tiers=tuple((v.at, v.value) for v in facts.tier_changes)
            if facts.target_kind == HOST
            else (),
        )


# -- the funnel, cached ---------------------------------------------------------------------------

_CACHE: OrderedDict[tuple[Any, ...], Funnel] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


def compute_funnel(
    store: Store,
    policy: Policy,
    *,
    clock: int,
    since: int | None = None,
    until: int | None = None,
    period: str = "MONTH",
    horizon_days: int = 90,
    category: str | None = None,
    kind: str | None = None,
    progress: Callable[[int], object] | None = None,
    tz: tzinfo = PLATFORM_TZ,
) -> Funnel:
    """The funnel of the graph as of ``clock`` (its latest event) over [since, until] (default:
    the first fact to the clock), its periods in the zone ``tz``. Cached per (clock, policy,
    arguments): any new event moves the clock, so a cached answer is never stale."""
    key = (
        id(store),
        clock,
        policy.version,
        since,
        until,
        period,
        horizon_days,
        category,
        kind,
        str(tz),
    )
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    paths = list(pair_paths(store, policy, clock, category=category, kind=kind, progress=progress))
    start = since if since is not None else min((p.first_at for p in paths), default=clock)
    end = until if until is not None else clock
    start = min(start, end)  # an until before every fact: one empty period, not an error
    result = build_funnel(paths, start, end, period, horizon_days, tz)
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


__all__ = [
    "DAY_MS",
    "RESOLUTION_MS",
    "TargetProfile",
    "compute_funnel",
    "pair_paths",
    "target_profiles",
]
