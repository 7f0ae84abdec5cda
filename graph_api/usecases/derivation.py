"""The service's deriver: one background task per process that follows the ingest log.

``recordEvents`` answers when its facts are committed (durable, with their log position); this
task derives them right after (:class:`graph_api.derive.LogDeriver`: rounds under a lease in the
graph, so of several processes one derives at a time). A call in the same process wakes it at
once; otherwise it looks at the log every ``poll_seconds``. While Neo4j is down it waits and
resumes from the derived position in the graph, so nothing acknowledged is left underived.

:meth:`DerivationLoop.wait_for` is read-your-writes on demand: it returns when derived state
includes a position, whichever process derived it, or raises :class:`DerivationPending`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from graph_api.derive import LogDeriver, Positions, Round
from graph_api.errors import DerivationPending, StoreUnavailable
from graph_api.usecases.changes import poll_delay

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 0.01  # how often a waiting call reads the derived position


class DerivationLoop:
    def __init__(
        self,
        deriver: LogDeriver,
        poll_seconds: float,
        wait_seconds: float,
        *,
        run: bool = True,
        on_round: Callable[[Round], object] | None = None,
    ) -> None:
        self.deriver = deriver
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        self.run = run  # False (TRUSTGRAPH_DERIVE=off): another process derives; only wait here
        self.on_round = on_round
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.run and self._task is None:
            self._task = asyncio.create_task(self._run(), name="trustgraph-deriver")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None
        try:  # hand the lease over at once rather than when it expires
            await asyncio.to_thread(self.deriver.release)
        except StoreUnavailable:
            pass

    def wake(self) -> None:
        """Something was ingested in this process: derive now rather than at the next poll."""
        self._wake.set()

    async def positions(self) -> Positions:
        return await asyncio.to_thread(self.deriver.positions)

    async def wait_for(self, position: int, timeout: float | None = None) -> Positions:
        """Wait until derived state includes ingest ``position``; DerivationPending after
        ``timeout`` seconds (default: the configured wait)."""
        limit = self.wait_seconds if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            now = await self.positions()
            if now.derived >= position:
                return now
            if time.monotonic() >= deadline:
                raise DerivationPending(position, now.derived, limit)
            await asyncio.sleep(WAIT_POLL_SECONDS)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                rounds = await asyncio.to_thread(self.deriver.drain, self.on_round)
                failures = 0
                if rounds:
                    continue  # the log may have grown while we derived: look again at once
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as exc:
                failures += 1
                log.warning("deriver paused: %s", exc)
            except Exception:  # keep following; the next round derives the same entries again
                failures += 1
                log.exception("deriver failed a round; it will retry")
            try:
                await asyncio.wait_for(self._wake.wait(), poll_delay(self.poll_seconds, failures))
            except TimeoutError:
                pass
            self._wake.clear()
