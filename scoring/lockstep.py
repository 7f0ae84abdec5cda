"""Lockstep groups: a crowd of dependent accounts arriving at one shop or host together.

The ring detector (:mod:`scoring.rings`) looks for new one-target accounts at one (shop, host)
within a week. A fraudster who read it spreads the job: accounts registered months before, orders
over weeks, a few orders elsewhere as camouflage. What the job cannot hide is its purpose: many
accounts whose purchases mostly go to ONE target, arriving there within a few weeks of one
another, more of them than the platform's own flow of such accounts explains. That is the
lockstep shape of CopyCatch (Beutel et al., "CopyCatch: stopping group attacks by spotting
lockstep behavior in social networks", WWW 2013): a group of users acting on the same pages in
the same time window, here with one page per group and the window rolling over the whole history.

Algorithm, deterministic, over every weighed account (``Account``) as of ``as_of``:

1. an account *depends* on a target (a shop, or a host's live room) when at least
   ``min_dependence`` of its orders went there and its individual weight is below
   ``max_member_weight`` (signals of :mod:`scoring.buyer_weight` fired: an honest buyer's loyalty
   is not suspicious on its own, and an honest newcomer with one weak signal who happened to
   arrive in the same month must not be swept into the group; the groups look for the accounts a
   script would produce, and turn "suspect" into "excluded");
2. its *arrival* at the target is its first order there;
3. for each target and each window of ``window_days`` starting at an arrival, the group is the
   dependent accounts that arrived in it; the platform's flow of dependent arrivals in the same
   window, spread over the targets in proportion to each target's arrivals outside the window
   (plus ``prior_arrivals`` as a prior, so a brand-new shop is not "expected" to get nothing),
   gives the count expected by chance;
4. a group of at least ``min_size`` accounts whose Poisson tail P(X >= size | expected) is at
   most ``max_p_value`` is flagged, with a reason that names the target, the window, the size and
   the expectation.

Flagged accounts weigh at most ``rings.member_weight`` once applied (``trustgraph rings
--apply``), as ring members do. O(A log A) for A arrivals.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from scoring.facts import MS_PER_DAY
from scoring.policy_reader import PolicyTable, check_range

__all__ = [
    "Account",
    "LockstepGroup",
    "LockstepPolicy",
    "detect_lockstep",
    "gc_paused",
    "load_lockstep_policy",
]


@dataclass(frozen=True, slots=True)
class LockstepPolicy:
    window_days: float = 30.0
    min_dependence: float = 0.5
    min_size: int = 5
    max_p_value: float = 1e-6
    prior_arrivals: float = 1.0
    max_member_weight: float = 0.5

    def __post_init__(self) -> None:
        check_range(self.window_days, "lockstep.window_days", gt=0)
        check_range(self.min_dependence, "lockstep.min_dependence", ge=0.5, le=1)
        check_range(self.min_size, "lockstep.min_size", ge=2)
        check_range(self.max_p_value, "lockstep.max_p_value", gt=0, lt=1)
        check_range(self.prior_arrivals, "lockstep.prior_arrivals", gt=0)
        check_range(self.max_member_weight, "lockstep.max_member_weight", gt=0, le=1)


def load_lockstep_policy(document: Mapping[str, object]) -> LockstepPolicy | None:
    """The ``[lockstep]`` table of a parsed policy file, or None when it has none (policy v1:
    no lockstep detection). Every key required, none unknown."""
    root = PolicyTable(document)
    table = root.optional("lockstep", root.table)
    return None if table is None else table.build(LockstepPolicy)


@dataclass(frozen=True, slots=True)
class Account:
    """What lockstep detection needs of one buyer: its weight and its orders."""

    buyer_id: str
    weight: float
    orders: tuple[tuple[str, str, int], ...]  # (shop, host, placed at)


@dataclass(frozen=True)
class LockstepGroup:
    target_kind: str  # SHOP or HOST
    target_id: str
    window_start: int  # the first arrival of the group
    window_end: int  # the last arrival
    members: tuple[str, ...]  # sorted
    expected: float  # arrivals expected in the window by chance
    p_value: float

    @property
    def id(self) -> str:
        return f"lockstep/{self.target_kind.lower()}/{self.target_id}/{self.window_start}"

    def reason(self) -> str:
        days = (self.window_end - self.window_start) / MS_PER_DAY
        return (
            f"{len(self.members)} accounts that buy mostly at {self.target_kind.lower()} "
            f"{self.target_id} first bought there within {days:.0f} days "
            f"(expected {self.expected:.1f} by the platform's flow, p = {self.p_value:.1e})"
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of a detection: the detectors build millions
    of small tuples and no cycles, and each collection would walk the whole input again (on
    twice the accounts, the ring detector took 3.4 times as long with it and 2.2 without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), summed from k upward (no cancellation for tiny tails)."""
    if k <= 0:
        return 1.0
    log_term = -lam + k * math.log(lam) - math.lgamma(k + 1) if lam > 0 else -math.inf
    if log_term == -math.inf:
        return 0.0
    term, total, i = math.exp(log_term), 0.0, k
    while term > total * 1e-16 and i < k + 10_000:
        total += term
        i += 1
        term *= lam / i
    return min(1.0, total)


def _arrivals(
    accounts: Iterable[Account], policy: LockstepPolicy, as_of: int
) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(kind, target) -> sorted (arrival, buyer) of the accounts that depend on it."""
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for a in accounts:
        if a.weight >= policy.max_member_weight:
            continue
        orders = [o for o in a.orders if o[2] <= as_of]
        if not orders:
            continue
        n = len(orders)
        for kind, index in (("SHOP", 0), ("HOST", 1)):
            counts: Counter[str] = Counter(str(o[index]) for o in orders)
            target, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if count / n >= policy.min_dependence:
                arrival = min(o[2] for o in orders if o[index] == target)
                found.setdefault((kind, target), []).append((arrival, a.buyer_id))
    for arrivals in found.values():
        arrivals.sort()
    return found


def detect_lockstep(
    accounts: Iterable[Account], policy: LockstepPolicy, as_of: int
) -> list[LockstepGroup]:
    """Lockstep groups among ``accounts`` as of ``as_of``, one per (target, first window that
    flags), sorted by id. A group's members are not flagged again by a later window of the same
    target: windows overlap, and the earliest window that flags names the job."""
    arrivals = _arrivals(accounts, policy, as_of)
    everything = sorted(t for arr in arrivals.values() for t, _ in arr)
    total = len(everything)
    window = int(policy.window_days * MS_PER_DAY)
    groups: list[LockstepGroup] = []
    for (kind, target), arr in sorted(arrivals.items()):
        if len(arr) < policy.min_size:
            continue
        times = [t for t, _ in arr]
        # Flagged windows cover arr[i0:j0] ranges met in increasing order, so the accounts of a
        # window not yet in a group are those from ``covered`` on: linear, not window x window.
        covered = 0
        for i, (start, _) in enumerate(arr):
            j = bisect_left(times, start + window, lo=i)
            size = j - i
            if size < policy.min_size:
                continue
            in_window = bisect_left(everything, start + window) - bisect_left(everything, start)
            share = (len(arr) - size + policy.prior_arrivals) / (
                total - in_window + policy.prior_arrivals
            )
            expected = max(0.0, in_window - size) * share + policy.prior_arrivals * share
            p = _poisson_tail(size, expected)
            if p > policy.max_p_value:
                continue
            members = tuple(sorted(b for _, b in arr[max(i, covered) : j]))
            if len(members) < policy.min_size:
                continue
            covered = j
            groups.append(
                LockstepGroup(kind, target, start, arr[j - 1][0], members, round(expected, 6), p)
            )
    return sorted(groups, key=lambda g: g.id)
