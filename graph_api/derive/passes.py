"""The passes of derivation, shared by the incremental path (:class:`graph_api.derive.Deriver`)
and the full rebuild (:func:`graph_api.derive.rescore_all`): read the facts records of buyers, or
of shops and hosts, score them with :mod:`scoring`, and return the writes that store the result.
Given the same rows, policy and time they return the same writes, whichever path calls them:
that is what keeps the two paths equal (tests/integration/test_incremental.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graph_api.derive import standing
from graph_api.derive.buyers import full_weight, score_buyer, trust_row, weight_row
from graph_api.store import BuyerRecord, EntityRecord, FactReader
from scoring.buyer_weight import BuyerWeight
from scoring.pair_trust import HOST, SHOP, PairTrust
from scoring.policy import Policy

Writes = list[tuple[str, list[dict[str, Any]]]]

_WRITE_STANDING = {SHOP: "derived/write_shop_standing", HOST: "derived/write_host_standing"}


# -- buyers ---------------------------------------------------------------------------------------


def score_buyers(
    records: Iterable[BuyerRecord],
    buyer_ids: Sequence[str],
    policy: Policy,
    as_of: int,
    each: Callable[[BuyerRecord, BuyerWeight, list[PairTrust]], object] | None = None,
) -> tuple[Writes, list[BuyerWeight], list[PairTrust]]:
    """Weights and pair trust of these buyers from their facts records, and the writes that store
    them. Every buyer gets a weight row (1.0 for a buyer without facts), so the state of a buyer
    does not depend on which path computed it. ``each`` sees every record with its result (the
    rebuild gathers the shops' and hosts' orders from them: graph_api.derive.windows)."""
    weights: list[BuyerWeight] = []
    trusts: list[PairTrust] = []
    seen: set[str] = set()
    for record in records:
        weight, pair_trusts = score_buyer(record, policy, as_of)
        weights.append(weight)
        trusts.extend(pair_trusts)
        seen.add(weight.buyer_id)
        if each is not None:
            each(record, weight, pair_trusts)
    weights.extend(full_weight(b) for b in buyer_ids if b not in seen)
    writes: Writes = [
        ("derived/write_buyer_weights", [weight_row(w, as_of) for w in weights]),
        ("derived/write_host_trust", [trust_row(t) for t in trusts if t.target_kind == HOST]),
        ("derived/write_shop_trust", [trust_row(t) for t in trusts if t.target_kind == SHOP]),
    ]
    return writes, weights, trusts


def buyer_pass(
    reader: FactReader, buyer_ids: Sequence[str], policy: Policy, as_of: int
) -> tuple[Writes, list[BuyerWeight], list[PairTrust]]:
    """Read and score these buyers (see :func:`score_buyers`)."""
    return score_buyers(reader.buyer_records(buyer_ids, as_of), buyer_ids, policy, as_of)


# -- shops and hosts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandingResult:
    kind: str
    entity_id: str
    record: dict[str, Any]  # the Standing row
    previous_badges: tuple[str, ...] | None  # held before this evaluation (None: never evaluated)


def standing_records(
    reader: FactReader, kind: str, entity_ids: Sequence[str], policy: Policy, as_of: int
) -> list[EntityRecord]:
    """The facts of these shops or hosts over the policy's windows."""
    return list(standing_record_stream(reader, kind, entity_ids, policy, as_of))


def standing_record_stream(
    reader: FactReader, kind: str, entity_ids: Sequence[str], policy: Policy, as_of: int
) -> Iterator[EntityRecord]:
    """:func:`standing_records`, decoded as they are iterated (see ``FactReader``)."""
    return reader.entity_record_stream(
        kind, entity_ids, as_of, *standing.facts_since(policy, as_of)
    )


def evaluate_standings(
    records: Iterable[EntityRecord], kind: str, policy: Policy, as_of: int
) -> tuple[Writes, list[StandingResult]]:
    """The standing of shops or hosts from their facts records, and the write that stores it."""
    results = [
        StandingResult(
            kind,
            r.entity_id,
            standing.evaluate(r, policy, as_of)[0],
            standing.held_before(r.standing),
        )
        for r in records
    ]
    return [(_WRITE_STANDING[kind], [r.record for r in results])], results


def standing_pass(
    reader: FactReader, kind: str, entity_ids: Sequence[str], policy: Policy, as_of: int
) -> tuple[Writes, list[StandingResult]]:
    """Read and evaluate these shops or hosts (see :func:`evaluate_standings`)."""
    return evaluate_standings(
        standing_records(reader, kind, entity_ids, policy, as_of), kind, policy, as_of
    )
