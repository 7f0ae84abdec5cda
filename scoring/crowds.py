"""Crowds measured against the platform's base rates (policy v4, ``[crowds]``): two group
detectors for the jobs that lockstep's arrival windows cannot see.

*Weighed crowds.* A throwaway account that waits a month between its two cheap orders and sits in
the room while it orders carries weaker signals than a brushing ring (a first order on the day it
registered, one shop, a cheap median), so it weighs 0.45: above the metrics' cut-off, and its
arrivals, months apart, form no lockstep window. What a patient job cannot hide is how many of
a page's dependent accounts weigh that little. On the seeded platforms a quarter of a percent of
honest accounts weigh below 0.5, and they are scattered. Over each page's whole life (no window:
patience buys nothing), the accounts that depend on it (its pages as in
:func:`scoring.lockstep.dependence_pages`, signature pages) are compared with the platform:

    k = dependents weighing below ``suspect_weight``,  n = dependents,
    q = (weighed dependents + 1) / (dependents + 2) over the whole platform,
    p = P(Binomial(n, q) >= k)

and a page with ``k >= min_size`` and ``p <= family_p_value / pages tested`` (the pages with
``min_size`` weighed dependents or more; a Bonferroni bound, so the bar scales with the number
of chances an honest page has) is a crowd; its members are the weighed dependents.

*Claim bursts.* A review-bombing crowd of one-order accounts, each sitting in the room, carries
no signal at all (weight 1); its claims count a fifth (no history) and the entity's metrics
leave a burst of them out (``metrics.claim_burst_max_p_value``). Here the same burst makes a
group, so the accounts are flagged with a reason, not only their claims discounted. For each
shop, and each shop through one of its rooms (a pair), in windows of ``claim_window_days``
starting at each claim of an account without a history (``Account.unproven``):

    k = claims (orders with a for-cause refund or complaint, dated at the first) of accounts
        without a history in the window,
    n = orders of accounts without a history placed there in the window or the one before,
    r = (claimed orders + 1) / (orders + 2) of the entity's accounts with a history, over its life,
    p = P(Binomial(n, r) >= k)

and a window with ``k >= claim_min_size`` and ``p <= family_p_value / pages tested`` (those
with ``claim_min_size`` claimants without a history or more) is a burst; its members are the
window's claimants without a history. A shop that really failed its newest buyers had those
claims left out by the metrics' burst test already; the group also takes their orders out of
its volume, and their evidence everywhere down to the cap. The platform's ruling
(``DISPUTE_RULED``) is what tells the two apart, and a member's own weight comes back when the
group is gone.

Members weigh at most ``rings.member_weight`` once applied, as ring and lockstep members do. Both
are O(A log A) for A accounts' orders and claims.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.entity_metrics import binomial_tail
from scoring.facts import MS_PER_DAY
from scoring.lockstep import Account, LockstepPolicy, dependence_pages
from scoring.policy_reader import PolicyTable, check_range

__all__ = [
    "ClaimBurst",
    "CrowdPolicy",
    "WeighedCrowd",
    "detect_claim_bursts",
    "detect_weighed_crowds",
    "load_crowd_policy",
]


@dataclass(frozen=True, slots=True)
class CrowdPolicy:
    suspect_weight: float = 0.5
    min_size: int = 5
    family_p_value: float = 1e-5
    claim_window_days: float = 60.0
    claim_min_size: int = 4

    def __post_init__(self) -> None:
        check_range(self.suspect_weight, "crowds.suspect_weight", gt=0, le=1)
        check_range(self.min_size, "crowds.min_size", ge=2)
        check_range(self.family_p_value, "crowds.family_p_value", gt=0, lt=1)
        check_range(self.claim_window_days, "crowds.claim_window_days", gt=0)
        check_range(self.claim_min_size, "crowds.claim_min_size", ge=2)


def load_crowd_policy(document: Mapping[str, object]) -> CrowdPolicy | None:
    """The ``[crowds]`` table of a parsed policy file, or None (v1-v3: no crowd detection)."""
    root = PolicyTable(document)
    table = root.optional("crowds", root.table)
    return None if table is None else table.build(CrowdPolicy)


def _targets(kind: str, target: str) -> tuple[str, ...]:
    if kind == "PAIR":
        shop, _, host = target.partition("/")
        return (f"HOST:{host}", f"SHOP:{shop}")
    return (f"{kind}:{target}",)


def _page(kind: str, target: str) -> str:
    if kind == "PAIR":
        shop, _, host = target.partition("/")
        return f"shop {shop} through host {host}"
    return f"{kind.lower()} {target}"


@dataclass(frozen=True)
class WeighedCrowd:
    target_kind: str  # SHOP, HOST or PAIR
    target_id: str  # a shop's or host's id; for a PAIR, "shop/host"
    members: tuple[str, ...]  # sorted: the page's weighed dependents
    dependents: int
    expected: float  # weighed dependents expected at the platform's share
    p_value: float

    @property
    def id(self) -> str:
        return f"crowd/{self.target_kind.lower()}/{self.target_id}"

    @property
    def targets(self) -> tuple[str, ...]:
        return _targets(self.target_kind, self.target_id)

    def reason(self) -> str:
        return (
            f"{len(self.members)} of the {self.dependents} accounts that buy mostly at "
            f"{_page(self.target_kind, self.target_id)} weigh little on their own "
            f"(expected {self.expected:.1f} at the platform's share, p = {self.p_value:.1e})"
        )


@dataclass(frozen=True)
class ClaimBurst:
    target_kind: str  # SHOP or PAIR
    target_id: str  # a shop's id; for a PAIR, "shop/host"
    window_start: int  # the first claim of the burst
    window_end: int  # the last
    members: tuple[str, ...]  # sorted: the claimants without a history
    unproven_orders: int  # orders of accounts without a history there (n)
    rate: float  # the claim rate of the orders of the entity's accounts with a history (r)
    p_value: float

    @property
    def id(self) -> str:
        return f"burst/{self.target_kind.lower()}/{self.target_id}/{self.window_start}"

    @property
    def targets(self) -> tuple[str, ...]:
        return _targets(self.target_kind, self.target_id)

    def reason(self) -> str:
        days = (self.window_end - self.window_start) / MS_PER_DAY
        return (
            f"{len(self.members)} accounts without a history filed claims against "
            f"{_page(self.target_kind, self.target_id)} within {days:.0f} days, of "
            f"{self.unproven_orders} orders of such accounts there (the orders of its buyers "
            f"with a history are claimed at {self.rate:.1%}; p = {self.p_value:.1e})"
        )


_SIGNATURE = LockstepPolicy(pages="signature")


def detect_weighed_crowds(
    accounts: Iterable[Account],
    policy: CrowdPolicy,
    as_of: int,
    pages: LockstepPolicy | None = None,
) -> list[WeighedCrowd]:
    """Weighed crowds among ``accounts`` as of ``as_of`` (module docstring), sorted by id; the
    pages are those of ``pages`` (default: signature pages at half of the orders)."""
    page_policy = pages if pages is not None and pages.pages == "signature" else _SIGNATURE
    everyone: dict[tuple[str, str], int] = {}
    weighed: dict[tuple[str, str], list[str]] = {}
    for a in accounts:
        orders = [o for o in a.orders if o[2] <= as_of]
        if not orders:
            continue
        light = a.weight < policy.suspect_weight
        for kind, page, _ in dependence_pages(orders, page_policy):
            key = (kind, page)
            everyone[key] = everyone.get(key, 0) + 1
            if light:
                weighed.setdefault(key, []).append(a.buyer_id)
    total = sum(everyone.values())
    light_total = sum(len(v) for v in weighed.values())
    q = (light_total + 1) / (total + 2)
    tested = [key for key, members in weighed.items() if len(members) >= policy.min_size]
    limit = policy.family_p_value / max(1, len(tested))
    found: list[WeighedCrowd] = []
    for key in sorted(tested):
        members, n = weighed[key], everyone[key]
        p = binomial_tail(len(members), n, q)
        if p <= limit:
            found.append(
                WeighedCrowd(key[0], key[1], tuple(sorted(members)), n, round(n * q, 6), p)
            )
    return sorted(found, key=lambda g: g.id)


def _claim_pages(shop: str, host: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """Where a claim about an order at ``shop`` through ``host`` is counted: the shop, and the
    shop through the room (a host's claims through its other shops are other pages: a burst at
    one of them says nothing of the room's other buyers)."""
    return ("SHOP", shop), ("PAIR", f"{shop}/{host}")


def detect_claim_bursts(
    accounts: Iterable[Account], policy: CrowdPolicy, as_of: int
) -> list[ClaimBurst]:
    """Claim bursts among ``accounts`` as of ``as_of`` (module docstring), sorted by id."""
    window = int(policy.claim_window_days * MS_PER_DAY)
    # per entity: claims (at, buyer) and orders (at, buyer) of accounts without a history, and
    # the orders and claimed orders of accounts with one
    u_claims: dict[tuple[str, str], list[tuple[int, str]]] = {}
    u_orders: dict[tuple[str, str], list[int]] = {}
    p_orders: dict[tuple[str, str], int] = {}
    p_claimed: dict[tuple[str, str], int] = {}
    for a in accounts:
        for shop, host, at in a.orders:
            if at <= as_of:
                for key in _claim_pages(shop, host):
                    if a.unproven:
                        u_orders.setdefault(key, []).append(at)
                    else:
                        p_orders[key] = p_orders.get(key, 0) + 1
        for shop, host, at in a.claims:
            if at <= as_of:
                for key in _claim_pages(shop, host):
                    if a.unproven:
                        u_claims.setdefault(key, []).append((at, a.buyer_id))
                    else:
                        p_claimed[key] = p_claimed.get(key, 0) + 1
    tested = [
        key
        for key, claims in u_claims.items()
        if len({b for _, b in claims}) >= policy.claim_min_size
    ]
    limit = policy.family_p_value / max(1, len(tested))
    found: list[ClaimBurst] = []
    for key in sorted(tested):
        claims = sorted(u_claims[key])
        placed = sorted(u_orders.get(key, ()))
        claim_at = [t for t, _ in claims]
        rate = (p_claimed.get(key, 0) + 1) / (p_orders.get(key, 0) + 2)
        covered = 0
        for i, (start, _) in enumerate(claims):
            if i < covered:
                continue
            j = bisect_left(claim_at, start + window, lo=i)
            members = {b for _, b in claims[i:j]}
            if len(members) < policy.claim_min_size:
                continue
            # the orders these claims can be about: placed in the window or the one before
            n = bisect_left(placed, start + window) - bisect_left(placed, start - window)
            n = max(n, j - i)
            p = binomial_tail(j - i, n, rate)
            if p > limit:
                continue
            found.append(
                ClaimBurst(
                    key[0],
                    key[1],
                    start,
                    claims[j - 1][0],
                    tuple(sorted(members)),
                    n,
                    round(rate, 6),
                    p,
                )
            )
            covered = j
    return sorted(found, key=lambda g: g.id)
