"""Derivation that follows the ingest log: facts are acknowledged when they are durable, derived
state follows within a bounded delay, and nothing acknowledged is left underived.

Every ingested batch appends an entry to the ingest log in its own transaction
(``ingest/log_batch``): a position, numbered in commit order, and what the batch named. A
:class:`LogDeriver` takes the entries after the derived position, at most ``max_batches`` at a
time, unites what they touched and rescores each buyer, shop and host once for the whole round
(:meth:`graph_api.derive.Deriver.derive`), however many batches named it: a busy shop costs one
evaluation per round, not one per batch. Then it moves the derived position to the round's last
entry and drops the entries it covers.

Crashes: the position moves only after the round's derived state is committed, so a deriver that
dies mid-round leaves the position where it was and the next one derives the round again (the
passes read the facts and write the same state: deriving twice changes nothing but time).

Several processes (uvicorn workers, replicas, ``trustgraph derive --follow``): one lease in the
graph (``derived/take_lease``, on the database server's clock) lets one of them derive at a
time; the others' rounds return None. The lease is renewed at every round and expires
``lease_seconds`` after the last one, so a dead holder is replaced within that time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from graph_api.derive.incremental import Deriver, Touched
from graph_api.derive.results import DeriveResult
from graph_api.derive.windows import WindowCache
from graph_api.errors import StoreUnavailable
from graph_api.store import Store, Tx
from scoring.policy import Policy

log = logging.getLogger(__name__)

LEASE = "deriver"
# Window orders a deriver keeps between rounds (each order is in two windows, its shop's and its
# host's, and counts twice): 450-700 bytes each with their buyers' entries (measured), so at most
# about 0.7 GB; the 90-day windows of a platform of half a million orders a quarter fit.
WINDOW_ORDERS = 1_000_000


class LeaseLost(Exception):
    """Another process took the deriver's lease over (this one stalled past it): the round in
    flight stops, its transaction rolled back."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"deriver {holder} no longer holds the lease")


@dataclass(frozen=True)
class Positions:
    """How far the ingest log (``ingested``) and derived state (``derived``) have come."""

    ingested: int
    derived: int

    @property
    def lag(self) -> int:
        """Logged batches that derived state does not include yet."""
        return max(0, self.ingested - self.derived)


@dataclass
class Round:
    """One round of derivation: the log entries it covered, (first, last], and what it did."""

    first: int  # the derived position before the round
    last: int  # the derived position after it
    batches: int
    result: DeriveResult


def read_positions(store: Store) -> Positions:
    row = store.rows("derived/log_positions")[0]
    return Positions(int(row["ingested"]), int(row["derived"]))


def advance_derived(store: Store, position: int) -> None:
    """Derived state includes every logged batch up to ``position`` (a round's last entry, or the
    ingest position a full rebuild started from): move the derived position there (never back)
    and drop the log entries it covers."""
    store.transact(lambda tx: tx.run("derived/advance_derived", seq=position))


def default_holder() -> str:
    """A lease holder's name: which machine and process, and a random part (a restarted process
    with the same pid is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LogDeriver:
    """Derives the ingest log's entries in rounds (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        *,
        holder: str | None = None,
        lease_seconds: float = 15.0,
        max_batches: int = 1000,
        window_orders: int = WINDOW_ORDERS,
    ) -> None:
        """``window_orders``: how many of the shops' and hosts' window orders the deriver keeps
        between rounds (graph_api.derive.windows.WindowCache; 0: none, every round reads each
        record in full)."""
        self.store = store
        windows = WindowCache(window_orders) if window_orders > 0 else None
        # The one writer of derived state while it holds the lease: it reads and scores each
        # chunk before the chunk's write transaction (Deriver, read_ahead), so that ingestion,
        # which waits for the write gate, waits only for the writes.
        self.deriver = Deriver(store, policy, fence=self._fence, windows=windows, read_ahead=True)
        self.holder = holder or default_holder()
        self.lease_ms = int(lease_seconds * 1000)
        self.max_batches = max_batches
        self._one_round = threading.Lock()  # one round at a time per holder (threads share it)

    def _fence(self, tx: Tx) -> None:
        """First in every write transaction of a round: renew the lease, or stop the round."""
        if not tx.rows("derived/hold_lease", lease=LEASE, holder=self.holder, ttlMs=self.lease_ms):
            raise LeaseLost(self.holder)

    def positions(self) -> Positions:
        return read_positions(self.store)

    def take_lease(self) -> bool:
        """Take (or renew) the lease; False while another process holds it."""
        rows = self.store.transact(
            lambda tx: tx.rows(
                "derived/take_lease", lease=LEASE, holder=self.holder, ttlMs=self.lease_ms
            )
        )
        return bool(rows)

    def release(self) -> None:
        """Give the lease up (a clean stop), so another process need not wait for it to expire."""
        self.store.transact(
            lambda tx: tx.run("derived/release_lease", lease=LEASE, holder=self.holder)
        )

    def round(self) -> Round | None:
        """Derive the next round of logged batches. None when another process holds the lease
        (or took it over during the round, which then wrote nothing more); a round of 0 batches
        when there is nothing to derive."""
        with self._one_round:
            try:
                return self._round()
            except LeaseLost:
                log.warning("deriver %s lost its lease during a round; stopping it", self.holder)
                return None

    def _round(self) -> Round | None:
        if not self.take_lease():
            return None
        after = self.positions().derived
        entries = self.store.rows("derived/log_after", after=after, limit=self.max_batches)
        if not entries:
            return Round(after, after, 0, DeriveResult())
        touched = Touched()
        for entry in entries:
            touched.update(Touched.from_log(entry))
        result = self.deriver.derive(touched)
        last = int(entries[-1]["seq"])

        def advance(tx: Tx) -> None:
            self._fence(tx)
            tx.run("derived/advance_derived", seq=last)

        self.store.transact(advance)
        return Round(after, last, len(entries), result)

    def drain(self, on_round: Callable[[Round], object] | None = None) -> list[Round]:
        """Derive rounds until the log is derived (or another process holds the lease)."""
        rounds: list[Round] = []
        while True:
            r = self.round()
            if r is None or r.batches == 0:
                return rounds
            rounds.append(r)
            if on_round is not None:
                on_round(r)

    def wait_for(self, position: int, timeout: float, poll: float = 0.02) -> Positions:
        """Block until derived state includes ``position`` or ``timeout`` seconds have passed;
        returns the positions last read (the caller compares)."""
        deadline = time.monotonic() + timeout
        while True:
            now = self.positions()
            if now.derived >= position or time.monotonic() >= deadline:
                return now
            time.sleep(poll)

    def after_batch(
        self, accepted: object, position: int | None, poll: float = 0.02
    ) -> DeriveResult:
        """Derive right after a batch, before the ingesting call returns (``trustgraph import``,
        ``TRUSTGRAPH_DERIVE=inline``): drain the log until it includes this batch, then give the
        lease up. While another process holds the lease (its round may end before this batch
        was logged), keep trying: either it derives the batch or this process takes the lease
        when it is released. Giving it up matters: an inline deriver derives only when its own
        process ingests, so holding the lease would leave another process's batches waiting
        for it to expire."""
        combined = DeriveResult()
        deadline = time.monotonic() + self.lease_ms / 1000 * 2
        try:
            while True:
                for r in self.drain():
                    combined.merge(r.result)
                if position is None or self.positions().derived >= position:
                    return combined
                if time.monotonic() >= deadline:
                    return combined  # the log's next deriver derives it (DERIVATION_PENDING)
                time.sleep(poll)
        finally:
            try:
                self.release()
            except StoreUnavailable as exc:  # the lease then expires on its own
                log.warning("deriver %s could not give its lease up: %s", self.holder, exc)


class BackgroundDrain:
    """Derive the log in a thread while a block ingests (``trustgraph import`` and ``seed``
    with ``--derive incremental``), then what is left once the block ends: ingestion never waits
    for derivation, and each round coalesces whatever was logged while the previous one ran.

    ``rounds`` holds every round derived. An error of the thread is raised at the end of the
    block (the facts are committed either way; the log keeps what is underived)."""

    def __init__(self, deriver: LogDeriver, poll_seconds: float = 0.05) -> None:
        self.deriver = deriver
        self.poll_seconds = poll_seconds
        self.rounds: list[Round] = []
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="trustgraph-derive", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self.deriver.drain(self.rounds.append):
                    self._stop.wait(self.poll_seconds)
        except BaseException as exc:  # handed to the ingesting thread at the end of the block
            self._error = exc

    def __enter__(self) -> BackgroundDrain:
        self._thread.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._stop.set()
        self._thread.join()
        if exc_type is None:
            if self._error is not None:
                raise self._error
            self.deriver.drain(self.rounds.append)

    def result(self) -> DeriveResult:
        """Everything the rounds did, as one result."""
        total = DeriveResult()
        for r in self.rounds:
            total.merge(r.result)
        return total
