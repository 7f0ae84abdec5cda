"""Brushing-ring detection (scoring/rings.py) on hand-built accounts."""

from __future__ import annotations

import pytest

from scoring.facts import MS_PER_DAY
from scoring.policy import default_policy
from scoring.rings import Candidate, RingPolicy, detect_rings, load_ring_policy, precision_recall

POLICY = default_policy().rings
T0 = 1_700_000_000_000


def account(
    name: str,
    day: float,
    *,
    weight: float = 0.35,
    signals=("NEW_ACCOUNT", "ONE_TARGET", "BUNCHED"),
    shop: str = "s1",
    host: str = "h1",
    orders: int = 3,
) -> Candidate:
    at = T0 + int(day * MS_PER_DAY)
    return Candidate(
        name, weight, tuple(signals), tuple((shop, host, at + k * 3_600_000) for k in range(orders))
    )


def test_a_ring_that_dodged_the_individual_signals_is_found():
    """Eight accounts that watched a stream first (so no NO_INTERACTION: weight 0.35 each, above
    the metrics' 0.2 cut-off) buy at one shop through one room within four days: a ring."""
    ring = [account(f"r{i}", i * 0.5) for i in range(8)]
    honest = [account(f"h{i}", i * 20, weight=0.8, signals=("NEW_ACCOUNT",)) for i in range(6)]
    found = detect_rings(ring + honest, POLICY, T0 + 100 * MS_PER_DAY)
    # h0 bought in the same week but is no suspect: in the cluster (score 8/9), not in the ring.
    assert [r.members for r in found] == [tuple(sorted(f"r{i}" for i in range(8)))]
    assert found[0].score == pytest.approx(8 / 9) and (found[0].shop_id, found[0].host_id) == (
        "s1",
        "h1",
    )


def test_what_is_not_a_ring():
    at = T0 + 100 * MS_PER_DAY
    small = [account(f"a{i}", i) for i in range(POLICY.min_size - 1)]
    assert detect_rings(small, POLICY, at) == []  # too few
    spread = [account(f"b{i}", i * 10) for i in range(6)]
    assert detect_rings(spread, POLICY, at) == []  # more than window_days apart
    mixed = [account(f"c{i}", i * 0.5, shop="s1" if i % 2 else "s2") for i in range(6)]
    assert detect_rings(mixed, POLICY, at) == []  # 3 at each of two shops: each below min_size
    honest_crowd = [
        account(f"d{i}", i * 0.5, weight=0.8, signals=("NEW_ACCOUNT",)) for i in range(8)
    ]
    assert (
        detect_rings(honest_crowd, POLICY, at) == []
    )  # new buyers who watched first: not suspects
    two_targets = [
        Candidate("e1", 0.05, ("NEW_ACCOUNT",), (("s1", "h1", T0), ("s2", "h1", T0)))
    ] * 5
    assert detect_rings(two_targets, POLICY, at) == []  # not one-target accounts


def test_orders_after_as_of_are_ignored_and_the_result_is_deterministic():
    ring = [account(f"r{i}", 50 + i * 0.5) for i in range(6)]
    assert detect_rings(ring, POLICY, T0 + 10 * MS_PER_DAY) == []
    later = T0 + 100 * MS_PER_DAY
    assert detect_rings(ring, POLICY, later) == detect_rings(list(reversed(ring)), POLICY, later)


def test_precision_recall_and_policy_validation():
    assert precision_recall({"a", "b", "x"}, {"a", "b", "c", "d"}) == (pytest.approx(2 / 3), 0.5)
    assert precision_recall(set(), set()) == (1.0, 1.0)
    with pytest.raises(ValueError, match="min_size"):
        RingPolicy(min_size=1)
    with pytest.raises(ValueError, match="rings.typo"):
        load_ring_policy({"rings": {"typo": 1}})
    with pytest.raises(ValueError, match="rings.min_score is missing"):
        load_ring_policy(
            {
                "rings": {
                    "min_size": 4,
                    "window_days": 7,
                    "suspect_weight": 0.5,
                    "member_weight": 0.05,
                }
            }
        )
