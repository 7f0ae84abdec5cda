"""Reads spread over several Neo4j servers (``TRUSTGRAPH_READ_URIS``): Community replicas.

Neo4j Community has no clustering: a replica is a server of its own, fed by its own consumer
group from the event topics (docs/scale-out.md, "Replicas"). Every replica reaches the same
derived state at the same clock, so any of them can answer a read. :class:`ReadPool` holds one
driver per server and sends each read to the least busy server that is up (fewest reads in
flight from this process; ties go round robin). A server that fails with a connection error is
marked down for ``down_seconds`` and the read is tried on the next one at once: a down replica
fails no read that another can answer. A server marked down gets traffic again after that time
(the first read to it is the probe), or earlier if every other server is down too.

Only connection errors fail over. A query error (a syntax error, a timeout) would fail the same
way everywhere and is raised as it is.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from graph_api.errors import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
DriverFactory = Callable[[str], neo4j.Driver]


@dataclass
class Member:
    """One server of the pool and what this process has seen of it."""

    uri: str
    driver: neo4j.Driver
    in_flight: int = 0
    reads: int = 0  # reads it answered
    failures: int = 0  # reads that failed over from it (connection errors)
    down_until: float = 0.0  # monotonic time until which it is skipped

    def up(self, now: float) -> bool:
        return now >= self.down_until


@dataclass(frozen=True)
class MemberStats:
    uri: str
    reads: int
    failures: int
    up: bool


class ReadPool:
    def __init__(
        self, uris: Sequence[str], driver_of: DriverFactory, *, down_seconds: float = 5.0
    ) -> None:
        if not uris:
            raise ValueError("a read pool needs at least one URI")
        self.members = [Member(uri, driver_of(uri)) for uri in uris]
        self.down_seconds = down_seconds
        self._lock = threading.Lock()
        self._turn = itertools.count()

    @classmethod
    def connect(
        cls,
        uris: Sequence[str],
        auth: tuple[str, str],
        *,
        connect_timeout: float,
        pool_size: int,
        down_seconds: float = 5.0,
    ) -> ReadPool:
        def driver_of(uri: str) -> neo4j.Driver:
            return GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=connect_timeout,
                # Failing over to the next server is the retry: a long driver retry would only
                # hold the read on a server that is down.
                max_transaction_retry_time=0.5,
                max_connection_pool_size=pool_size,
                connection_acquisition_timeout=connect_timeout * 5,
                notifications_min_severity="OFF",
            )

        return cls(uris, driver_of, down_seconds=down_seconds)

    @property
    def uris(self) -> list[str]:
        return [m.uri for m in self.members]

    def _order(self) -> list[Member]:
        """The members to try, best first: those up, least busy first (ties round robin), then
        those marked down (a last resort: one may be back)."""
        now = time.monotonic()
        with self._lock:
            turn = next(self._turn)
            n = len(self.members)
            rotated = [self.members[(turn + i) % n] for i in range(n)]
            up = sorted((m for m in rotated if m.up(now)), key=lambda m: m.in_flight)
            down = sorted((m for m in rotated if not m.up(now)), key=lambda m: m.down_until)
        return up + down

    def run(self, work: Callable[[neo4j.Driver], T]) -> T:
        """Run ``work`` (one read) on the best server; on a connection error, on the next."""
        errors: list[str] = []
        for member in self._order():
            with self._lock:
                member.in_flight += 1
            try:
                answer = work(member.driver)
            except (ServiceUnavailable, SessionExpired) as exc:
                self._mark_down(member, exc)
                errors.append(f"{member.uri}: {exc or type(exc).__name__}")
                continue
            finally:
                with self._lock:
                    member.in_flight -= 1
            with self._lock:
                member.reads += 1
                member.down_until = 0.0
            return answer
        raise StoreUnavailable(
            ", ".join(self.uris), "no read server answers (" + "; ".join(errors) + ")"
        )

    def each(self, work: Callable[[neo4j.Driver], T]) -> list[tuple[str, T | None]]:
        """Run ``work`` on every server: (uri, answer), None for a server that does not answer.
        What a wait for a position uses: a read after it may go to any server that is up."""
        out: list[tuple[str, T | None]] = []
        for member in self.members:
            try:
                out.append((member.uri, work(member.driver)))
            except (ServiceUnavailable, SessionExpired) as exc:
                self._mark_down(member, exc)
                out.append((member.uri, None))
        return out

    def _mark_down(self, member: Member, exc: Exception) -> None:
        with self._lock:
            member.failures += 1
            was_up = member.up(time.monotonic())
            member.down_until = time.monotonic() + self.down_seconds
        if was_up:
            log.warning(
                "read server %s is down (%s); reads go to the others for %g s",
                member.uri,
                exc or type(exc).__name__,
                self.down_seconds,
            )

    def stats(self) -> list[MemberStats]:
        now = time.monotonic()
        with self._lock:
            return [MemberStats(m.uri, m.reads, m.failures, m.up(now)) for m in self.members]

    def close(self) -> None:
        for m in self.members:
            m.driver.close()
