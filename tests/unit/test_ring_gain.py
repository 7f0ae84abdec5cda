"""A ring's gain never grows with camouflage: whatever number of orders its accounts add at the
platform's popular shops, the weighted orders the ring brings its target after the groups are
applied (lockstep and dense blocks, members capped at rings.member_weight, then the metrics'
cut-off) are no more than without camouflage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.fraudar import detect_dense
from scoring.lockstep import Account, detect_lockstep
from scoring.policy import default_policy
from tests.unit.test_fraudar import AT, background

POLICY = default_policy()
assert POLICY.lockstep is not None and POLICY.dense is not None
LOCKSTEP, DENSE = POLICY.lockstep, POLICY.dense


def ring(size: int, camouflage: int) -> list[Account]:
    """``size`` accounts that arrive at the target within days of one another and order there 5
    times each, plus ``camouflage`` orders each at the three most popular shops."""
    out = []
    for i in range(size):
        own = [("target", "h-target", 3_000 + 40 * k + i) for k in range(5)]
        other = [(f"s{k % 3}", f"h-s{k % 3}", 50 + 7 * k + i) for k in range(camouflage)]
        out.append(Account(f"x{i:02d}", 0.4, tuple(own + other)))
    return out


def gain(accounts: list[Account]) -> float:
    """The ring's weighted orders at its target once the groups are applied."""
    flagged = {b for g in detect_lockstep(accounts, LOCKSTEP, AT) for b in g.members}
    flagged |= {b for g in detect_dense(accounts, DENSE, AT) for b in g.members}
    cut = POLICY.entity.metrics.min_buyer_weight
    total = 0.0
    for a in accounts:
        if not a.buyer_id.startswith("x"):
            continue
        weight = min(a.weight, POLICY.rings.member_weight) if a.buyer_id in flagged else a.weight
        if weight >= cut:
            total += weight * sum(1 for shop, _, _ in a.orders if shop == "target")
    return total


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=5, max_value=20),
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=1, max_value=4),
)
def test_camouflage_never_raises_a_rings_gain(size, camouflage, seed):
    honest = background(seed=seed)
    assert gain(honest + ring(size, camouflage)) <= gain(honest + ring(size, 0))
