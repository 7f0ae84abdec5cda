"""Trust propagation over the stored graph: every TRUST relationship as an edge, a pre-trusted
set from the stored standings, EigenTrust (:mod:`scoring.propagation`), cached per clock."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graph_api.errors import NoAnchor
from graph_api.store import Store
from scoring.propagation import (
    Edge,
    PretrustRule,
    PropagationResult,
    is_pretrusted,
    local_trust,
    propagate,
)


def trust_edges(
    store: Store, batch: int = 5000, progress: Callable[[int], object] | None = None
) -> Iterator[Any]:
    """Every stored TRUST relationship as a propagation edge (scoring/propagation.py): buyer ->
    ``"HOST:<id>"`` or ``"SHOP:<id>"``, weighted by the buyer's local trust, a page of buyers at a
    time. ``progress`` is called with the number of buyers done per page."""

    for ids in store.id_pages("features/buyer_ids", batch):
        for r in store.rows("research/trust_edges", ids=ids):
            yield Edge(
                r["buyer"],
                f"{r['kind']}:{r['target']}",
                local_trust(
                    float(r["belief"] or 0.0), float(r["disbelief"] or 0.0), float(r["weight"])
                ),
            )
        if progress is not None:
            progress(len(ids))


def pretrusted_targets(store: Store, as_of: int, rule: Any = None) -> list[str]:
    """The default pre-trusted set (``scoring.propagation.PretrustRule``), from the stored
    standings: ``["SHOP:<id>", "HOST:<id>", ...]``."""

    rule = rule or PretrustRule()
    chosen = []
    for r in store.rows("research/pretrust_candidates"):
        metrics = json.loads(r["explanation"] or "{}").get("metrics", {})
        if is_pretrusted(r["kind"], metrics, r["registeredAt"], as_of, rule):
            chosen.append(f"{r['kind']}:{r['id']}")
    return chosen


@dataclass(frozen=True)
class GlobalTrust:
    """Propagated trust over the stored graph (EigenTrust; scoring/propagation.py)."""

    as_of: int
    from_buyer: str | None  # None: global trust anchored on ``pretrusted``
    pretrusted: tuple[str, ...]  # "KIND:id" (the buyer, for a personalized run)
    edges: int
    result: PropagationResult  # targets keyed "KIND:id"
    known: frozenset[str]  # personalized: the targets the buyer already has a relation with
    seconds: float

    def ranking(
        self, kind: str | None = None, n: int | None = None, exclude_known: bool = False
    ) -> list[tuple[str, str, float]]:
        """(kind, id, trust) highest first; ``kind`` HOST or SHOP keeps one kind."""
        out = []
        for key, value in self.result.ranking():
            k, _, ident = key.partition(":")
            if (kind is None or k == kind) and not (exclude_known and key in self.known):
                out.append((k, ident, value))
                if n is not None and len(out) >= n:
                    break
        return out


_CACHE: OrderedDict[tuple[Any, ...], GlobalTrust] = OrderedDict()
_LOCK = threading.Lock()


def propagate_stored(
    store: Store,
    as_of: int,
    *,
    pretrusted: Sequence[str] | None = None,
    from_buyer: str | None = None,
    alpha: float = 0.15,
    progress: Callable[[int], object] | None = None,
) -> GlobalTrust:
    """Global trust of hosts and shops anchored on ``pretrusted`` (``"SHOP:<id>"``/``"HOST:<id>"``;
    default: :func:`pretrusted_targets`), or personalized from ``from_buyer`` (the walk restarts at
    that buyer: what buyers like them trust). Reads every stored TRUST relationship, so run it
    after a rescore. Cached per (graph clock, arguments)."""

    key = (
        id(store),
        as_of,
        tuple(pretrusted) if pretrusted is not None else None,
        from_buyer,
        alpha,
    )
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    started = time.perf_counter()
    edges = list(trust_edges(store, progress=progress))
    if from_buyer is not None:
        known = frozenset(e.target for e in edges if e.buyer == from_buyer and e.weight > 0)
        if not any(e.buyer == from_buyer for e in edges):
            raise NoAnchor(
                "fromBuyer", f"{from_buyer!r} has no stored trust relation to start from"
            )
        anchors: tuple[str, ...] = (from_buyer,)
    else:
        known = frozenset()
        anchors = (
            tuple(pretrusted) if pretrusted is not None else tuple(pretrusted_targets(store, as_of))
        )
        targets = {e.target for e in edges}
        if not any(a in targets for a in anchors):
            raise NoAnchor(
                "pretrusted",
                "no pre-trusted host or shop has a stored trust relation (after a rescore, the "
                "default set is shops whose inspections pass and hosts with a long clean record)",
            )
    try:
        result = propagate(edges, anchors, alpha=alpha, seeds_are_buyers=from_buyer is not None)
    except ValueError as exc:
        raise NoAnchor("fromBuyer" if from_buyer is not None else "pretrusted", str(exc)) from None
    out = GlobalTrust(
        as_of, from_buyer, anchors, len(edges), result, known, time.perf_counter() - started
    )
    with _LOCK:
        _CACHE[key] = out
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return out
