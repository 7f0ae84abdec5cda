"""Brushing-ring detection: clusters of throwaway accounts that feed one shop through one host.

The buyer weight (``scoring.buyer_weight``) judges one account at a time; a ring is visible as a
*group*: several accounts, each new and with no history but one target, buying at the same shop
through the same live room within days of one another (community structure plus the order
patterns; Cao et al., "Aiding the Detection of Fake Accounts in Large Scale Social Online
Services" (SybilRank), NSDI 2012, for the account side; the "crowd of new one-target accounts at
one seller" shape is the brushing pattern the platforms' rules describe, ANCHORS.md).

Algorithm, deterministic:

1. candidates: buyers whose orders (as of ``as_of``) all went to one (shop, host) pair and
   whose account looks new (``NEW_ACCOUNT`` among its weight signals) or whose weight is below
   ``suspect_weight``;
2. group the candidates by (shop, host), sort by first order, and cut a group wherever two
   consecutive first orders are more than ``window_days`` apart;
3. a cluster of at least ``min_size`` accounts whose share of members weighing less than
   ``suspect_weight`` (its score) is at least ``min_score`` is a ring. New honest buyers of a
   popular shop do cluster (a live room brings several new buyers a week), but most of them
   watched or commented first, so few of them are suspects and the score keeps them out.

Rings found feed back into scoring (``[rings]`` in the policy): a member's weight becomes at
most ``member_weight``, so a ring whose accounts dodged the individual signals still counts for
nothing in metrics and almost nothing in pair trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.facts import MS_PER_DAY
from scoring.policy_reader import PolicyTable, check_range

__all__ = [
    "Candidate",
    "Ring",
    "RingPolicy",
    "detect_rings",
    "load_ring_policy",
    "precision_recall",
]


@dataclass(frozen=True, slots=True)
class RingPolicy:
    min_size: int = 4
    window_days: float = 7.0
    suspect_weight: float = 0.5
    min_score: float = 0.75
    member_weight: float = 0.05
    # Policy v3: a member's claims (for-cause refunds, complaints) against the shops and hosts its
    # group was found at count at the account's own credibility, not at member_weight. A shill
    # does not complain about the shop it pumps, so such a claim is an honest buyer's the group
    # swept in (refund hiding arrives beside the shop's complainers to take them out of the
    # rate); off (v1, v2): the member's claims count at most member_weight everywhere.
    own_claims_at_targets: bool = False

    def __post_init__(self) -> None:
        check_range(self.min_size, "rings.min_size", ge=2)
        check_range(self.window_days, "rings.window_days", gt=0)
        for name in ("suspect_weight", "min_score", "member_weight"):
            check_range(getattr(self, name), f"rings.{name}", gt=0, le=1)


def load_ring_policy(document: Mapping[str, object]) -> RingPolicy:
    """The ``[rings]`` table of a parsed policy file (every key required but the optional
    ``own_claims_at_targets``, policy v3; none unknown)."""
    table = PolicyTable(document).table("rings")
    own = table.optional("own_claims_at_targets", table.boolean)
    return table.build(RingPolicy, own_claims_at_targets=bool(own))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What ring detection needs of one buyer: its weight and signals, and its orders."""

    buyer_id: str
    weight: float
    signals: tuple[str, ...]
    orders: tuple[tuple[str, str, int], ...]  # (shop, host, placed at)


@dataclass(frozen=True)
class Ring:
    shop_id: str
    host_id: str
    members: tuple[str, ...]  # the suspects of the cluster, sorted
    first_order_at: int
    last_first_order_at: int
    score: float  # share of members below suspect_weight

    @property
    def id(self) -> str:
        return f"{self.shop_id}/{self.host_id}/{self.first_order_at}"

    @property
    def targets(self) -> tuple[str, ...]:
        """The shop and host the ring was found at, as ``"SHOP:id"`` / ``"HOST:id"``, sorted."""
        return (f"HOST:{self.host_id}", f"SHOP:{self.shop_id}")


def detect_rings(buyers: Iterable[Candidate], policy: RingPolicy, as_of: int) -> list[Ring]:
    """Rings among ``buyers`` as of ``as_of`` (orders after it are ignored), sorted by id."""
    groups: dict[tuple[str, str], list[tuple[int, Candidate]]] = {}
    for b in buyers:
        orders = [o for o in b.orders if o[2] <= as_of]
        if not orders:
            continue
        targets = {(shop, host) for shop, host, _ in orders}
        if len(targets) != 1:
            continue
        if "NEW_ACCOUNT" not in b.signals and b.weight >= policy.suspect_weight:
            continue
        groups.setdefault(next(iter(targets)), []).append((min(o[2] for o in orders), b))
    window = policy.window_days * MS_PER_DAY
    rings: list[Ring] = []
    for (shop, host), members in sorted(groups.items()):
        members.sort(key=lambda m: (m[0], m[1].buyer_id))
        cluster: list[tuple[int, Candidate]] = []
        for m in [*members, None]:
            if m is not None and (not cluster or m[0] - cluster[-1][0] <= window):
                cluster.append(m)
                continue
            if len(cluster) >= policy.min_size:
                score = sum(1 for _, c in cluster if c.weight < policy.suspect_weight) / len(
                    cluster
                )
                if score >= policy.min_score:
                    # Members are the suspects: a new honest buyer caught in the cluster is not.
                    suspects = sorted(
                        c.buyer_id for _, c in cluster if c.weight < policy.suspect_weight
                    )
                    rings.append(
                        Ring(shop, host, tuple(suspects), cluster[0][0], cluster[-1][0], score)
                    )
            cluster = [m] if m is not None else []
    return sorted(rings, key=lambda r: r.id)


def precision_recall(found: Iterable[str], planted: Iterable[str]) -> tuple[float, float]:
    """Over buyers: the share of flagged buyers that were planted, and of planted ones flagged."""
    f, p = set(found), set(planted)
    hit = len(f & p)
    return (hit / len(f) if f else 1.0), (hit / len(p) if p else 1.0)
