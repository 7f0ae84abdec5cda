"""Time in the simulation: the queue of future events and visits, day by day, and the times of day.

Times are absolute seconds from 00:00 of ``SeedConfig.start`` (in +08:00); the generator turns
them into ISO strings only when a day's events are yielded. Anything an action causes later (a
delivery, a refund, the next visit) goes into the bucket of its day, so that only the days ahead
are held in memory, and the stream can be produced one day at a time.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable
from typing import Any

from graph_api.seed.sampling import cumulative
from graph_api.seed.world import HOUR_WEIGHTS

DAY = 86400
# A day's clock times, by second, as they appear in "at".
TIMES = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00" for s in range(86400))
FIRST_SESSION_SEC = 600  # shop rights change at 00:00-00:05, before any session of the day
_HOUR_CUM = cumulative(HOUR_WEIGHTS)
# The hour of a session start: ``HOUR_TABLE[int(random() * 1024)]``.
HOUR_TABLE = tuple(bisect(_HOUR_CUM, (i + 0.5) / 1024 * _HOUR_CUM[-1]) for i in range(1024))


def event(kind: str, /, **fields: Any) -> dict[str, Any]:
    """A new event of type ``kind`` in the import format, its ``fields`` in the order given;
    ``at`` is set when it is emitted and ``eventId`` when it is yielded."""
    return {"eventId": None, "type": kind, "at": None, **fields}


def evening_sec(rnd: Callable[[], float]) -> int:
    """A second of the day drawn like a session start: mostly in the evening, never before
    FIRST_SESSION_SEC."""
    sec = HOUR_TABLE[int(rnd() * 1024)] * 3600 + int(rnd() * 3600)
    return sec if sec >= FIRST_SESSION_SEC else FIRST_SESSION_SEC + sec


class Timeline:
    """What is due on each future day: events, buyers' visits and changes to the platform."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.horizon = days * DAY
        self.day = -1  # the day being produced; -1 while the world is built
        # Queued events carry their absolute second in "at" until they are yielded. (No wrapping
        # tuples: dicts of atomic values are not tracked by the cyclic GC, which matters here.)
        self.today: list[dict] = []
        self.pending: dict[int, list[dict]] = {}
        self.sessions: dict[
            int, list[tuple[int, int]]
        ] = {}  # day -> (buyer index, earliest second)
        self.activations: dict[
            int, list[tuple]
        ] = {}  # day -> changes of the platform (see Marketplace.apply)

    def emit(self, t: int, ev: dict) -> None:
        """Queue ``ev`` at absolute second ``t``; events past the horizon are dropped."""
        d = t // DAY
        ev["at"] = t
        if d == self.day:
            self.today.append(ev)
        elif d < self.days:
            bucket = self.pending.get(d)
            if bucket is None:
                self.pending[d] = [ev]
            else:
                bucket.append(ev)

    def activate(self, day: int, action: tuple) -> None:
        self.activations.setdefault(day, []).append(action)

    def schedule_session(self, b: int, day: int, min_sec: int = 0) -> None:
        if day < self.days:
            bucket = self.sessions.get(day)
            if bucket is None:
                self.sessions[day] = [(b, min_sec)]
            else:
                bucket.append((b, min_sec))
