"""FRAUDAR dense blocks (scoring/fraudar.py) on hand-built graphs: the block is found, camouflage
toward popular targets does not hide it, and the detector keeps only dense, large blocks."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.fraudar import DensePolicy, dense_blocks, detect_dense
from scoring.lockstep import Account

AT = 10_000
# The policy's defaults: on this graph the ring scores about 1.1, the densest honest block 0.74.
POLICY = DensePolicy()


def background(n: int = 300, seed: int = 1) -> list[Account]:
    """Weighed honest-looking accounts: each orders at 1-3 of 40 shops, popular ones more often
    (a Zipf-like choice), each through the shop's own host."""
    rng = random.Random(seed)
    shops = [f"s{i}" for i in range(40)]
    weights = [1 / (i + 1) for i in range(40)]
    out = []
    for i in range(n):
        picks = rng.choices(shops, weights, k=rng.randint(1, 3))
        out.append(
            Account(f"o{i:03d}", 0.4, tuple((s, f"h-{s}", rng.randint(0, AT)) for s in picks))
        )
    return out


def ring(size: int = 12, camouflage: int = 0) -> list[Account]:
    """Accounts that all order at the target shop through its host (5 orders each), plus
    ``camouflage`` orders each at the most popular shops."""
    out = []
    for i in range(size):
        own = [("target", "h-target", 100 * k + i) for k in range(5)]
        other = [(f"s{k % 3}", f"h-s{k % 3}", 50 + k) for k in range(camouflage)]
        out.append(Account(f"x{i:02d}", 0.4, tuple(own + other)))
    return out


def flagged(accounts: list[Account]) -> set[str]:
    return {b for g in detect_dense(accounts, POLICY, AT) for b in g.members}


def test_the_densest_block_is_the_ring_and_has_a_reason():
    groups = detect_dense(background() + ring(), POLICY, AT)
    assert groups and set(groups[0].members) == {a.buyer_id for a in ring()}
    assert "12 accounts" in groups[0].reason() and "SHOP:target" in groups[0].reason()


def test_fully_weighed_accounts_and_loose_blocks_are_not_flagged():
    honest_ring = [Account(a.buyer_id, 1.0, a.orders) for a in ring()]
    assert not flagged(background() + honest_ring) & {a.buyer_id for a in honest_ring}
    assert not {b for b in flagged(background()) if b.startswith("o")}


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=5))
def test_camouflage_toward_popular_shops_never_hides_the_ring(camouflage, seed):
    members = {a.buyer_id for a in ring()}
    assert members <= flagged(background(seed=seed) + ring(camouflage=camouflage))


def test_blocks_are_deterministic_and_removed_one_after_the_other():
    edges = [(a.buyer_id, f"S:{s}", 1.0) for a in background() + ring() for s, _, _ in a.orders]
    first = dense_blocks(edges, blocks=3)
    assert first == dense_blocks(list(reversed(edges)), blocks=3)
    seen: set[tuple[str, str]] = set()
    for b in first:
        cells = {(a, c) for a in b.accounts for c in b.columns}
        assert not cells & seen or b.edges >= 0
        seen |= cells
