"""Waiting for stream positions (``TRUSTGRAPH_INGEST=kafka``): read-your-writes through Kafka.

``recordEvents`` in Kafka mode answers with the position of each partition's last message. The
graph has *applied* a position once its consumer's Clock for that partition
(``kafka:<topic>:<partition>``, written in the transaction of the facts) reaches the offset, and
*derived* it once derived state includes those facts (the consumer's own rescoring, or the ingest
log's deriver). With replicas (``TRUSTGRAPH_READ_URIS``) the next read may go to any server that
is up, so a wait returns only when every server that answers has it; a server that is down is
left out (reads do not go to it until it answers again).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from graph_api.errors import BadInput, StoreUnavailable, StreamPending
from graph_api.ingest.produce import StreamPosition
from graph_api.store import Store

WAIT_POLL_SECONDS = 0.02
MAX_POSITIONS = 1000


@dataclass(frozen=True)
class PartitionProgress:
    """How far the slowest read server that answers has come on one partition (-1: not at all)."""

    topic: str
    partition: int
    applied: int
    derived: int


@dataclass(frozen=True)
class StreamProgress:
    partitions: list[PartitionProgress]
    servers: int  # read servers that answered
    applied: bool  # every position asked is applied on every one of them
    derived: bool  # ... and derived


def check_positions(positions: Sequence[StreamPosition], argument: str = "positions") -> None:
    if len(positions) > MAX_POSITIONS:
        raise BadInput(argument, f"at most {MAX_POSITIONS} positions")
    for i, p in enumerate(positions):
        if p.partition < 0 or p.offset < 0:
            raise BadInput(f"{argument}[{i}]", "partition and offset must be 0 or more")
        if not p.topic:
            raise BadInput(f"{argument}[{i}].topic", "must not be empty")


class StreamWaiter:
    """Reads the applied offsets on every read server (``store``: the service's read store)."""

    def __init__(self, store: Store, wait_seconds: float) -> None:
        self.store = store
        self.wait_seconds = wait_seconds

    def progress(self, positions: Sequence[StreamPosition]) -> StreamProgress:
        check_positions(positions)
        ids = list(dict.fromkeys(p.clock_id for p in positions))
        answers = [rows for _, rows in self.store.rows_everywhere("read/stream_applied", ids=ids)]
        answered = [rows for rows in answers if rows is not None]
        if not answered:
            raise StoreUnavailable(self.store.settings.bolt_uri, "no read server answers")
        slowest: dict[str, tuple[int, int]] = {}
        for rows in answered:
            for r in rows:
                applied, derived = int(r["offset"]), int(r["derivedOffset"])
                was = slowest.get(r["id"])
                slowest[r["id"]] = (
                    (applied, derived)
                    if was is None
                    else (min(was[0], applied), min(was[1], derived))
                )
        partitions: list[PartitionProgress] = []
        all_applied = all_derived = True
        for p in positions:
            applied, derived = slowest.get(p.clock_id, (-1, -1))
            all_applied &= applied >= p.offset
            all_derived &= derived >= p.offset
        for key in dict.fromkeys((p.topic, p.partition) for p in positions):
            applied, derived = slowest.get(StreamPosition(key[0], key[1], 0).clock_id, (-1, -1))
            partitions.append(PartitionProgress(key[0], key[1], applied, derived))
        return StreamProgress(partitions, len(answered), all_applied, all_derived)

    async def wait_for(
        self,
        positions: Sequence[StreamPosition],
        *,
        derived: bool = True,
        timeout: float | None = None,
    ) -> StreamProgress:
        """Wait until every read server that answers has applied (``derived``: and derived)
        ``positions``; :class:`StreamPending` after ``timeout`` seconds (default: the configured
        wait, TRUSTGRAPH_DERIVE_WAIT_MS)."""
        limit = self.wait_seconds if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            now = await asyncio.to_thread(self.progress, positions)
            if now.derived if derived else now.applied:
                return now
            if time.monotonic() >= deadline:
                behind = ", ".join(
                    f"{p.topic}[{p.partition}] at {p.derived if derived else p.applied}"
                    for p in now.partitions
                )
                asked = ", ".join(f"{p.topic}[{p.partition}]@{p.offset}" for p in positions)
                raise StreamPending(
                    f"asked {asked}; the slowest server is at {behind}",
                    limit,
                    "derived" if derived else "applied",
                )
            await asyncio.sleep(WAIT_POLL_SECONDS)
