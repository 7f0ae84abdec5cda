"""Lockstep groups: a crowd of dependent accounts arriving at one shop or host together.

The ring detector (:mod:`scoring.rings`) looks for new one-target accounts at one (shop, host)
within a week. A fraudster who read it spreads the job: accounts registered months before, orders
over weeks, a few orders elsewhere as camouflage. What the job cannot hide is its purpose: many
accounts whose purchases mostly go to ONE target, arriving there within a few weeks of one
another, more of them than the platform's own flow of such accounts explains. That is the
lockstep shape of CopyCatch (Beutel et al., "CopyCatch: stopping group attacks by spotting
lockstep behavior in social networks", WWW 2013): a group of users acting on the same pages in
the same time window, here with one page per group and the window rolling over the whole history.

Algorithm, deterministic, over the accounts (``Account``) as of ``as_of``:

1. *pages*: an account depends on a page when at least ``min_dependence`` of its orders went
   there. With ``pages = "targets"`` (policy v2) the pages are shops and hosts, and only
   accounts weighing below ``max_member_weight`` are looked at (signals of
   :mod:`scoring.buyer_weight` fired). With ``pages = "signature"`` (v3) every buyer is looked
   at, whatever its weight, and each account has the pages of its *dependence signature*: the
   (shop, host) pair it mostly buys at, plus the shop when its orders there went through
   several of the shop's rooms (the host, through several of the host's shops); an account with
   no such pair has its shop and host pages. A script buys through one pair, or through every
   room of the shop it serves; an honest loyal buyer usually buys through one room, and the flow
   of honest accounts into one pair is a trickle, so a job stands out against it, while the
   loyal buyers of a busy room do not swell its shop's page (measured on the seeded platforms:
   with shop and host pages over every buyer, honest launch months and popular rooms were
   flagged by the hundred; with signature pages, none);
2. its *arrival* at the page is its first order there (at a pair: its first order at the
   pair's shop or through its room, so that a room's fans who follow it to a new shop arrived
   when they first bought through the room, not together on the new shop's first day);
3. for each page and each window of ``window_days`` starting at an arrival, the group is the
   dependent accounts that arrived in it. The count expected by chance is the platform's flow of
   dependent arrivals in the same window times the page's share of the flow *over the page's
   own life* (from its first arrival on, outside the window, plus ``prior_arrivals`` as a prior,
   so that a brand-new shop is not "expected" to get nothing; a room that opened in the fifth
   month is not measured against months in which it did not exist);
4. a group of at least ``min_size`` accounts, at least ``min_excess_ratio`` times its expectation
   (the platform's own flow is overdispersed: an honest room's launch month reached four times
   its expectation on the seeded platforms, every planted job ten times or more), whose Poisson
   tail P(X >= size | expected) is at most ``max_p_value`` is flagged (v4: *screened*: the
   window only opens the test of its core, next step);
5. its members are the *core* of the window: the run of consecutive arrivals with the smallest
   Poisson tail against its own span's expectation (a brushing job takes a week, so the honest
   newcomers of the other three weeks of the window are not swept in with it), flagged when its
   tail is at most ``max_p_value`` or (v4) ``family_p_value`` divided by the pages tested (those
   with ``min_size`` arrivals or more: a Bonferroni bound, so the bar rises with the chances an
   honest page has, in place of a fixed excess ratio). The reason names the page, the core's
   dates, its size and its expectation;
6. (v5) a flagged core is *continued* by the longest run of the page's arrivals right after it,
   inside the window that starts at the core's first arrival, whose own Poisson tail (against
   its own span's expectation, as in step 5) is at most ``continuation_p_value``. The job is
   established by then, so the test of one run per flagged core needs no family bar: a job that
   sends half its accounts in a week and the other half over the next two weeks is one group
   (on the seeded platforms the in-room camouflage job's second half arrived 8-16 days after its
   core, each week too few for the family bar on its own);
7. (v5) a member registered more than max(``registration_days``, three median absolute
   deviations) from the members' median registration is left out (*registered apart*), when
   such members are at most ``registration_outlier_share`` of the run. Accounts made for a job
   are made (or bought) as a batch; an honest buyer who happens to arrive in the job's week was
   registered whenever it joined. The share bounds what a fraudster gains by registering a few
   accounts apart on purpose: most of the job stays flagged, and when the registrations are
   spread, nobody is an outlier and nobody is left out. The reason counts the continued and
   the left-out accounts.

Flagged accounts weigh at most ``rings.member_weight`` once applied (``trustgraph rings
--apply``), as ring members do. O(A log A) for A arrivals, plus a scan of each flagged window
(at most about 10,000 runs each).
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
from scoring.policy_reader import PolicyError, PolicyTable, check_range

__all__ = [
    "PAGES",
    "Account",
    "LockstepGroup",
    "LockstepPolicy",
    "dependence_pages",
    "detect_lockstep",
    "gc_paused",
    "load_lockstep_policy",
]


PAGES = ("targets", "signature")  # what an account can depend on (module docstring, step 1)


@dataclass(frozen=True, slots=True)
class LockstepPolicy:
    window_days: float = 30.0
    min_dependence: float = 0.5
    min_size: int = 5
    max_p_value: float = 1e-6
    prior_arrivals: float = 1.0
    max_member_weight: float | None = 0.5  # None: every buyer, whatever its weight (v3)
    pages: str = "targets"
    min_excess_ratio: float = 1.0
    # v4: a window's core is flagged when its tail is at most family_p_value / (pages tested),
    # the pages with min_size arrivals or more (None: max_p_value, as v2 and v3).
    family_p_value: float | None = None
    # v5: a flagged core continues by the longest run of arrivals after it, inside its window,
    # whose own tail is at most continuation_p_value (None: no continuation, as v2-v4).
    continuation_p_value: float | None = None
    # v5: a member registered more than max(registration_days, 3 x the members' median absolute
    # deviation) from the members' median registration is left out of the group, when such
    # members are at most registration_outlier_share of it (None: none left out, as v2-v4).
    registration_days: float | None = None
    registration_outlier_share: float = 0.25

    def __post_init__(self) -> None:
        check_range(self.window_days, "lockstep.window_days", gt=0)
        check_range(self.min_dependence, "lockstep.min_dependence", ge=0.5, le=1)
        check_range(self.min_size, "lockstep.min_size", ge=2)
        check_range(self.max_p_value, "lockstep.max_p_value", gt=0, lt=1)
        check_range(self.prior_arrivals, "lockstep.prior_arrivals", gt=0)
        if self.max_member_weight is not None:
            check_range(self.max_member_weight, "lockstep.max_member_weight", gt=0, le=1)
        if self.pages not in PAGES:
            raise PolicyError("lockstep.pages", f"must be one of {', '.join(PAGES)}")
        check_range(self.min_excess_ratio, "lockstep.min_excess_ratio", ge=1)
        if self.family_p_value is not None:
            check_range(self.family_p_value, "lockstep.family_p_value", gt=0, lt=1)
        if self.continuation_p_value is not None:
            check_range(self.continuation_p_value, "lockstep.continuation_p_value", gt=0, lt=1)
        if self.registration_days is not None:
            check_range(self.registration_days, "lockstep.registration_days", gt=0)
        check_range(
            self.registration_outlier_share, "lockstep.registration_outlier_share", ge=0, lt=0.5
        )

    def core_p_value(self, pages: int) -> float:
        """The largest tail a window's core may have when ``pages`` pages are tested."""
        if self.family_p_value is None:
            return self.max_p_value
        return min(self.max_p_value, self.family_p_value / max(1, pages))


def load_lockstep_policy(document: Mapping[str, object]) -> LockstepPolicy | None:
    """The ``[lockstep]`` table of a parsed policy file, or None when it has none (policy v1:
    no lockstep detection). No key unknown; ``max_member_weight`` (none: every buyer),
    ``pages`` (``targets``) and ``min_excess_ratio`` (1) are optional (v3's),
    ``family_p_value`` (v4's), ``continuation_p_value``, ``registration_days`` and
    ``registration_outlier_share`` (v5's, 0.25) too; the others required."""
    root = PolicyTable(document)
    table = root.optional("lockstep", root.table)
    if table is None:
        return None
    pages = table.optional("pages", table.string, PAGES)
    ratio = table.optional("min_excess_ratio", table.number, ge=1)
    share = table.optional("registration_outlier_share", table.number, ge=0, lt=0.5)
    return table.build(
        LockstepPolicy,
        max_member_weight=table.optional("max_member_weight", table.number, gt=0, le=1),
        pages="targets" if pages is None else pages,
        min_excess_ratio=1.0 if ratio is None else ratio,
        family_p_value=table.optional("family_p_value", table.number, gt=0, lt=1),
        continuation_p_value=table.optional("continuation_p_value", table.number, gt=0, lt=1),
        registration_days=table.optional("registration_days", table.number, gt=0),
        registration_outlier_share=0.25 if share is None else share,
    )


@dataclass(frozen=True, slots=True)
class Account:
    """What group detection needs of one buyer: its weight and its orders (and, for the claim
    bursts of :mod:`scoring.crowds`, its claims and whether it has a history)."""

    buyer_id: str
    weight: float
    orders: tuple[tuple[str, str, int], ...]  # (shop, host, placed at)
    # (shop, host, at) of each order with a for-cause refund or complaint, at its first claim
    claims: tuple[tuple[str, str, int], ...] = ()
    unproven: bool = False  # no history on the platform (its claims count a fifth)
    registered: int | None = None  # when it registered (None: not known)


@dataclass(frozen=True)
class LockstepGroup:
    target_kind: str  # SHOP, HOST or PAIR
    target_id: str  # a shop's or host's id; for a PAIR, "shop/host"
    window_start: int  # the first arrival of the group
    window_end: int  # the last arrival
    members: tuple[str, ...]  # sorted
    expected: float  # arrivals expected in [window_start, window_end] by chance
    p_value: float
    # v5: the arrivals after the core that continue it (their own tail at most the policy's
    # continuation_p_value), part of members; and the arrivals left out as registered apart
    continued: tuple[str, ...] = ()
    apart: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"lockstep/{self.target_kind.lower()}/{self.target_id}/{self.window_start}"

    def _pair(self) -> tuple[str, str]:
        """(shop, host) of a PAIR page."""
        shop, _, host = self.target_id.partition("/")
        return shop, host

    @property
    def targets(self) -> tuple[str, ...]:
        """The shops and hosts of the group's page, as ``"SHOP:id"`` / ``"HOST:id"``, sorted."""
        if self.target_kind == "PAIR":
            shop, host = self._pair()
            return (f"HOST:{host}", f"SHOP:{shop}")
        return (f"{self.target_kind}:{self.target_id}",)

    def page(self) -> str:
        if self.target_kind == "PAIR":
            shop, host = self._pair()
            return f"shop {shop} through host {host}"
        return f"{self.target_kind.lower()} {self.target_id}"

    def reason(self) -> str:
        days = (self.window_end - self.window_start) / MS_PER_DAY
        text = (
            f"{len(self.members)} accounts that buy mostly at {self.page()} "
            f"first bought there within {days:.0f} days "
            f"(expected {self.expected:.1f} by the platform's flow, p = {self.p_value:.1e})"
        )
        if self.continued:
            text += f"; {len(self.continued)} of them arrived after its core, continuing it"
        if self.apart:
            text += f"; {len(self.apart)} arrivals registered apart from the group left out"
        return text


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


def _top(counts: Counter[str]) -> tuple[str, int]:
    """The most frequent key, ties broken by the smallest (deterministic)."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def dependence_pages(
    orders: list[tuple[str, str, int]], policy: LockstepPolicy
) -> Iterator[tuple[str, str, int]]:
    """(kind, page, arrival) of each page the account depends on (module docstring, step 1)."""
    n = len(orders)
    least = policy.min_dependence * n
    shop, shops = _top(Counter(o[0] for o in orders))
    host, hosts = _top(Counter(o[1] for o in orders))
    on_shop = ("SHOP", shop, min(o[2] for o in orders if o[0] == shop)) if shops >= least else None
    on_host = ("HOST", host, min(o[2] for o in orders if o[1] == host)) if hosts >= least else None
    if policy.pages == "signature":
        pair, pairs = _top(Counter(f"{o[0]}/{o[1]}" for o in orders))
        if pairs >= least:
            # Arriving at a pair is the first order at its shop or through its room: an honest
            # room's fans who follow it to a shop it starts selling for arrived long before.
            shop_of, _, host_of = pair.partition("/")
            yield "PAIR", pair, min(o[2] for o in orders if o[0] == shop_of or o[1] == host_of)
            # A dependence on a shop spread over several of its rooms (or on a room over
            # several shops) is the shop's (room's) page as well: a job placed through every
            # room of one shop still shows there, where one room's loyal buyers do not.
            if on_shop is not None and shops > pairs:
                yield on_shop
            if on_host is not None and hosts > pairs:
                yield on_host
            return
    if on_shop is not None:
        yield on_shop
    if on_host is not None:
        yield on_host


def _arrivals(
    accounts: Iterable[Account], policy: LockstepPolicy, as_of: int, registered: dict[str, int]
) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(kind, page) -> sorted (arrival, buyer) of the accounts that depend on it; the known
    registrations of those accounts (registered before ``as_of``) go to ``registered``."""
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    # (An account may arrive on two pages of the flow, its pair and its shop: the flow counts
    # arrivals on pages, and each page's share is of that flow.)
    limit = policy.max_member_weight
    for a in accounts:
        if limit is not None and a.weight >= limit:
            continue
        orders = [o for o in a.orders if o[2] <= as_of]
        if orders:
            for kind, page, arrival in dependence_pages(orders, policy):
                found.setdefault((kind, page), []).append((arrival, a.buyer_id))
            if a.registered is not None and a.registered <= as_of:
                registered[a.buyer_id] = a.registered
    for arrivals in found.values():
        arrivals.sort()
    return found


class _Flow:
    """The platform's dependent arrivals, sorted, to count them in any span."""

    def __init__(self, arrivals: Mapping[tuple[str, str], list[tuple[int, str]]]) -> None:
        self.times = sorted(t for arr in arrivals.values() for t, _ in arr)

    def count(self, start: int, end: int) -> int:
        """Arrivals in [start, end)."""
        return bisect_left(self.times, end) - bisect_left(self.times, start)


_MAX_RUNS = 100  # run starts (and ends) tried per flagged window: at most about 10,000 runs


def _core(
    arr: list[tuple[int, str]],
    first: int,
    end: int,
    flow: _Flow,
    share: float,
    policy: LockstepPolicy,
) -> tuple[int, int, float, float]:
    """The run arr[a:z+1] within arr[first:end] (which holds at least ``min_size`` arrivals) of
    at least ``min_size`` arrivals with the smallest Poisson tail against its own span's
    expectation, as (a, z, expected, p) (module docstring, step 5)."""
    step = max(1, (end - first) // _MAX_RUNS)
    best: tuple[float, int, int, float] | None = None
    for a in range(first, end - policy.min_size + 1, step):
        ends = range(end - 1, a + policy.min_size - 2, -step)
        for z in ends:
            expected, p = _run_tail(arr, a, z, flow, share, policy)
            if best is None or (p, a, -z) < (best[0], best[1], -best[2]):
                best = (p, a, z, expected)
    assert best is not None, "the caller checks that the window holds min_size arrivals"
    p, a, z, expected = best
    return a, z, expected, p


def _run_tail(
    arr: list[tuple[int, str]], a: int, z: int, flow: _Flow, share: float, policy: LockstepPolicy
) -> tuple[float, float]:
    """(expected, Poisson tail) of the run arr[a:z+1] against its own span's expectation: the
    platform's other dependent arrivals in the span, plus the prior, times the page's share."""
    size = z - a + 1
    start, stop = arr[a][0], arr[z][0] + 1
    others = max(0, flow.count(start, stop) - size)
    prior = (
        policy.prior_arrivals * max(stop - start, MS_PER_DAY) / (policy.window_days * MS_PER_DAY)
    )
    expected = (others + prior) * share
    return expected, _poisson_tail(size, expected)


class _Batch:
    """The registrations of a run's members (module docstring, step 7): their median and the
    tolerance around it, max(``registration_days``, three median absolute deviations)."""

    def __init__(
        self, members: list[str], registered: Mapping[str, int], policy: LockstepPolicy
    ) -> None:
        self.registered = registered
        self.share = policy.registration_outlier_share
        known = sorted(registered[m] for m in members if m in registered)
        self.median = known[len(known) // 2] if known else 0
        spread = sorted(abs(t - self.median) for t in known)[len(known) // 2] if known else 0
        days = policy.registration_days
        self.tolerance = None if days is None or not known else max(days * MS_PER_DAY, 3 * spread)

    def apart(self, members: list[str]) -> set[str] | None:
        """The members registered apart from the batch; None when they are more than the
        policy's ``registration_outlier_share`` of ``members`` (not a few strays: another
        batch, or none)."""
        if self.tolerance is None:
            return set()
        reg, tolerance = self.registered, self.tolerance
        found = {m for m in members if m in reg and abs(reg[m] - self.median) > tolerance}
        return None if len(found) > self.share * len(members) else found


def _continuation(
    arr: list[tuple[int, str]],
    z: int,
    end: int,
    flow: _Flow,
    share: float,
    policy: LockstepPolicy,
    batch: _Batch,
) -> int:
    """The last arrival of the longest run arr[z+1:e+1] (before ``end``) that continues a
    flagged core ending at ``z`` (module docstring, step 6): its own tail at most
    ``continuation_p_value``, and its accounts registered with the core's (``batch``: no more
    than the policy's share apart); ``z`` when none does."""
    limit = policy.continuation_p_value
    if limit is None:
        return z
    step = max(1, (end - z - 1) // _MAX_RUNS)
    for e in range(end - 1, z + 1, -step):  # two arrivals at least, longest first
        if _run_tail(arr, z + 1, e, flow, share, policy)[1] > limit:
            continue
        if batch.apart([b for _, b in arr[z + 1 : e + 1]]) is not None:
            return e
    return z


def detect_lockstep(
    accounts: Iterable[Account], policy: LockstepPolicy, as_of: int
) -> list[LockstepGroup]:
    """Lockstep groups among ``accounts`` as of ``as_of``, one per (page, window that flags),
    sorted by id. A group's members are not flagged again by a later window of the same page:
    windows overlap, and the earliest window that flags names the job."""
    registered: dict[str, int] = {}
    arrivals = _arrivals(accounts, policy, as_of, registered)
    flow = _Flow(arrivals)
    total = len(flow.times)
    window = int(policy.window_days * MS_PER_DAY)
    prior = policy.prior_arrivals
    limit = policy.core_p_value(sum(1 for arr in arrivals.values() if len(arr) >= policy.min_size))
    groups: list[LockstepGroup] = []
    for (kind, target), arr in sorted(arrivals.items()):
        if len(arr) < policy.min_size:
            continue
        times = [t for t, _ in arr]
        # The page's share of the flow over its own life: before its first arrival the flow
        # went to pages that existed (a room opened in the fifth month got none of it).
        before = bisect_left(flow.times, times[0])
        # Flagged windows cover arr ranges met in increasing order, so the accounts of a window
        # not yet in a group are those from ``covered`` on: linear, not window x window.
        covered = 0
        for i, (start, _) in enumerate(arr):
            j = bisect_left(times, start + window, lo=i)
            size = j - i
            if size < policy.min_size or j - max(i, covered) < policy.min_size:
                continue
            in_window = flow.count(start, start + window)
            share = (len(arr) - size + prior) / (total - before - in_window + prior)
            expected = (max(0, in_window - size) + prior) * share
            if size < policy.min_excess_ratio * expected:
                continue
            if _poisson_tail(size, expected) > policy.max_p_value:
                continue
            a, z, core_expected, p = _core(arr, max(i, covered), j, flow, share, policy)
            if p > limit:
                continue
            core = [b for _, b in arr[a : z + 1]]
            batch = _Batch(core, registered, policy)
            end = bisect_left(times, arr[a][0] + window, lo=z)
            last = _continuation(arr, z, end, flow, share, policy, batch)
            covered = last + 1
            run = [b for _, b in arr[a : last + 1]]
            apart = batch.apart(run) or set()
            groups.append(
                LockstepGroup(
                    kind,
                    target,
                    arr[a][0],
                    arr[last][0],
                    tuple(sorted(b for b in run if b not in apart)),
                    round(core_expected, 6),
                    p,
                    continued=tuple(sorted(b for _, b in arr[z + 1 : last + 1] if b not in apart)),
                    apart=tuple(sorted(apart)),
                )
            )
    return sorted(groups, key=lambda g: g.id)
