"""The standing of a shop or host: its metrics, badges and boost, from one facts record.

Glue between the graph's facts (:class:`graph_api.store.records.EntityRecord`) and the
pure scoring functions: :func:`scoring.entity_metrics.compute_metrics`,
:func:`scoring.badges.decide_badges`, :func:`scoring.badges.decide_boost`. The result is one row
for a ``Standing`` node (``cypher/derived/write_*_standing``): flat properties that readers filter
on (badges, multiplier, tier, leaderboard eligibility, as-of, policy version) and the whole
explanation as sorted-key JSON (metrics, every badge with its rules and what is missing, the boost
reasons).

Badge hysteresis needs the state of the previous evaluation. The Standing keeps the state its
decision produced (``state``) and the state that decision started from (``previousState``). An
evaluation at a later time starts from ``state``; a new evaluation at the SAME time starts again
from ``previousState``, so evaluating twice at one time (an incremental batch then a rebuild, or
two rebuilds) gives the same decision. An evaluation at an earlier time starts from nothing: a
state from the future is no evidence about the past.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from graph_api.store.records import EntityRecord, StoredStanding
from scoring.badges import BadgeDecision, BadgeState, Boost, decide_badges, decide_boost
from scoring.entity_metrics import EntityMetrics, compute_metrics
from scoring.facts import MS_PER_DAY, EntityFacts, TimedValue
from scoring.policy import Policy


def standing_id(kind: str, entity_id: str) -> str:
    return f"{kind}:{entity_id}"


def facts_since(policy: Policy, as_of: int) -> tuple[int, int]:
    """The (orders since, penalties since) bounds of the facts query: the longest order window and
    the violation window, both exclusive."""
    mp = policy.entity.metrics
    days = max(mp.window_days, mp.after_sales_window_days)
    return as_of - days * MS_PER_DAY, as_of - mp.violation_window_days * MS_PER_DAY


def entity_facts(
    record: EntityRecord, new_account_days: float = 0.0
) -> tuple[EntityFacts, dict[str, str]]:
    """EntityFacts and the stored level of each buyer's trust toward the entity. A buyer is new
    here when its first order in the record came within ``new_account_days`` of registering."""
    weights: dict[str, float] = {}
    claims: dict[str, float] = {}
    levels: dict[str, str] = {}
    single: set[str] = set()
    registered: dict[str, int] = {}
    here = f"{record.kind}:{record.entity_id}"
    for b in record.buyers:
        if b.targets == 1:
            single.add(b.buyer_id)
        if b.registered_at is not None:
            registered[b.buyer_id] = b.registered_at
        if b.weight is not None and b.weight < 1.0:
            weights[b.buyer_id] = b.weight
        if b.target_credibility is not None and here in b.ring_targets:
            # Its group was found here: its claims keep the account's own credibility, which may
            # be more than its (capped) weight (scoring.entity_metrics, Claims).
            claims[b.buyer_id] = b.target_credibility
        elif b.credibility is not None and b.credibility < (1.0 if b.weight is None else b.weight):
            claims[b.buyer_id] = b.credibility
        if b.level is not None:
            levels[b.buyer_id] = b.level
    first: dict[str, int] = {}
    for o in record.orders:  # sorted by time: the first seen is the first order
        first.setdefault(o.buyer_id, o.placed_at)
    fresh = new_account_days * MS_PER_DAY
    new = {b for b, at in first.items() if b in registered and at - registered[b] < fresh}
    facts = EntityFacts(
        entity_id=record.entity_id,
        kind=record.kind,
        category=record.category,
        orders=record.orders,
        reports=tuple(TimedValue(at, 1.0) for at in record.reports),
        penalties=record.penalties,
        rights=record.rights,
        registered_at=record.registered_at,
        buyer_weights=dict(sorted(weights.items())),
        claim_weights=dict(sorted(claims.items())),
        single_target_buyers=frozenset(single),
        new_buyers=frozenset(new),
    )
    return facts, levels


def previous_state(stored: StoredStanding | None, as_of: int) -> BadgeState | None:
    """The badge state an evaluation at ``as_of`` starts from (see the module docstring)."""
    if stored is None or stored.as_of is None or stored.state is None:
        return None
    if stored.as_of < as_of:
        return BadgeState.from_dict(json.loads(stored.state))
    if stored.as_of == as_of and stored.previous_state is not None:
        return BadgeState.from_dict(json.loads(stored.previous_state))
    return None


def held_before(stored: StoredStanding | None) -> tuple[str, ...] | None:
    """The badges the stored evaluation granted (None: never evaluated)."""
    if stored is None or stored.state is None:
        return None
    return tuple(sorted(h["badge"] for h in json.loads(stored.state).get("held", ())))


def _reasons(reasons: Any) -> list[dict[str, str]]:
    return [{"code": r.code, "message": r.message} for r in reasons]


def _metrics_dict(m: EntityMetrics) -> dict[str, Any]:
    d = dataclasses.asdict(m)
    d["violations"] = [{"at": p.at, "severity": p.severity, "code": p.code} for p in m.violations]
    return d


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def evaluate(
    record: EntityRecord, policy: Policy, as_of: int
) -> tuple[dict[str, Any], EntityMetrics, BadgeDecision, Boost]:
    """Metrics, badges and boost of one shop or host as of ``as_of``, and the Standing row."""
    facts, levels = entity_facts(record, policy.buyers.new_account_days)
    kind = record.kind
    metrics = compute_metrics(facts, policy.entity, as_of, levels=levels)
    previous = previous_state(record.standing, as_of)
    badges = decide_badges(
        metrics, previous, policy.entity, as_of, category=facts.category, rights=facts.rights
    )
    boost = decide_boost(metrics, badges, policy.entity, as_of)
    held = [b for b in badges.badges if b.held]
    in_grace = [b.grace_period_ends_at for b in held if b.grace_period_ends_at is not None]
    explanation = {
        "metrics": _metrics_dict(metrics),
        "badges": [
            {
                "badge": b.badge,
                "applicable": b.applicable,
                "held": b.held,
                "since": b.since,
                "failingSince": b.failing_since,
                "gracePeriodEndsAt": b.grace_period_ends_at,
                "reasons": _reasons(b.reasons),
                "missing": _reasons(b.missing),
            }
            for b in badges.badges
        ],
        "boost": {
            "multiplier": boost.multiplier,
            "tier": boost.tier,
            "leaderboardEligible": boost.leaderboard_eligible,
            "reasons": _reasons(boost.reasons),
        },
        "rights": list(facts.rights),
    }
    row = {
        "id": standing_id(kind, facts.entity_id),
        "kind": kind,
        "entityId": facts.entity_id,
        "asOf": as_of,
        "policyVersion": policy.version,
        "badges": [b.badge for b in held],
        "eligible": bool(held),
        "badgeSince": min((b.since for b in held if b.since is not None), default=None),
        "gracePeriodEndsAt": min(in_grace, default=None),
        "multiplier": boost.multiplier,
        "tier": boost.tier,
        "leaderboardEligible": boost.leaderboard_eligible,
        "orders": metrics.orders,
        "repurchaseRate": metrics.repurchase_rate,
        "regularShare": metrics.regular_share,
        "refundRate": metrics.refund_rate,
        "complaintRate": metrics.complaint_rate,
        "explanation": _dumps(explanation),
        "state": _dumps(badges.state.to_dict()),
        "previousState": None if previous is None else _dumps(previous.to_dict()),
    }
    return row, metrics, badges, boost
