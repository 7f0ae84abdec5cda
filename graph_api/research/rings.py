"""Brushing rings over the stored graph: read the candidates, detect
(:mod:`scoring.rings`), mark."""

from __future__ import annotations

from graph_api.store import Store
from scoring.policy import Policy
from scoring.rings import Candidate, Ring, detect_rings


def find_rings(store: Store, policy: Policy, as_of: int | None = None) -> list[Ring]:
    """Brushing rings in the graph (scoring/rings.py), from the stored buyer weights and signals
    (so after a rescore), as of ``as_of`` (default: the graph's clock)."""
    at = as_of if as_of is not None else (store.latest_event_at() or 0)
    return detect_rings(ring_candidates(store), policy.rings, at)


def ring_candidates(store: Store) -> list[Candidate]:
    """The buyers ring detection looks at (``research/ring_candidates``), with their orders."""
    return [
        Candidate(
            r["buyerId"],
            float(r["weight"]),
            tuple(r["signals"]),
            tuple((s, h, t) for s, h, t in r["orders"]),
        )
        for r in store.rows("research/ring_candidates")
    ]


def apply_rings(store: Store, rings: list[Ring]) -> int:
    """Mark ring members on their Buyer nodes (replacing an earlier detection); a rescore then
    caps their weight. Returns the number of buyers marked."""
    rows = [{"buyerId": b, "ringId": r.id} for r in rings for b in r.members]
    store.write_all([("research/clear_rings", [{}]), ("research/mark_rings", rows)])
    return len(rows)
