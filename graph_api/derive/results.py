"""What one round of derivation produced: level changes, badge changes, and counts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrustChange:
    buyer_id: str
    target_kind: str
    target_id: str
    old_level: str | None  # None: the pair had no TRUST before
    new_level: str
    score: float
    confidence: float


@dataclass(frozen=True)
class BadgeChange:
    kind: str
    entity_id: str
    old_badges: tuple[str, ...]
    new_badges: tuple[str, ...]
    multiplier: float
    tier: str


@dataclass
class DeriveResult:
    as_of: int | None = None
    buyers: int = 0
    shops: int = 0
    hosts: int = 0
    trust_changes: list[TrustChange] = field(default_factory=list)
    badge_changes: list[BadgeChange] = field(default_factory=list)
    seconds: float = 0.0
