"""Badge cards cached in each service process, dropped when the graph says they were rewritten.

A card is what ``read/standings`` returns for one shop or host ("SHOP:s1"): its public facts and
its stored Standing. A badge changes only when derivation rewrites the Standing, so a front end's
reads need not reach Neo4j at all between two rewrites. Every Standing write numbers itself with a
revision from one counter in the graph (``derived/write_*_standing``: ``st.rev``, the counter on
``(:Clock {id: 'cards'})``, whose lock orders the revisions as the commits). Each process follows
that counter (:meth:`CardCache.follow`, from the change feed's loop: ``usecases/changes.py``) and
drops the cards rewritten after the revision it had seen; a rebuild rewrites them all (more than
``FOLLOW_LIMIT`` at once: everything is dropped), an emptied graph resets the counter's epoch
(everything is dropped too).

How stale a card can be: a cached card is served only while the last successful look at the
graph *started* less than ``max_age`` seconds ago (twice the feed's poll interval plus a second by
default). A rewrite committed before that look has been seen by it, so a card is never served
more than ``max_age`` after its rewrite; while Neo4j does not answer the follower, every read goes
to Neo4j (and fails or succeeds as it does) instead of serving what may be stale. That bound is
for changes made elsewhere: a call of this process that wrote or waited for derived state
(``recordEvents``) looks at the graph before it answers (:meth:`CardCache.catch_up`), so the
caller's next read of this process sees what the call answered.

The same look also tells whether anything trust is built from moved: the counter of TRUST writes,
the counter of accepted batches and the graph's clock (``reads``). When any of them moved, the
key :data:`TRUST_READS` is dropped, and with it every whole answer built from trust that the
response cache keeps (``schema/responses.py``): a trust answer is as fresh as a card.

A read that started before a rewrite could put the old card back after the follower dropped it:
each read takes the cache's generation first and stores what it read only if no card was dropped
in between (:meth:`CardCache.lookup` / :meth:`CardCache.store`). Unknown ids are not cached (a
shop registered later must appear at once), nor is anything when ``size`` is 0.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph_api.store import Store

FOLLOW_LIMIT = 2000  # rewrites read at once; beyond it dropping everything is cheaper
# The key that stands for "every TRUST relationship and every fact": an answer built from trust
# (trust, trustBatch) depends on it, and it is dropped whenever the graph's TRUST writes, accepted
# batches or clock moved since the last look (``read/card_head``'s ``reads``).
TRUST_READS = "TRUST:*"


@dataclass(frozen=True)
class Lookup:
    """What the cache holds of some keys: ``found`` by key, the keys to read, and the token a
    read of them must hand back to :meth:`CardCache.store`."""

    found: dict[str, dict[str, Any]]
    missing: list[str]
    token: int | None  # None: do not store what is read (not fresh, or disabled)


class CardCache:
    def __init__(self, size: int, max_age: float) -> None:
        self.size = size
        self.max_age = max_age
        self._lock = threading.Lock()
        self._cards: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._generation = 0  # bumped whenever a card may have been dropped
        self._revision: int | None = None  # the newest revision seen (None: never looked)
        self._epoch: str | None = None
        self._reads: list[Any] | None = None  # the last look's ``reads`` (TRUST_READS)
        self._checked_at = float("-inf")  # monotonic time the last successful look started
        self.hits = 0
        self.misses = 0
        self.dropped = 0
        self._listeners: list[Callable[[set[str] | None], None]] = []
        # One look at a time: the change feed's loop and a call that wrote (catch_up) may both
        # look, and the later look must not record what the earlier one saw.
        self._follow_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cards)

    @property
    def revision(self) -> int | None:
        return self._revision

    @property
    def generation(self) -> int:
        """Bumped whenever a card may have been dropped: what was built from cards read before
        may be kept only while it has not moved (the response cache, ``schema/responses.py``)."""
        return self._generation

    def on_drop(self, listener: Callable[[set[str] | None], None]) -> None:
        """Call ``listener`` with the keys of every drop (None: everything), under the lock."""
        self._listeners.append(listener)

    def fresh(self) -> bool:
        return self.size > 0 and time.monotonic() - self._checked_at <= self.max_age

    # -- reads ----------------------------------------------------------------------------------
    def lookup(self, keys: Iterable[str], *, count: bool = True) -> Lookup:
        """What is held of ``keys``; ``count``: whether this lookup counts in the hit and miss
        counters (the service looks twice for a miss: on its event loop, then in a thread)."""
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            if not self.fresh():
                self.misses += len(wanted) if count else 0
                return Lookup({}, wanted, None)
            found: dict[str, dict[str, Any]] = {}
            missing: list[str] = []
            for key in wanted:
                card = self._cards.get(key)
                if card is None:
                    missing.append(key)
                else:
                    self._cards.move_to_end(key)
                    found[key] = card
            if count:
                self.hits += len(found)
                self.misses += len(missing)
            return Lookup(found, missing, self._generation)

    def store(self, cards: Mapping[str, dict[str, Any]], token: int | None) -> None:
        """Keep ``cards`` (read after :meth:`lookup` gave ``token``) unless a card was dropped
        since: then what was read may predate the rewrite that dropped it."""
        with self._lock:
            if token is None or token != self._generation or not self.fresh():
                return
            for key, card in cards.items():
                self._cards[key] = card
                self._cards.move_to_end(key)
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)

    # -- following the graph --------------------------------------------------------------------
    def follow(self, store: Store) -> int:
        """One look at the graph's card revisions: drop the cards rewritten since the last look.
        Returns how many were dropped. Blocking (the store's driver): run it in a thread."""
        with self._follow_lock:
            return self._follow(store)

    def catch_up(self, store: Store) -> None:
        """Look at the graph now, because this process just wrote to it (or waited for derived
        state): its own next read must see what the call answered, not wait for the change
        feed's next look. If the graph does not answer, stop serving from the cache until the
        feed's next successful look (reads then go to Neo4j, fresh or failing)."""
        try:
            self.follow(store)
        except Exception:
            with self._lock:
                self._checked_at = float("-inf")
            raise

    def _follow(self, store: Store) -> int:
        started = time.monotonic()
        head = store.rows("read/card_head")[0]
        seq, epoch = int(head["seq"]), head["epoch"]
        reads = list(head["reads"])
        if self._revision is None or epoch != self._epoch or seq < self._revision:
            dropped = self._drop_all()
            revision = seq
        elif seq == self._revision:
            dropped, revision = 0, seq
        else:
            rows = store.rows("read/cards_after", after=self._revision, limit=FOLLOW_LIMIT)
            if len(rows) >= FOLLOW_LIMIT:
                dropped, revision = self._drop_all(), seq
            else:
                dropped = self._drop(r["id"] for r in rows)
                revision = max([seq, *(int(r["rev"]) for r in rows)])
        if reads != self._reads:
            self._drop([TRUST_READS])
        with self._lock:
            self._revision, self._epoch, self._reads = revision, epoch, reads
            self._checked_at = started
        return dropped

    def _drop(self, keys: Iterable[str]) -> int:
        rewritten = set(keys)
        with self._lock:
            self._generation += 1
            n = sum(1 for key in rewritten if self._cards.pop(key, None) is not None)
            self.dropped += n
            for listener in self._listeners:
                listener(rewritten)
            return n

    def _drop_all(self) -> int:
        with self._lock:
            self._generation += 1
            n = len(self._cards)
            self._cards.clear()
            self.dropped += n
            for listener in self._listeners:
                listener(None)
            return n
