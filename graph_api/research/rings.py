"""Brushing rings, lockstep groups and dense blocks over the stored graph: read the buyers and
their orders, detect (:mod:`scoring.rings`, :mod:`scoring.lockstep`, :mod:`scoring.fraudar`),
mark."""

from __future__ import annotations

from graph_api.store import Store
from scoring.fraudar import DenseGroup, detect_dense
from scoring.lockstep import Account, LockstepGroup, detect_lockstep, gc_paused
from scoring.policy import Policy
from scoring.rings import Candidate, Ring, detect_rings


def find_rings(store: Store, policy: Policy, as_of: int | None = None) -> list[Ring]:
    """Brushing rings in the graph (scoring/rings.py), from the stored buyer weights and signals
    (so after a rescore), as of ``as_of`` (default: the graph's clock)."""
    return find_groups(store, policy, as_of)[0]


Group = LockstepGroup | DenseGroup


def find_groups(
    store: Store, policy: Policy, as_of: int | None = None
) -> tuple[list[Ring], list[Group]]:
    """Brushing rings (among the weighed accounts) and, as the policy asks (``[lockstep]``,
    ``[dense]``), lockstep groups (in rolling windows over the whole history; policy v3: over
    every buyer) and FRAUDAR's dense blocks, from one read of every buyer with an order."""
    at = as_of if as_of is not None else (store.latest_event_at() or 0)
    everyone = detection_accounts(store)
    with gc_paused():
        # An account with a month of history weighs 1 and cannot be a throwaway.
        rings = detect_rings([c for c in everyone if c.weight < 1.0], policy.rings, at)
        accounts = [Account(c.buyer_id, c.weight, c.orders) for c in everyone]
        groups: list[Group] = []
        if policy.lockstep is not None:
            groups += detect_lockstep(accounts, policy.lockstep, at)
        if policy.dense is not None:
            groups += detect_dense(accounts, policy.dense, at)
    return rings, groups


def _candidates(store: Store, query: str) -> list[Candidate]:
    return [
        Candidate(
            r["buyerId"],
            float(r["weight"]),
            tuple(r["signals"]),
            tuple((s, h, t) for s, h, t in r["orders"]),
        )
        for r in store.rows(query)
    ]


def ring_candidates(store: Store) -> list[Candidate]:
    """The buyers ring detection looks at (``research/ring_candidates``: weighing below 1),
    with their orders."""
    return _candidates(store, "research/ring_candidates")


def detection_accounts(store: Store) -> list[Candidate]:
    """Every buyer with an order (``research/detection_accounts``), with its weight, signals and
    orders: the input of every detector."""
    return _candidates(store, "research/detection_accounts")


def apply_rings(store: Store, rings: list[Ring], groups: list[Group] | tuple[()] = ()) -> int:
    """Mark ring and lockstep-group members on their Buyer nodes (replacing an earlier
    detection; a buyer in several is marked with the first: rings, then groups by id); a rescore
    then caps their weight. Each member also keeps the shops and hosts its group was found at
    (``ringTargets``), where its claims may count at its own credibility (policy v3,
    ``rings.own_claims_at_targets``). Returns the number of buyers marked."""
    marks: dict[str, Ring | Group] = {}
    for r in rings:
        for b in r.members:
            marks.setdefault(b, r)
    for g in groups:
        for b in g.members:
            marks.setdefault(b, g)
    rows = [
        {"buyerId": b, "ringId": g.id, "ringTargets": list(g.targets)}
        for b, g in sorted(marks.items())
    ]
    store.write_all([("research/clear_rings", [{}]), ("research/mark_rings", rows)])
    return len(rows)
