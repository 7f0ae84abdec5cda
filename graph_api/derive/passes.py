"""The passes of derivation, shared by the incremental path (:class:`graph_api.derive.Deriver`)
and the full rebuild (:func:`graph_api.derive.rescore_all`): read the facts records of buyers, or
of shops and hosts, score them with :mod:`scoring`, and return the writes that store the result.
Given the same rows, policy and time they return the same writes, whichever path calls them:
that is what keeps the two paths equal (tests/integration/test_incremental.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from graph_api.derive import standing
from graph_api.derive.buyers import full_weight, score_buyer, trust_row, weight_row
from scoring.buyer_weight import BuyerWeight
from scoring.pair_trust import HOST, SHOP, PairTrust
from scoring.policy import Policy

ReadRows = Callable[..., list[dict[str, Any]]]  # (query name, **params) -> rows
Writes = list[tuple[str, list[dict[str, Any]]]]

_STANDING_QUERIES = {SHOP: ("features/shop_facts", "derived/write_shop_standing"),
                     HOST: ("features/host_facts", "derived/write_host_standing")}


# -- the passes, shared by both paths ------------------------------------------------------------

def buyer_rows(read: ReadRows, buyer_ids: Sequence[str], as_of: int) -> list[dict[str, Any]]:
    """The facts records of these buyers (``features/pair_facts``)."""
    return read("features/pair_facts", buyerIds=list(buyer_ids), asOf=as_of)


def score_buyers(rows: Iterable[dict[str, Any]], buyer_ids: Sequence[str], policy: Policy, as_of: int
                 ) -> tuple[Writes, list[BuyerWeight], list[PairTrust]]:
    """Weights and pair trust of these buyers from their facts records, and the writes that store
    them. Every buyer gets a weight row (1.0 for a buyer without facts), so the state of a buyer
    does not depend on which path computed it."""
    weights: list[BuyerWeight] = []
    trusts: list[PairTrust] = []
    seen: set[str] = set()
    for row in rows:
        weight, pair_trusts = score_buyer(row, policy, as_of)
        weights.append(weight)
        trusts.extend(pair_trusts)
        seen.add(weight.buyer_id)
    weights.extend(full_weight(b) for b in buyer_ids if b not in seen)
    writes: Writes = [
        ("derived/write_buyer_weights", [weight_row(w, as_of) for w in weights]),
        ("derived/write_host_trust", [trust_row(t) for t in trusts if t.target_kind == HOST]),
        ("derived/write_shop_trust", [trust_row(t) for t in trusts if t.target_kind == SHOP]),
    ]
    return writes, weights, trusts


def buyer_pass(read: ReadRows, buyer_ids: Sequence[str], policy: Policy, as_of: int
               ) -> tuple[Writes, list[BuyerWeight], list[PairTrust]]:
    """Read and score these buyers (see :func:`score_buyers`)."""
    return score_buyers(buyer_rows(read, buyer_ids, as_of), buyer_ids, policy, as_of)


@dataclass(frozen=True)
class StandingResult:
    kind: str
    entity_id: str
    record: dict[str, Any]  # the Standing row
    previous_badges: tuple[str, ...] | None  # held before this evaluation (None: never evaluated)


def standing_rows(read: ReadRows, kind: str, entity_ids: Sequence[str], policy: Policy, as_of: int
                  ) -> list[dict[str, Any]]:
    """The facts records of these shops or hosts (``features/shop_facts`` / ``host_facts``)."""
    since, violation_since = standing.facts_since(policy, as_of)
    return read(_STANDING_QUERIES[kind][0], ids=list(entity_ids), asOf=as_of, since=since,
                violationSince=violation_since)


def evaluate_standings(rows: Iterable[dict[str, Any]], kind: str, policy: Policy, as_of: int
                       ) -> tuple[Writes, list[StandingResult]]:
    """The standing of shops or hosts from their facts records, and the write that stores it."""
    results: list[StandingResult] = []
    for row in rows:
        record, _, _, _ = standing.evaluate(row, kind, policy, as_of)
        stored = row["standing"]
        previous = None
        if stored and stored[1] is not None:
            previous = tuple(sorted(h["badge"] for h in json.loads(stored[1]).get("held", ())))
        results.append(StandingResult(kind, row["id"], record, previous))
    return [(_STANDING_QUERIES[kind][1], [r.record for r in results])], results


def standing_pass(read: ReadRows, kind: str, entity_ids: Sequence[str], policy: Policy, as_of: int
                  ) -> tuple[Writes, list[StandingResult]]:
    """Read and evaluate these shops or hosts (see :func:`evaluate_standings`)."""
    return evaluate_standings(standing_rows(read, kind, entity_ids, policy, as_of), kind, policy, as_of)
