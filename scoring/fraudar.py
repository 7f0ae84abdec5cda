"""FRAUDAR: camouflage-resistant dense blocks in a bipartite graph (Hooi, Song, Beutel, Shah, Shin
and Faloutsos, "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage", KDD 2016).

The graph is accounts x columns. The density of a set S of accounts and columns is

    g(S) = f(S) / |S|,   f(S) = sum of c_ij over the edges inside S

with the column-weighted suspiciousness c_ij = 1 / log(d_j + 5) (d_j: the column's degree), so an
edge to a popular column (the busiest shops a camouflaging account also buys from) adds little:
a fraud block stays dense whatever camouflage its accounts add, which is the paper's theorem.
The greedy algorithm peels the node of least priority (the weight of its edges still inside)
one at a time and returns the densest set seen; repeated on the graph with the block's edges
removed, it lists several blocks. O(E log V) per block with a heap (lazy deletion).

Pure: nodes are strings, edges (account, column) pairs with a multiplicity; ties broken by name
so that the same graph always gives the same blocks.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.lockstep import Account
from scoring.policy_reader import PolicyTable, check_range

__all__ = [
    "Block",
    "DenseGroup",
    "DensePolicy",
    "dense_blocks",
    "detect_dense",
    "load_dense_policy",
]


@dataclass(frozen=True)
class Block:
    accounts: tuple[str, ...]  # sorted
    columns: tuple[str, ...]  # sorted
    density: float  # g(S) of the block
    edges: int


def _peel(
    rows: dict[str, dict[str, float]], cols: dict[str, dict[str, float]]
) -> tuple[set[str], set[str], float]:
    """One greedy peeling over the graph given as adjacency (weights already column-weighted):
    the densest (accounts, columns) prefix seen while removing the least-weighted node."""
    priority: dict[tuple[int, str], float] = {}
    for r, adj in rows.items():
        priority[(0, r)] = sum(adj.values())
    for c, adj in cols.items():
        priority[(1, c)] = sum(adj.values())
    total = sum(priority[(0, r)] for r in rows)
    size = len(rows) + len(cols)
    heap = [(p, side, name) for (side, name), p in priority.items()]
    heapq.heapify(heap)
    removed: list[tuple[int, str]] = []
    best, best_at = (total / size if size else 0.0), 0
    alive = set(priority)
    while heap and size > 0:
        p, side, name = heapq.heappop(heap)
        key = (side, name)
        if key not in alive or priority[key] != p:
            continue  # a stale entry
        alive.discard(key)
        removed.append(key)
        total -= p
        size -= 1
        neighbours = rows[name] if side == 0 else cols[name]
        other = 1 - side
        for n, w in neighbours.items():
            nk = (other, n)
            if nk in alive:
                priority[nk] -= w
                heapq.heappush(heap, (priority[nk], other, n))
        if size and total / size > best:
            best, best_at = total / size, len(removed)
    gone = set(removed[:best_at])
    keep_rows = {r for r in rows if (0, r) not in gone}
    keep_cols = {c for c in cols if (1, c) not in gone}
    return keep_rows, keep_cols, best


def dense_blocks(
    edges: Iterable[tuple[str, str, float]], *, blocks: int = 5, min_accounts: int = 2
) -> list[Block]:
    """Up to ``blocks`` dense blocks of the graph of (account, column, multiplicity) edges, each
    found on the graph left after removing the earlier blocks' edges, densest first. The
    multiplicity scales an edge (log-compressed: ``log(1 + m)``), so repeat orders count, but
    not linearly."""
    raw: dict[tuple[str, str], float] = defaultdict(float)
    for a, c, m in edges:
        raw[(a, c)] += m
    found: list[Block] = []
    for _ in range(blocks):
        degree: dict[str, int] = defaultdict(int)
        for _, c in raw:
            degree[c] += 1
        rows: dict[str, dict[str, float]] = defaultdict(dict)
        cols: dict[str, dict[str, float]] = defaultdict(dict)
        for (a, c), m in sorted(raw.items()):
            w = math.log1p(m) / math.log(degree[c] + 5)
            rows[a][c] = w
            cols[c][a] = w
        if not rows:
            break
        accounts, columns, density = _peel(rows, cols)
        if len(accounts) < min_accounts or not columns:
            break
        inside = [(a, c) for (a, c) in raw if a in accounts and c in columns]
        found.append(Block(tuple(sorted(accounts)), tuple(sorted(columns)), density, len(inside)))
        for key in inside:
            del raw[key]
    return found


# -- as a detector over the weighed accounts ([dense] in the policy) ---------------------------


@dataclass(frozen=True, slots=True)
class DensePolicy:
    blocks: int = 10
    min_accounts: int = 5
    min_density: float = 0.9
    max_member_weight: float = 0.5

    def __post_init__(self) -> None:
        check_range(self.blocks, "dense.blocks", ge=1)
        check_range(self.min_accounts, "dense.min_accounts", ge=2)
        check_range(self.min_density, "dense.min_density", gt=0)
        check_range(self.max_member_weight, "dense.max_member_weight", gt=0, le=1)


def load_dense_policy(document: Mapping[str, object]) -> DensePolicy | None:
    """The ``[dense]`` table of a parsed policy file, or None (v1: no dense-block detection)."""
    root = PolicyTable(document)
    table = root.optional("dense", root.table)
    return None if table is None else table.build(DensePolicy)


@dataclass(frozen=True)
class DenseGroup:
    members: tuple[str, ...]  # sorted
    targets: tuple[str, ...]  # "SHOP:id" / "HOST:id", sorted
    density: float
    rank: int  # 1: the densest block

    @property
    def id(self) -> str:
        return f"dense/{self.rank}/{self.targets[0]}"

    def reason(self) -> str:
        shown = ", ".join(self.targets[:4]) + (" ..." if len(self.targets) > 4 else "")
        return (
            f"{len(self.members)} accounts form a dense block with {len(self.targets)} shops and "
            f"hosts ({shown}): density {self.density:.2f} (FRAUDAR, column-weighted)"
        )


def detect_dense(accounts: Iterable[Account], policy: DensePolicy, as_of: int) -> list[DenseGroup]:
    """FRAUDAR's blocks over the accounts weighing less than ``max_member_weight`` and the shops
    and hosts they ordered from (as of ``as_of``), kept when at least ``min_density`` dense and
    ``min_accounts`` large."""
    edges = [
        (a.buyer_id, f"{kind}:{target}", 1.0)
        for a in accounts
        if a.weight < policy.max_member_weight
        for shop, host, at in a.orders
        if at <= as_of
        for kind, target in (("SHOP", shop), ("HOST", host))
    ]
    found = dense_blocks(edges, blocks=policy.blocks, min_accounts=policy.min_accounts)
    return [
        DenseGroup(b.accounts, b.columns, round(b.density, 6), rank)
        for rank, b in enumerate(found, start=1)
        if b.density >= policy.min_density and len(b.accounts) >= policy.min_accounts
    ]
