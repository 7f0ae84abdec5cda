"""`trustgraph rescore`: the full rebuild of all derived state from the facts.

1. Pages through all buyers in id order: weights and pair trust of each page
   (:func:`graph_api.derive.score_buyers`), written in one transaction per page.
2. Pages through all shops, then all hosts: metrics, badges and boost
   (:func:`graph_api.derive.evaluate_standings`), written to their Standing nodes.

Deterministic: two runs with the same as-of on the same graph leave identical state (badge
hysteresis included: see :mod:`graph_api.derive.standing`), and the result equals what the
incremental path (:class:`graph_api.derive.Deriver`) leaves when it evaluated at the same time.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph_api.derive.log import advance_derived, read_positions
from graph_api.derive.passes import Writes, evaluate_standings, score_buyers
from graph_api.derive.snapshot import RescoreChanges
from graph_api.derive.standing import facts_since
from graph_api.derive.windows import WindowOrders
from graph_api.json_fields import json_fields
from graph_api.store import BuyerRecord, EntityRecord, Store
from scoring.pair_trust import HOST, LEVELS, SHOP
from scoring.policy import Policy

R = TypeVar("R")  # the record type of a page (BuyerRecord or EntityRecord)


@dataclass
class RescoreSummary:
    as_of: int
    policy_version: str
    buyers: int = 0  # buyers read (every page)
    buyers_with_pairs: int = 0
    reweighted: int = 0  # buyers whose anti-gaming weight is below 1
    pairs: Counter[str] = field(default_factory=Counter)  # by target kind
    levels: dict[str, Counter[str]] = field(default_factory=dict)  # kind -> level -> n
    standings: Counter[str] = field(default_factory=Counter)  # shops and hosts evaluated, by kind
    badges: Counter[str] = field(default_factory=Counter)  # "SHOP:TRUST_PURCHASE" -> holders
    tiers: Counter[str] = field(default_factory=Counter)  # "HOST:SUPPRESSED" -> n
    seconds: float = 0.0
    changes: RescoreChanges | None = None  # what it changed (Trustgraph.rescore fills it in)

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
            **json_fields(self, "as_of", "policy_version", "buyers", "buyers_with_pairs"),
            "pairs": {k: self.pairs.get(k, 0) for k in (HOST, SHOP)},
            "levels": {
                k: {lv: self.levels.get(k, Counter()).get(lv, 0) for lv in LEVELS}
                for k in (HOST, SHOP)
            },
            "reweighted": self.reweighted,
            "standings": {k: self.standings.get(k, 0) for k in (SHOP, HOST)},
            "badges": dict(sorted(self.badges.items())),
            "tiers": dict(sorted(self.tiers.items())),
            "changes": self.changes.to_dict() if self.changes is not None else None,
            "seconds": round(self.seconds, 3),
            "pairsPerSecond": round(self.pairs_per_second, 1),
        }


# -- the rebuild --------------------------------------------------------------------------------


def rescore_all(
    store: Store,
    policy: Policy,
    as_of: int,
    batch_buyers: int = 2000,
    progress: Callable[[int], object] | None = None,
    batch_entities: int = 100,
) -> RescoreSummary:
    """Rebuild all derived state as of ``as_of`` (epoch ms). ``progress`` is called with the
    number of buyers, shops or hosts done after each page.

    Pipelined: while Python scores page k, Neo4j reads page k+1 and writes page k-1 (two worker
    threads; the driver releases the GIL while it waits on the socket), so the database's work
    and ours overlap on the two cores instead of taking turns.

    Every TRUST relationship of the graph is rewritten (``SET t = row.props`` replaces all its
    properties): the pairs scored are exactly the pairs with facts, facts are never deleted, so
    nothing is left over from an earlier run and no delete pass is needed. Not atomic as a whole:
    a failure leaves the pages written so far; running it again completes the rebuild."""
    if batch_buyers < 1:
        raise ValueError("batch_buyers must be at least 1")
    if batch_entities < 1:
        raise ValueError("batch_entities must be at least 1")
    started = time.perf_counter()
    summary = RescoreSummary(as_of=as_of, policy_version=policy.version)
    # A rebuild at (or after) the clock covers every batch logged before it began (read first:
    # their events are then at or before the clock), so the ingest log's deriver need not derive
    # them again. One at an earlier time covers none of them.
    logged = read_positions(store).ingested
    clock = store.latest_event_at()
    with _fewer_collections():
        _rebuild(store, policy, as_of, batch_buyers, batch_entities, progress, summary)
    if logged and clock is not None and as_of >= clock:
        advance_derived(store, logged)
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while pages of facts are alive: the rows and
    facts hold no reference cycles, and a full collection traverses every live object, so the
    default thresholds cost about a quarter of the scoring time (measured)."""
    old = gc.get_threshold()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _rebuild(
    store: Store,
    policy: Policy,
    as_of: int,
    batch_buyers: int,
    batch_entities: int,
    progress: Callable[[int], object] | None,
    summary: RescoreSummary,
) -> None:
    since, violation_since = facts_since(policy, as_of)
    windows = WindowOrders(since, as_of)

    def score_page(ids: list[str], records: Iterable[BuyerRecord]) -> Writes:
        writes, weights, trusts = score_buyers(records, ids, policy, as_of, windows.add)
        summary.buyers += len(ids)
        summary.buyers_with_pairs += len({t.buyer_id for t in trusts})
        summary.reweighted += sum(1 for w in weights if w.weight < 1.0)
        for t in trusts:
            summary.pairs[t.target_kind] += 1
            summary.levels.setdefault(t.target_kind, Counter())[t.level] += 1
        return writes

    _pipeline(
        store,
        "features/buyer_ids",
        batch_buyers,
        lambda ids: store.buyer_record_stream(ids, as_of),
        score_page,
        progress,
    )

    for kind, ids_query in ((SHOP, "features/shop_ids"), (HOST, "features/host_ids")):

        def evaluate_page(
            ids: list[str], records: Iterable[EntityRecord], kind: str = kind
        ) -> Writes:
            writes, results = evaluate_standings(records, kind, policy, as_of)
            for r in results:
                summary.standings[kind] += 1
                for badge in r.record["badges"]:
                    summary.badges[f"{kind}:{badge}"] += 1
                summary.tiers[f"{kind}:{r.record['tier']}"] += 1
            return writes

        def read_page(ids: list[str], kind: str = kind) -> Iterator[EntityRecord]:
            # The orders and buyers are in hand (WindowOrders); only the rest is read.
            profiles = store.entity_profile_stream(kind, ids, as_of, violation_since)
            return windows.records(profiles)

        _pipeline(store, ids_query, batch_entities, read_page, evaluate_page, progress)


def _pipeline(
    store: Store,
    ids_query: str,
    size: int,
    read: Callable[[list[str]], Iterable[R]],
    compute: Callable[[list[str], Iterable[R]], Writes],
    progress: Callable[[int], object] | None,
) -> None:
    """Page through the ids of ``ids_query`` (keyset paging, id order); per page read the facts,
    compute (in this thread) and write, with the next read and the previous write in flight.
    ``read`` returns the records as a stream (see ``FactReader``): the reading thread only waits
    on the socket, and decoding runs here, where the scoring holds the GIL anyway."""

    def read_next(after: str) -> tuple[list[str], Iterable[R]]:
        ids = [r["id"] for r in store.rows(ids_query, after=after, limit=size)]
        return ids, (read(ids) if ids else ())

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="trustgraph-rescore") as pool:
        reading: Future[tuple[list[str], Iterable[R]]] = pool.submit(read_next, "")
        writing: Future[None] | None = None
        while True:
            ids, rows = reading.result()
            if not ids:
                break
            reading = pool.submit(read_next, ids[-1])
            writes = compute(ids, rows)
            if writing is not None:
                writing.result()  # one write in flight at a time: pages land in order
            writing = pool.submit(store.write_all, writes)
            if progress is not None:
                progress(len(ids))
        if writing is not None:
            writing.result()
