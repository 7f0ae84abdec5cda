"""What one round of derivation produced: level changes, badge changes, and counts.

A change is written to the change log in the graph (``derived/record_changes``) as the row of
:meth:`TrustChange.log_row` / :meth:`BadgeChange.log_row`, and read back by :func:`change_of`, so
the mutation's answer and the subscriptions see the same typed values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoring.pair_trust import HOST, SHOP

TRUST = "TRUST"  # the log's kinds of change
BADGE = "BADGE"


def _about(change: str, as_of: int, kind: str, target_id: str) -> dict[str, Any]:
    """What every change-log row says: its kind, its time, and the shop or host it is about (as
    hostId or shopId too: what subscriptions filter on)."""
    return {
        "kind": change,
        "asOf": as_of,
        "targetKind": kind,
        "targetId": target_id,
        "hostId": target_id if kind == HOST else None,
        "shopId": target_id if kind == SHOP else None,
    }


@dataclass(frozen=True)
class TrustChange:
    buyer_id: str
    target_kind: str
    target_id: str
    old_level: str | None  # None: the pair had no TRUST before
    new_level: str
    score: float
    confidence: float
    as_of: int

    def log_row(self) -> dict[str, Any]:
        return {
            **_about(TRUST, self.as_of, self.target_kind, self.target_id),
            "buyerId": self.buyer_id,
            "oldLevel": self.old_level,
            "newLevel": self.new_level,
            "score": self.score,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class BadgeChange:
    kind: str  # SHOP or HOST
    entity_id: str
    old_badges: tuple[str, ...]
    new_badges: tuple[str, ...]
    multiplier: float
    tier: str
    as_of: int

    def log_row(self) -> dict[str, Any]:
        return {
            **_about(BADGE, self.as_of, self.kind, self.entity_id),
            "oldBadges": list(self.old_badges),
            "newBadges": list(self.new_badges),
            "multiplier": self.multiplier,
            "tier": self.tier,
        }


Change = TrustChange | BadgeChange


def change_of(row: dict[str, Any]) -> Change:
    """A change as the log holds it (a ``Change`` node's properties) back into its type."""
    if row["kind"] == TRUST:
        return TrustChange(
            row["buyerId"],
            row["targetKind"],
            row["targetId"],
            row.get("oldLevel"),
            row["newLevel"],
            row["score"],
            row["confidence"],
            row["asOf"],
        )
    return BadgeChange(
        row["targetKind"],
        row["targetId"],
        tuple(row["oldBadges"] or ()),
        tuple(row["newBadges"] or ()),
        row["multiplier"],
        row["tier"],
        row["asOf"],
    )


@dataclass
class DeriveResult:
    as_of: int | None = None
    buyers: int = 0
    shops: int = 0
    hosts: int = 0
    trust_changes: list[TrustChange] = field(default_factory=list)
    badge_changes: list[BadgeChange] = field(default_factory=list)
    seconds: float = 0.0

    def merge(self, other: DeriveResult) -> None:
        """Add another round's work to this one (the later clock wins)."""
        if other.as_of is not None:
            self.as_of = max(self.as_of or other.as_of, other.as_of)
        self.buyers += other.buyers
        self.shops += other.shops
        self.hosts += other.hosts
        self.trust_changes.extend(other.trust_changes)
        self.badge_changes.extend(other.badge_changes)
        self.seconds += other.seconds
