"""What a full rescore changed: the derived state that people look at (badges, tiers, levels,
down-weighted buyers), read before and after it, and the difference.

A rescore rewrites everything, so "rescored 2,000 buyers" alone does not show whether a new
policy, a ``rings --apply`` or a day of decay moved anything; :class:`RescoreChanges` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph_api.store import Store


@dataclass(frozen=True)
class DerivedSnapshot:
    levels: dict[str, int]  # "HOST:REGULAR" -> TRUST relationships at that level
    badges: dict[str, frozenset[str]]  # Standing id ("SHOP:s1") -> its badges
    tiers: dict[str, str | None]  # Standing id -> its traffic tier
    reweighted: int  # buyers whose anti-gaming weight is below 1


def snapshot(store: Store) -> DerivedSnapshot:
    row = store.rows("derived/snapshot_levels")[0]
    standings = store.rows("derived/snapshot_standings")
    return DerivedSnapshot(
        levels={key: n for key, n in row["levels"]},
        badges={r["id"]: frozenset(r["badges"]) for r in standings},
        tiers={r["id"]: r["tier"] for r in standings},
        reweighted=row["reweighted"],
    )


@dataclass
class RescoreChanges:
    granted: list[tuple[str, str]] = field(default_factory=list)  # (Standing id, badge)
    lost: list[tuple[str, str]] = field(default_factory=list)
    tiers_changed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    levels: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (before, after)
    reweighted: tuple[int, int] = (0, 0)

    @property
    def any(self) -> bool:
        return bool(
            self.granted
            or self.lost
            or self.tiers_changed
            or any(a != b for a, b in self.levels.values())
            or self.reweighted[0] != self.reweighted[1]
        )

    def to_dict(self, examples: int = 20) -> dict[str, Any]:
        return {
            "badgesGranted": len(self.granted),
            "badgesLost": len(self.lost),
            "granted": [f"{who} {badge}" for who, badge in self.granted[:examples]],
            "lost": [f"{who} {badge}" for who, badge in self.lost[:examples]],
            "tiersChanged": len(self.tiers_changed),
            "levels": {k: {"before": a, "after": b} for k, (a, b) in self.levels.items()},
            "reweighted": {"before": self.reweighted[0], "after": self.reweighted[1]},
        }


def changes(before: DerivedSnapshot, after: DerivedSnapshot) -> RescoreChanges:
    out = RescoreChanges(reweighted=(before.reweighted, after.reweighted))
    for who in sorted(before.badges.keys() | after.badges.keys()):
        old, new = before.badges.get(who, frozenset()), after.badges.get(who, frozenset())
        out.granted += [(who, b) for b in sorted(new - old)]
        out.lost += [(who, b) for b in sorted(old - new)]
        if who in before.tiers and before.tiers[who] != after.tiers.get(who):
            out.tiers_changed.append((who, before.tiers[who], after.tiers.get(who)))
    for key in sorted(before.levels.keys() | after.levels.keys()):
        out.levels[key] = (before.levels.get(key, 0), after.levels.get(key, 0))
    return out
