"""Global and personalized trust of hosts and shops by propagation over buyers' local trust.

Model: EigenTrust (Kamvar, Schlosser and Garcia-Molina, "The EigenTrust Algorithm for Reputation
Management in P2P Networks", WWW 2003) on the bipartite buyer-target graph. A buyer's local
trust in a target is ``w = max(0, belief - disbelief) * buyer weight`` (from the stored TRUST:
evidence for minus evidence against, scaled by the anti-gaming weight), normalised per buyer as
EigenTrust's ``c_ij``. Credibility flows back the same edges: a target passes its trust to the
buyers who trust it, in proportion to ``w`` (buyers who trust well-regarded targets are
credible raters; the SALSA/HITS intuition, Lempel and Moran 2001). The walk restarts with
probability ``alpha`` at the pre-trusted set ``p`` (EigenTrust section 4.5: pre-trusted peers
break collusion and guarantee convergence); a node with no edges defers to ``p`` too. The fixed
point of

    t = (1 - alpha) * M^T t + alpha * p          (M: row-normalised walk matrix)

is PageRank with personalization and dangling distribution ``p`` and damping ``1 - alpha``
(Brin and Page 1998; Haveliwala 2002 for the personalized form): the tests check this against
``networkx.pagerank``. Personalized trust "seen from one buyer" is the same walk restarting at
that buyer: the hosts and shops that buyers like them trust.

Pure: edges in, scores out. Two implementations of one contract, :func:`propagate`: scipy sparse
(the default, for graphs with millions of edges) and plain Python (``reference=True``, or
:func:`propagate_reference`: the readable definition); the tests compare them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import SupportsFloat, SupportsIndex

import numpy as np

__all__ = [
    "Edge",
    "PretrustRule",
    "PropagationResult",
    "is_pretrusted",
    "local_trust",
    "propagate",
    "propagate_reference",
]


@dataclass(frozen=True, slots=True)
class Edge:
    """A buyer's local trust in a target (host or shop), >= 0."""

    buyer: str
    target: str
    weight: float


@dataclass(frozen=True)
class PropagationResult:
    targets: dict[str, float]  # global trust of hosts and shops, summing to 1 over targets
    buyers: dict[str, float]  # credibility of buyers, summing to 1 over buyers
    iterations: int
    converged: bool

    def ranking(self, n: int | None = None) -> list[tuple[str, float]]:
        """Targets by trust, highest first (ties by id)."""
        ranked = sorted(self.targets.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked if n is None else ranked[:n]


@dataclass(frozen=True)
class PretrustRule:
    """Who anchors the walk by default (EigenTrust's pre-trusted peers): targets whose record the
    platform can vouch for independently of buyers' opinions, so brushing cannot buy a seat.

    * a shop whose third-party inspections pass: at least ``shop_min_inspections`` in the metrics
      window, all passed (rate >= ``shop_min_pass_rate``), and no penalty in the violation window;
    * a host with a long clean record: registered at least ``host_min_days`` before the evaluation,
      at least ``host_min_orders`` (weighted) orders in the window, no confirmed false ad and no
      penalty in the violation window.
    """

    shop_min_inspections: float = 3.0
    shop_min_pass_rate: float = 1.0
    host_min_days: int = 90
    host_min_orders: float = 20.0


def is_pretrusted(
    kind: str,
    metrics: Mapping[str, object],
    registered_at: int | None,
    as_of: int,
    rule: PretrustRule = PretrustRule(),
) -> bool:
    """Whether a shop or host (``kind`` SHOP or HOST) with these stored metrics (the ``metrics``
    of its standing's explanation) is pre-trusted under ``rule``."""
    clean = metrics.get("max_violation_severity") == 0
    if kind == "SHOP":
        rate = metrics.get("inspection_pass_rate")
        return (
            clean
            and _float(metrics.get("inspections") or 0) >= rule.shop_min_inspections
            and rate is not None
            and _float(rate) >= rule.shop_min_pass_rate
        )
    return (
        clean
        and registered_at is not None
        and as_of - registered_at >= rule.host_min_days * 86_400_000
        and _float(metrics.get("orders") or 0) >= rule.host_min_orders
        and metrics.get("confirmed_false_ads") == 0
    )


def _float(value: object) -> float:
    """``float(value)`` of a stored metric (a JSON number, or a numeric string)."""
    if isinstance(value, (str, SupportsFloat, SupportsIndex)):
        return float(value)
    raise TypeError(f"a metric must be a number, got {value!r}")


def local_trust(belief: float, disbelief: float, buyer_weight: float = 1.0) -> float:
    """EigenTrust's s_ij from a subjective-logic opinion: evidence for minus
    against, floored at 0."""
    return max(0.0, belief - disbelief) * buyer_weight


def _nodes(edges: Sequence[Edge]) -> tuple[list[str], dict[str, int]]:
    """Node keys: ("B", buyer) and ("T", target) kept apart, in a deterministic order."""
    buyers = sorted({e.buyer for e in edges})
    targets = sorted({e.target for e in edges})
    keys = [f"B:{b}" for b in buyers] + [f"T:{t}" for t in targets]
    return keys, {k: i for i, k in enumerate(keys)}


def _restart(
    keys: list[str],
    index: Mapping[str, int],
    pretrusted: Mapping[str, float] | Iterable[str],
    seeds_are_buyers: bool,
) -> list[float]:
    prefix = "B:" if seeds_are_buyers else "T:"
    weights = dict(pretrusted) if isinstance(pretrusted, Mapping) else {k: 1.0 for k in pretrusted}
    p = [0.0] * len(keys)
    for k, w in weights.items():
        if w < 0:
            raise ValueError(f"pre-trust of {k!r} must be >= 0")
        i = index.get(prefix + k)
        if i is not None:
            p[i] += w
    total = math.fsum(p)
    if total <= 0:
        raise ValueError("no pre-trusted node is in the graph (or all their pre-trust is 0)")
    return [x / total for x in p]


def _split(keys: list[str], t: Sequence[float]) -> tuple[dict[str, float], dict[str, float]]:
    buyers = {k[2:]: float(v) for k, v in zip(keys, t, strict=True) if k.startswith("B:")}
    targets = {k[2:]: float(v) for k, v in zip(keys, t, strict=True) if k.startswith("T:")}
    for part in (buyers, targets):
        total = math.fsum(part.values())
        if total > 0:
            for k in part:
                part[k] /= total
    return targets, buyers


def _check(edges: Sequence[Edge], alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be in (0, 1)")
    for e in edges:
        if not (e.weight >= 0.0 and math.isfinite(e.weight)):
            raise ValueError(f"edge {e.buyer}->{e.target}: weight must be finite and >= 0")


def propagate(
    edges: Sequence[Edge],
    pretrusted: Mapping[str, float] | Iterable[str],
    *,
    alpha: float = 0.15,
    seeds_are_buyers: bool = False,
    tol: float = 1e-12,
    max_iter: int = 1000,
    reference: bool = False,
) -> PropagationResult:
    """Trust from ``pretrusted`` (targets, or buyers with ``seeds_are_buyers``, optionally with
    weights): the fixed point of the module docstring, iterated until the change is below
    ``n * tol`` or for ``max_iter`` rounds. With scipy sparse matrices, O(edges) per iteration
    in C; with ``reference``, in plain Python (the readable definition)."""
    _check(edges, alpha)
    keys, index = _nodes(edges)
    if not keys:
        return PropagationResult({}, {}, 0, True)
    p = _restart(keys, index, pretrusted, seeds_are_buyers)
    links = [
        (index["B:" + e.buyer], index["T:" + e.target], e.weight) for e in edges if e.weight > 0
    ]
    iterate = _iterate_reference if reference else _iterate_sparse
    t, iterations, converged = iterate(p, links, alpha, tol, max_iter)
    targets, buyers = _split(keys, t)
    return PropagationResult(targets, buyers, iterations, converged)


# The definition, in plain Python: the same contract as :func:`propagate` (the tests compare them).
propagate_reference = partial(propagate, reference=True)

# The positive edges, as (buyer index, target index, weight).
_Links = list[tuple[int, int, float]]


def _iterate_reference(
    p: list[float], links: _Links, alpha: float, tol: float, max_iter: int
) -> tuple[list[float], int, bool]:
    """The iteration in plain Python: ``(t, iterations, converged)``."""
    n = len(p)
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for bi, ti, w in links:
        out[bi].append((ti, w))
        out[ti].append((bi, w))
    totals = [math.fsum(w for _, w in row) for row in out]
    t = p[:]
    for it in range(1, max_iter + 1):
        nxt = [0.0] * n
        dangling = 0.0
        for i in range(n):
            if totals[i] == 0:
                dangling += t[i]
                continue
            share = t[i] / totals[i]
            for j, w in out[i]:
                nxt[j] += share * w
        nxt = [(1 - alpha) * (x + dangling * pi) + alpha * pi for x, pi in zip(nxt, p, strict=True)]
        delta = sum(abs(a - b) for a, b in zip(nxt, t, strict=True))
        t = nxt
        if delta < n * tol:
            return t, it, True
    return t, max_iter, False


def _iterate_sparse(
    p_list: list[float], links: _Links, alpha: float, tol: float, max_iter: int
) -> tuple[list[float], int, bool]:
    """The same iteration with scipy sparse matrices."""
    # scipy.sparse takes about 0.1 s to import and only this function needs it: the CLI and the
    # service import this module at start and should not pay for it. (numpy is at the top: the
    # Neo4j driver imports it anyway.)
    from scipy import sparse  # noqa: PLC0415

    n = len(p_list)
    p = np.array(p_list)
    rows, cols, vals = [], [], []
    for bi, ti, w in links:
        rows += [bi, ti]
        cols += [ti, bi]
        vals += [w, w]
    m = sparse.csr_matrix(
        (
            np.array(vals, dtype=float),
            (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
        ),
        shape=(n, n),
    )
    totals = np.asarray(m.sum(axis=1)).ravel()
    dangling = totals == 0
    inv = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, totals))
    walk = sparse.diags(inv) @ m  # row-normalised
    walk_t = walk.T.tocsr()
    t = p.copy()
    for it in range(1, max_iter + 1):
        nxt = (1 - alpha) * (walk_t @ t + t[dangling].sum() * p) + alpha * p
        delta = float(np.abs(nxt - t).sum())
        t = nxt
        if delta < n * tol:
            return t.tolist(), it, True
    return t.tolist(), max_iter, False
