"""A pair's level over time: every moment its level changed, and why.

Used by the journey of one pair (``Reads.journey``) and by the funnel over all pairs
(``scoring/funnel.py``). Pure: the caller gives the pair's facts and a function that scores the
pair as of a time (so the buyer's weight and the shop's rights as of that time are the caller's
business).

The level can change only at a moment something happened to the pair (an order, an outcome, an
interaction, a report) or, between two such moments, because evidence decayed: down as satisfied
orders fade, and sometimes up as a refund, complaint or bad review fades faster than the good
evidence around it. Where the level at the end of such a stretch differs from its start, the
moment it changed is found by bisection to ``resolution_ms`` (then the rest of the stretch is
checked again, so several crossings in one stretch are found as long as the level differs at
their ends).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scoring.facts import PairFacts
from scoring.pair_trust import STRANGER, PairTrust
from scoring.trust_policy import TrustPolicy

DECAY = "DECAY (no new evidence)"


@dataclass(frozen=True, slots=True)
class LevelChange:
    at: int
    from_level: str | None  # None: the pair's first level
    trust: PairTrust  # the pair as of ``at``
    causes: tuple[tuple[str, str | None], ...]  # (what happened, the id it happened to)

    @property
    def to_level(self) -> str:
        return self.trust.level


def pair_moments(facts: PairFacts, until: int) -> dict[int, list[tuple[str, str | None]]]:
    """Every moment up to ``until`` at which something happened to the pair, with what happened
    (a readable cause and, for orders, the order id)."""
    moments: dict[int, list[tuple[str, str | None]]] = {}

    def note(at: int | None, what: str, ident: str | None) -> None:
        if at is not None and at <= until:
            moments.setdefault(at, []).append((what, ident))

    for o in facts.orders:
        note(o.placed_at, "ORDER_PLACED", o.order_id)
        note(o.delivered_at, "ORDER_DELIVERED", o.order_id)
        note(o.refunded_at, f"ORDER_REFUNDED ({o.refund_reason})", o.order_id)
        note(o.reviewed_at, f"REVIEW_POSTED ({o.rating} stars)", o.order_id)
        for c in o.complaints:
            note(c.at, f"COMPLAINT_FILED ({c.reason})", o.order_id)
    for v in facts.watches:
        note(v.at, f"WATCHED ({v.value:g} min)", None)
    for t in facts.comments:
        note(t, "COMMENTED", None)
    for v in facts.follow_changes:
        note(v.at, "FOLLOWED" if v.value else "UNFOLLOWED", None)
    for v in facts.tier_changes:
        note(v.at, f"FAN_CLUB_TIER_SET ({v.value:g})", None)
    for t in facts.confirmed_reports:
        note(t, "FALSE_AD_CONFIRMED", None)
    return moments


def stranger_until(facts: PairFacts, policy: TrustPolicy) -> int | None:
    """A time before which the pair is surely a STRANGER (None: no such bound is known), so its
    moments before then need no scoring. When ACQUAINTANCE needs a satisfied order, that is the
    first delivery (an order counts as satisfied only once delivered); a pair never delivered to
    stays a stranger throughout (returned as a time after everything)."""
    if policy.acquaintance.min_satisfied_orders < 1:
        return None
    delivered = [o.delivered_at for o in facts.orders if o.delivered_at is not None]
    return min(delivered) if delivered else _NEVER


_NEVER = 2**62


def level_changes(
    facts: PairFacts,
    score_at: Callable[[int], PairTrust],
    until: int,
    resolution_ms: int = 60_000,
    policy: TrustPolicy | None = None,
) -> list[LevelChange]:
    """The level changes of one pair from its first fact to ``until``: the first entry is the
    pair's first level (``from_level`` None), then one entry per change, each with its causes
    (the facts of that moment, or DECAY).

    With the ``policy`` that ``score_at`` scores under, the moments before
    :func:`stranger_until` (where the level is known without scoring) are skipped: the same
    answer for fewer scorings (a test compares both ways)."""
    moments = pair_moments(facts, until)
    changes: list[LevelChange] = []
    level: str | None = None
    times = sorted(moments)
    floor_until = stranger_until(facts, policy) if policy is not None else None
    for i, t in enumerate(times):
        if floor_until is not None and level == STRANGER and t < floor_until:
            continue  # surely still a stranger (no delivered order yet): nothing to score
        trust = score_at(t)
        if trust.level != level:
            changes.append(LevelChange(t, level, trust, tuple(moments[t])))
            level = trust.level
        end = times[i + 1] - 1 if i + 1 < len(times) else until
        start = t
        while end > start and score_at(end).level != level:
            lo, hi = start, end  # level(lo) == level, level(hi) != level
            while hi - lo > resolution_ms:
                mid = (lo + hi) // 2
                if score_at(mid).level == level:
                    lo = mid
                else:
                    hi = mid
            decayed = score_at(hi)
            changes.append(LevelChange(hi, level, decayed, ((DECAY, None),)))
            level, start = decayed.level, hi
    return changes
