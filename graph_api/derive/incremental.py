"""The incremental path of derivation: after every ingested batch (read-your-writes),
:class:`Deriver` rescores the buyers and the shops and hosts the batch touched, before the ingest
call returns. The full rebuild (:func:`graph_api.derive.rebuild.rescore_all`) runs the same passes
(:mod:`graph_api.derive.passes`) over everything.

Both evaluate at one time, the graph's clock (the latest event time, kept by ingestion), and run
the same functions on the same feature rows, so they give identical state (tested on a seeded
platform: tests/integration/test_incremental.py).

What a batch touches (docs/trust-model.md, "Kept current"):

* buyers: every buyer an event names, the buyer of every order an order event refers to, the
  reporter of every confirmed report, and every buyer of a shop whose trust rights changed
  (their platform trust toward it moved);
* shops and hosts: every one an event names, the host and shop of every order an order event
  refers to, the host of every confirmed report; then, after the buyers are rescored, every
  shop and host toward which a touched buyer's level changed (its share of regulars moved), and
  all of them for a buyer whose weight or credibility changed (its orders or claims count
  differently).

Each pass runs in one write transaction that first takes the write locks of what it rescores
(in id order, so that two batches cannot deadlock), then reads the facts: a concurrent batch that
touches the same buyer waits and then sees our facts as well as its own.

The ingest log's deriver (``read_ahead``; graph_api.derive.log) is the one writer of derived
state while it holds its lease, and reads and scores each chunk *before* the chunk's write
transaction: every write transaction holds the graph's write gate, which ingestion waits for, so
a pass that read and scored inside it held ingestion up for all of that. The transaction then
takes the locks, checks that the derived-state counters (``derived/generation``: TRUST writes
and standing revisions, with their epochs) are those read before the reads, and writes. Moved
counters mean another writer (a rebuild, ring marks, a deriver of another process whose lease
ran out) wrote in between: the chunk is read and scored again inside the transaction, as above.
Facts ingested between the reads and the write need no check: their batches are in the log, after
the round's last entry, and the next round derives them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph_api.derive import standing
from graph_api.derive.passes import (
    Writes,
    buyer_pass,
    evaluate_standings,
    score_buyers,
    standing_pass,
)
from graph_api.derive.results import BadgeChange, DeriveResult, TrustChange
from graph_api.derive.windows import WindowCache
from graph_api.events import ORDER_REFERENCING
from graph_api.store import BuyerRecord, EntityRecord, FactReader, Store, Tx
from scoring.buyer_weight import BuyerWeight
from scoring.pair_trust import HOST, SHOP, PairTrust
from scoring.policy import Policy

log = logging.getLogger(__name__)

T = TypeVar("T")

TX_CHUNK = 500  # buyers, shops or hosts derived per write transaction (Deriver.derive)


@dataclass
class Touched:
    buyers: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    shops: set[str] = field(default_factory=set)
    order_ids: set[str] = field(default_factory=set)
    report_ids: set[str] = field(default_factory=set)
    rights_shops: set[str] = field(default_factory=set)

    def update(self, other: Touched) -> None:
        self.buyers |= other.buyers
        self.hosts |= other.hosts
        self.shops |= other.shops
        self.order_ids |= other.order_ids
        self.report_ids |= other.report_ids
        self.rights_shops |= other.rights_shops

    def log_params(self) -> dict[str, list[str]]:
        """What the ingest log keeps of a batch (``ingest/log_batch``; read back by
        :meth:`from_log`)."""
        return {
            "buyers": sorted(self.buyers),
            "hosts": sorted(self.hosts),
            "shops": sorted(self.shops),
            "orderIds": sorted(self.order_ids),
            "reportIds": sorted(self.report_ids),
            "rightsShops": sorted(self.rights_shops),
        }

    @classmethod
    def from_log(cls, row: dict[str, Any]) -> Touched:
        return cls(
            set(row["buyers"]),
            set(row["hosts"]),
            set(row["shops"]),
            set(row["orderIds"]),
            set(row["reportIds"]),
            set(row["rightsShops"]),
        )


def touched_by(events: Iterable[dict[str, Any]]) -> Touched:
    """What accepted events name directly (the graph adds the rest: see :meth:`Deriver.touched`)."""
    t = Touched()
    for e in events:
        kind = e["type"]
        if e.get("buyerId"):
            t.buyers.add(e["buyerId"])
        if e.get("hostId"):
            t.hosts.add(e["hostId"])
        if e.get("shopId"):
            t.shops.add(e["shopId"])
        if kind in ORDER_REFERENCING:
            t.order_ids.add(e["orderId"])
        elif kind == "FALSE_AD_CONFIRMED":
            t.report_ids.add(e["reportId"])
        elif kind == "SHOP_RIGHTS_CHANGED":
            t.rights_shops.add(e["shopId"])
    return t


class Deriver:
    """Keeps derived state current after each ingested batch (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        fence: Callable[[Tx], None] | None = None,
        windows: WindowCache | None = None,
        read_ahead: bool = False,
    ) -> None:
        """``read_ahead``: read and score each chunk before its write transaction, which then
        only checks that no one wrote derived state in between (module docstring): for the
        ingest log's deriver, the one writer of derived state while it holds the lease."""
        self.store = store
        self.policy = policy
        self.read_ahead = read_ahead
        self.redone = 0  # read-ahead chunks derived again in place (derived state moved)
        # Run first in every write transaction of a pass: the ingest log's deriver checks and
        # renews its lease there, so a deriver that lost it can commit nothing.
        self.fence = fence
        # The shops' and hosts' windows kept between rounds (graph_api.derive.windows), valid
        # while no one else writes derived state: ``_generation`` is the graph's derived-state
        # counters as this deriver's last transaction left them (derived/generation).
        self.windows = windows
        self._generation: list[Any] | None = None
        self._pending_generation: list[Any] | None = None

    def touched(self, events: Iterable[dict[str, Any]]) -> Touched:
        return self.expand(touched_by(events))

    def expand(self, t: Touched) -> Touched:
        """Add what the graph knows of what ``t`` names: the buyer, shop and host of each order,
        the reporter and host of each confirmed report, every buyer of a shop whose rights
        changed."""
        if t.order_ids or t.report_ids or t.rights_shops:
            row = self.store.rows(
                "features/touched",
                orderIds=sorted(t.order_ids),
                reportIds=sorted(t.report_ids),
                rightsShopIds=sorted(t.rights_shops),
            )[0]
            for _, buyer_id, host_id, shop_id in row["orders"]:
                t.buyers.add(buyer_id)
                t.hosts.add(host_id)
                t.shops.add(shop_id)
            for _, buyer_id, host_id in row["reports"]:
                t.buyers.add(buyer_id)
                t.hosts.add(host_id)
            t.buyers.update(row["shopBuyers"])
        return t

    def after_batch(
        self, accepted: Sequence[dict[str, Any]], position: int | None = None
    ) -> DeriveResult:
        """Rescore what ``accepted`` (events just committed) touched, as of the graph's clock.

        This path does not follow the ingest log (``position`` is not used): the log's own
        deriver (:class:`graph_api.derive.log.LogDeriver`) derives the batch again later, to the
        same state."""
        if not accepted:
            return DeriveResult()
        return self.derive(touched_by(accepted))

    def derive(self, named: Touched) -> DeriveResult:
        """Rescore what ``named`` names (and what the graph adds to it), as of the graph's
        clock: the buyers first, then the shops and hosts they and the events touched."""
        started = time.perf_counter()
        result = DeriveResult()
        as_of = self.store.latest_event_at()
        if as_of is None:
            return result
        result.as_of = as_of
        t = self.expand(named)
        # At most TX_CHUNK buyers, shops or hosts per transaction: every write transaction holds
        # the graph's write gate (Store.transact), so a long one would hold up ingestion; each
        # is scored on its own facts, so the chunks add up to the same state.
        cascade: dict[str, set[str]] = {SHOP: set(), HOST: set()}
        buyers = sorted(t.buyers)
        for start in range(0, len(buyers), TX_CHUNK):
            part = self._buyers(buyers[start : start + TX_CHUNK], as_of, result)
            for kind, reached in part.items():
                cascade[kind] |= reached
        for kind, direct in ((SHOP, t.shops), (HOST, t.hosts)):
            ids = sorted(direct | cascade[kind])
            for start in range(0, len(ids), TX_CHUNK):
                self._standings(kind, ids[start : start + TX_CHUNK], as_of, result)
        result.seconds = time.perf_counter() - started
        return result

    def _buyers(self, ids: list[str], as_of: int, result: DeriveResult) -> dict[str, set[str]]:
        if self.read_ahead:
            done = self._buyers_read_ahead(ids, as_of, result)
            if done is not None:
                return done
        policy = self.policy
        windows = self.windows
        scored: list[tuple[BuyerRecord, BuyerWeight, list[PairTrust]]] = []

        def work(tx: Tx) -> tuple[list[TrustChange], dict[str, set[str]]]:
            if self.fence is not None:
                self.fence(tx)
            tx.run("derived/lock_buyers", ids=ids, asOf=as_of)
            self._check_generation(tx)
            before = tx.rows("derived/buyer_state", ids=ids)
            scored.clear()
            if windows is None:
                writes, weights, trusts = buyer_pass(tx, ids, policy, as_of)
            else:
                writes, weights, trusts = score_buyers(
                    tx.buyer_record_stream(ids, as_of),
                    ids,
                    policy,
                    as_of,
                    lambda r, w, t: scored.append((r, w, t)),
                )
            changes, cascade = _trust_changes(before, weights, trusts, as_of)
            tx.write(
                [
                    *writes,
                    ("derived/record_changes", [c.log_row() for c in changes]),
                ]
            )
            self._end_generation(tx)
            return changes, cascade

        changes, cascade = self._transact(work)
        self._committed_buyers(ids, scored, changes, as_of, result)
        return cascade

    def _committed_buyers(
        self,
        ids: list[str],
        scored: list[tuple[BuyerRecord, BuyerWeight, list[PairTrust]]],
        changes: list[TrustChange],
        as_of: int,
        result: DeriveResult,
    ) -> None:
        if self.windows is not None:
            # Committed: the cached windows take the buyers' new parts.
            since = standing.facts_since(self.policy, as_of)[0]
            for record, weight, trusts in scored:
                self.windows.put(record, weight, trusts, since)
        result.buyers += len(ids)
        result.trust_changes.extend(changes)

    def _read_generation(self) -> list[Any]:
        """The derived-state counters now, outside a transaction (read ahead): the window cache
        is dropped when someone else wrote since this deriver's last transaction."""
        now: list[Any] = self.store.rows("derived/generation")[0]["generation"]
        if self.windows is not None and now != self._generation:
            self.windows.clear()
            self._generation = now
        return now

    def _buyers_read_ahead(
        self, ids: list[str], as_of: int, result: DeriveResult
    ) -> dict[str, set[str]] | None:
        """The buyer pass with its reads and scoring outside the write transaction, which holds
        the write gate (and so ingestion) only to check and write. None when someone else wrote
        derived state between the reads and the write: the caller derives the chunk in one
        transaction instead (facts ingested in between are in the log: the next round derives
        them again, as it would have)."""
        policy = self.policy
        seen = self._read_generation()
        before = self.store.rows("derived/buyer_state", ids=ids)
        scored: list[tuple[BuyerRecord, BuyerWeight, list[PairTrust]]] = []
        writes, weights, trusts = score_buyers(
            self.store.buyer_record_stream(ids, as_of),
            ids,
            policy,
            as_of,
            (lambda r, w, t: scored.append((r, w, t))) if self.windows is not None else None,
        )
        changes, cascade = _trust_changes(before, weights, trusts, as_of)
        lock = ("derived/lock_buyers", {"ids": ids, "asOf": as_of})
        if not self._write_checked(lock, seen, writes, changes, "buyer"):
            return None
        self._committed_buyers(ids, scored, changes, as_of, result)
        return cascade

    def _write_checked(
        self,
        lock: tuple[str, dict[str, Any]],
        seen: list[Any],
        writes: Writes,
        changes: Sequence[TrustChange | BadgeChange],
        what: str,
    ) -> bool:
        """The write transaction of a read-ahead pass: lock, check that the derived-state
        counters are still ``seen``, write. False (nothing written but the locks' stamp) when
        they moved."""

        def work(tx: Tx) -> bool:
            if self.fence is not None:
                self.fence(tx)
            tx.run(lock[0], **lock[1])
            if tx.rows("derived/generation")[0]["generation"] != seen:
                return False
            tx.write([*writes, ("derived/record_changes", [c.log_row() for c in changes])])
            self._end_generation(tx)
            return True

        if self._transact(work):
            return True
        log.info("derived state moved under a read-ahead %s pass; deriving it in place", what)
        self.redone += 1
        return False

    def _standings(self, kind: str, ids: list[str], as_of: int, result: DeriveResult) -> None:
        if self.read_ahead and self._standings_read_ahead(kind, ids, as_of, result):
            return

        def work(tx: Tx) -> list[BadgeChange]:
            if self.fence is not None:
                self.fence(tx)
            tx.run(
                "derived/lock_standings",
                ids=[standing.standing_id(kind, i) for i in ids],
                asOf=as_of,
            )
            self._check_generation(tx)
            writes, changes = self._evaluate(tx, kind, ids, as_of)
            tx.write([*writes, ("derived/record_changes", [c.log_row() for c in changes])])
            self._end_generation(tx)
            return changes

        self._committed_standings(kind, ids, self._transact(work), result)

    def _evaluate(
        self, reader: FactReader, kind: str, ids: list[str], as_of: int
    ) -> tuple[Writes, list[BadgeChange]]:
        """Read and evaluate these shops or hosts: the writes, and the badge changes."""
        policy = self.policy
        if self.windows is None:
            writes, results = standing_pass(reader, kind, ids, policy, as_of)
        else:
            writes, results = evaluate_standings(
                self._standing_records(reader, kind, ids, as_of), kind, policy, as_of
            )
        changes = [
            BadgeChange(
                kind,
                r.entity_id,
                r.previous_badges or (),
                tuple(r.record["badges"]),
                r.record["multiplier"],
                r.record["tier"],
                as_of,
            )
            for r in results
            if tuple(r.record["badges"]) != (r.previous_badges or ())
        ]
        return writes, changes

    @staticmethod
    def _committed_standings(
        kind: str, ids: list[str], changes: list[BadgeChange], result: DeriveResult
    ) -> None:
        result.badge_changes.extend(changes)
        if kind == SHOP:
            result.shops += len(ids)
        else:
            result.hosts += len(ids)

    def _standings_read_ahead(
        self, kind: str, ids: list[str], as_of: int, result: DeriveResult
    ) -> bool:
        """The standing pass with its reads and evaluation outside the write transaction (as
        :meth:`_buyers_read_ahead`); False when derived state moved in between."""
        seen = self._read_generation()
        writes, changes = self._evaluate(self.store, kind, ids, as_of)
        lock = (
            "derived/lock_standings",
            {"ids": [standing.standing_id(kind, i) for i in ids], "asOf": as_of},
        )
        if not self._write_checked(lock, seen, writes, changes, "standing"):
            return False
        self._committed_standings(kind, ids, changes, result)
        return True

    def _standing_records(
        self, reader: FactReader, kind: str, ids: list[str], as_of: int
    ) -> list[EntityRecord]:
        """The records of these shops or hosts, in the order of ``ids``: the cached ones from
        their profile and the cache, the others read in full (and cached from then on)."""
        windows = self.windows
        assert windows is not None
        since, violation_since = standing.facts_since(self.policy, as_of)
        cached = [i for i in ids if (kind, i) in windows]
        read = [i for i in ids if (kind, i) not in windows]
        by_id: dict[str, EntityRecord] = {}
        if cached:
            for p in reader.entity_profile_stream(kind, cached, as_of, violation_since):
                by_id[p.entity_id] = windows.record(p, since, as_of)
        if read:
            for r in reader.entity_record_stream(kind, read, as_of, since, violation_since):
                windows.fill(r)
                by_id[r.entity_id] = r
        return [by_id[i] for i in ids if i in by_id]

    def _check_generation(self, tx: Tx) -> None:
        """First in a transaction that uses the window cache: drop it when someone else wrote
        derived state since this deriver's last transaction (derived/generation)."""
        if self.windows is None:
            return
        now = tx.rows("derived/generation")[0]["generation"]
        if now != self._generation:
            self.windows.clear()
            self._generation = now

    def _end_generation(self, tx: Tx) -> None:
        """Last in such a transaction: the counters as this transaction's writes leave them."""
        if self.windows is not None:
            self._pending_generation = tx.rows("derived/generation")[0]["generation"]

    def _transact(self, work: Callable[[Tx], T]) -> T:
        """Run a pass's transaction; with the window cache, take the generation it committed,
        or forget the cache when it did not commit (what the cache took from it may not be in
        the graph)."""
        self._pending_generation = None
        try:
            out = self.store.transact(work)
        except BaseException:
            if self.windows is not None:
                self.windows.clear()
                self._generation = None
            raise
        if self.windows is not None:
            self._generation = self._pending_generation
        return out


def _trust_changes(
    before: list[dict[str, Any]], weights: list[BuyerWeight], trusts: list[PairTrust], as_of: int
) -> tuple[list[TrustChange], dict[str, set[str]]]:
    """The level changes of a buyer pass, and the shops and hosts they cascade to."""
    # What a shop's or host's metrics read of a buyer: its weight, how much its claims count, and
    # whether it is a single-target account (one shop, one host).
    old_weight = {
        r["buyerId"]: (
            r["weight"],
            r["credibility"],
            r["targetCredibility"],
            r["shops"] == 1,
            r["hosts"] == 1,
        )
        for r in before
    }
    old_level = {
        (r["buyerId"], kind, target): level for r in before for kind, target, level in r["trust"]
    }
    cascade: dict[str, set[str]] = {SHOP: set(), HOST: set()}
    reweighted = {
        w.buyer_id
        for w in weights
        if old_weight.get(w.buyer_id)
        != (w.weight, w.credibility, w.target_credibility, w.shops == 1, w.hosts == 1)
    }
    changes: list[TrustChange] = []
    for p in trusts:
        previous = old_level.get((p.buyer_id, p.target_kind, p.target_id))
        if previous != p.level:
            cascade[p.target_kind].add(p.target_id)
            changes.append(
                TrustChange(
                    p.buyer_id,
                    p.target_kind,
                    p.target_id,
                    previous,
                    p.level,
                    p.score,
                    p.confidence,
                    as_of,
                )
            )
        elif p.buyer_id in reweighted:
            cascade[p.target_kind].add(p.target_id)
    return changes, cascade
