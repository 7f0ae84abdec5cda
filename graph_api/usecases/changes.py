"""The change feed behind subscriptions: every process follows the change log in the graph.

Ingestion writes one ``Change`` node per level change and per badge change, numbered in commit
order, in the same transaction as the change (``cypher/derived/record_changes``). Each service
process runs one :class:`ChangeFeed`: a task that reads the log after its position every
``poll_seconds`` and hands each change to the subscriptions whose filter matches. Because the log
is in the graph, a change ingested through any process (or by ``trustgraph import``) reaches the
subscribers of every process: several uvicorn workers, several replicas.

The same loop keeps the process's badge-card cache true (``usecases/cards.py``): each poll it
first reads the revisions of the standings rewritten since the last, whether anyone subscribes or
not, and drops those cards.

How far behind a subscriber can be: one poll interval (``TRUSTGRAPH_CHANGE_POLL_MS``, 250 ms by
default) plus one read of the log, after the ingesting call committed. A subscriber that does
not keep up (more than ``QUEUE_SIZE`` undelivered changes) is closed with an error rather than
slowing the others; while Neo4j is down the feed waits and resumes where it stopped, so no change
is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from graph_api.derive.results import Change, change_of
from graph_api.errors import StoreUnavailable, SubscriberTooSlow
from graph_api.store import Store
from graph_api.usecases.cards import CardCache

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
BATCH = 500


def poll_delay(poll_seconds: float, failures: int) -> float:
    """How long a follower of a log in the graph (this feed, the deriver) waits before it looks
    again: its poll interval, doubled after each failure in a row, at most 5 s."""
    return poll_seconds if failures == 0 else min(5.0, poll_seconds * 2**failures)


@dataclass(eq=False)
class _Subscriber:
    matches: Callable[[Change], bool]
    after: int  # deliver changes with seq > after
    queue: asyncio.Queue[Change | BaseException] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )


class ChangeFeed:
    def __init__(self, store: Store, poll_seconds: float, cards: CardCache | None = None) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.cards = cards  # the process's badge cards, dropped as the graph rewrites them
        self.position: int | None = None
        self._subscribers: set[_Subscriber] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="trustgraph-change-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _head(self) -> int:
        rows = await asyncio.to_thread(self.store.rows, "read/change_head")
        return int(rows[0]["seq"])

    async def subscribe(self, matches: Callable[[Change], bool]) -> AsyncIterator[Change]:
        """The changes committed after this call that ``matches`` accepts, until the client goes
        away."""
        sub = _Subscriber(matches, await self._head())
        self._subscribers.add(sub)
        try:
            while True:
                item = await sub.queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._subscribers.discard(sub)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await asyncio.sleep(poll_delay(self.poll_seconds, failures))
                if self.cards is not None:  # always, subscribers or not: reads depend on it
                    await asyncio.to_thread(self.cards.follow, self.store)
                await self._follow_changes()
                failures = 0
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as exc:  # the card cache then stops serving (cards.py)
                failures += 1
                log.warning("change feed paused: %s", exc)
            except Exception:  # keep following; a bug here must not end every subscription
                failures += 1
                log.exception("change feed failed to read the change log")

    async def _follow_changes(self) -> None:
        if not self._subscribers:
            self.position = None  # nobody listens: start from the head when someone does
            return
        if self.position is None:
            self.position = min(s.after for s in self._subscribers)
        while True:
            rows = await asyncio.to_thread(
                self.store.rows, "read/changes_after", after=self.position, limit=BATCH
            )
            for row in rows:
                self.position = row["change"]["seq"]
                self._deliver(self.position, change_of(row["change"]))
            if len(rows) < BATCH:
                return

    def _deliver(self, seq: int, change: Change) -> None:
        for sub in list(self._subscribers):
            if seq <= sub.after or not sub.matches(change):
                continue
            try:
                sub.queue.put_nowait(change)
            except asyncio.QueueFull:
                self._subscribers.discard(sub)
                # Make room for the error so the subscriber's loop ends with it.
                while not sub.queue.empty():
                    sub.queue.get_nowait()
                sub.queue.put_nowait(SubscriberTooSlow(QUEUE_SIZE))
