"""Brushing rings, lockstep groups, dense blocks, weighed crowds and claim bursts over the stored
graph: read the buyers and their orders, detect (:mod:`scoring.rings`, :mod:`scoring.lockstep`,
:mod:`scoring.fraudar`, :mod:`scoring.crowds`), mark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_api.store import Store
from scoring.crowds import ClaimBurst, WeighedCrowd, detect_claim_bursts, detect_weighed_crowds
from scoring.facts import FOR_CAUSE_REASONS, MS_PER_DAY
from scoring.fraudar import DenseGroup, detect_dense
from scoring.lockstep import Account, LockstepGroup, detect_lockstep, gc_paused
from scoring.policy import Policy
from scoring.rings import Candidate, Ring, detect_rings


def find_rings(store: Store, policy: Policy, as_of: int | None = None) -> list[Ring]:
    """Brushing rings in the graph (scoring/rings.py), from the stored buyer weights and signals
    (so after a rescore), as of ``as_of`` (default: the graph's clock)."""
    return find_groups(store, policy, as_of)[0]


Group = LockstepGroup | DenseGroup | WeighedCrowd | ClaimBurst


@dataclass(frozen=True, slots=True)
class DetectionAccount:
    """One buyer as group detection reads it: the ring detector's view, its claims, the
    distinct days on which it interacted with a live room, and when it registered."""

    candidate: Candidate
    claims: tuple[tuple[str, str, int], ...]
    interaction_days: tuple[int, ...]
    registered: int | None = None

    def account(self, policy: Policy, as_of: int) -> Account:
        """The detectors' input; an account without a history (fewer than
        ``buyers.history_days`` days with an interaction by ``as_of``) is ``unproven``, as the
        buyer weight counts its claims (none are, without the policy's claim credibility)."""
        c = self.candidate
        days = policy.buyers.history_days
        last = as_of // MS_PER_DAY
        unproven = policy.buyers.unproven_claim_factor is not None and (
            days is None or sum(1 for d in self.interaction_days if d <= last) < days
        )
        return Account(c.buyer_id, c.weight, c.orders, self.claims, unproven, self.registered)


def find_groups(
    store: Store, policy: Policy, as_of: int | None = None
) -> tuple[list[Ring], list[Group]]:
    """Brushing rings (among the weighed accounts) and, as the policy asks (``[lockstep]``,
    ``[dense]``, ``[crowds]``), lockstep groups (in rolling windows over the whole history;
    policy v3: over every buyer), FRAUDAR's dense blocks, and (v4) weighed crowds and claim
    bursts, from one read of every buyer with an order."""
    at = as_of if as_of is not None else (store.latest_event_at() or 0)
    everyone = detection_accounts(store)
    with gc_paused():
        # An account with a month of history weighs 1 and cannot be a throwaway.
        rings = detect_rings(
            [d.candidate for d in everyone if d.candidate.weight < 1.0], policy.rings, at
        )
        accounts = [d.account(policy, at) for d in everyone]
        groups: list[Group] = []
        if policy.lockstep is not None:
            groups += detect_lockstep(accounts, policy.lockstep, at)
        if policy.dense is not None:
            groups += detect_dense(accounts, policy.dense, at)
        if policy.crowds is not None:
            groups += detect_weighed_crowds(accounts, policy.crowds, at, policy.lockstep)
            groups += detect_claim_bursts(accounts, policy.crowds, at)
    return rings, groups


def _candidate(r: dict[str, Any]) -> Candidate:
    return Candidate(
        r["buyerId"],
        float(r["weight"]),
        tuple(r["signals"]),
        tuple((s, h, t) for s, h, t in r["orders"]),
    )


def ring_candidates(store: Store) -> list[Candidate]:
    """The buyers ring detection looks at (``research/ring_candidates``: weighing below 1),
    with their orders."""
    return [_candidate(r) for r in store.rows("research/ring_candidates")]


def detection_accounts(store: Store) -> list[DetectionAccount]:
    """Every buyer with an order (``research/detection_accounts``), with its weight, signals,
    orders, claims and interaction days: the input of every detector."""
    return [
        DetectionAccount(
            _candidate(r),
            tuple((s, h, t) for s, h, t in r["claims"]),
            tuple(int(d) for d in r["interactionDays"]),
            None if r["registeredAt"] is None else int(r["registeredAt"]),
        )
        for r in store.rows("research/detection_accounts", forCause=sorted(FOR_CAUSE_REASONS))
    ]


def apply_rings(store: Store, rings: list[Ring], groups: list[Group] | tuple[()] = ()) -> int:
    """Mark ring and group members on their Buyer nodes (replacing an earlier detection; a
    buyer in several is marked with the first: rings, then groups in the order given); a
    rescore then caps their weight. Each member also keeps the shops and hosts its group was
    found at (``ringTargets``), where its claims may count at its own credibility (policy v3,
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
