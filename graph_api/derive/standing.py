"""The standing of a shop or host: its metrics, badges and boost, from one facts record.

Glue between the graph's feature rows (``cypher/features/shop_facts`` and ``host_facts``) and the
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

from graph_api.derive.buyers import order_outcomes
from scoring.badges import BadgeDecision, BadgeState, Boost, decide_badges, decide_boost
from scoring.entity_metrics import EntityMetrics, compute_metrics
from scoring.facts import MS_PER_DAY, EntityFacts, OrderFact, Penalty, TimedValue
from scoring.policy import Policy

SHOP = "SHOP"
HOST = "HOST"
KINDS = (SHOP, HOST)


def standing_id(kind: str, entity_id: str) -> str:
    return f"{kind}:{entity_id}"


def facts_since(policy: Policy, as_of: int) -> tuple[int, int]:
    """The (orders since, penalties since) bounds of the facts query: the longest order window and
    the violation window, both exclusive."""
    mp = policy.entity.metrics
    days = max(mp.window_days, mp.after_sales_window_days)
    return as_of - days * MS_PER_DAY, as_of - mp.violation_window_days * MS_PER_DAY


def _order(row: list[Any], entity_kind: str, entity_id: str) -> OrderFact:
    (order_id, buyer_id, placed_at, amount, delivered_at, refunded_at, refund_reason, returned,
     reviews, complaints, inspections) = row
    return OrderFact(
        order_id=order_id,
        buyer_id=buyer_id,
        host_id=entity_id if entity_kind == HOST else "",
        shop_id=entity_id if entity_kind == SHOP else "",
        placed_at=placed_at,
        amount=float(amount),
        delivered_at=delivered_at,
        refunded_at=refunded_at,
        refund_reason=refund_reason,
        returned=returned,
        **order_outcomes(reviews, complaints, inspections),
    )


def entity_facts(row: dict[str, Any], kind: str) -> tuple[EntityFacts, dict[str, str]]:
    """EntityFacts (every list sorted, so the result does not depend on Neo4j's order) and the
    stored level of each buyer's trust toward the entity."""
    entity_id = row["id"]
    orders = sorted((_order(o, kind, entity_id) for o in row["orders"]), key=lambda o: (o.placed_at, o.order_id))
    weights: dict[str, float] = {}
    levels: dict[str, str] = {}
    for buyer_id, weight, level in row["buyers"]:
        if weight is not None and weight < 1.0:
            weights[buyer_id] = float(weight)
        if level is not None:
            levels[buyer_id] = level
    facts = EntityFacts(
        entity_id=entity_id,
        kind=kind,
        category=row["category"],
        orders=tuple(orders),
        reports=tuple(TimedValue(at, 1.0) for at in sorted(row["reports"])),
        penalties=tuple(sorted((Penalty(at, severity, code) for at, severity, code in row["penalties"]),
                               key=lambda p: (p.at, p.severity, p.code))),
        rights=tuple(sorted(row["rights"] or ())),
        registered_at=row["registeredAt"],
        buyer_weights=dict(sorted(weights.items())),
    )
    return facts, levels


def _previous(stored: list[Any] | None, as_of: int) -> BadgeState | None:
    """The badge state an evaluation at ``as_of`` starts from (see the module docstring)."""
    if not stored:
        return None
    stored_as_of, state, previous = stored
    if stored_as_of is None or state is None:
        return None
    if stored_as_of < as_of:
        return BadgeState.from_dict(json.loads(state))
    if stored_as_of == as_of and previous is not None:
        return BadgeState.from_dict(json.loads(previous))
    return None


def _reasons(reasons: Any) -> list[dict[str, str]]:
    return [{"code": r.code, "message": r.message} for r in reasons]


def _metrics_dict(m: EntityMetrics) -> dict[str, Any]:
    d = dataclasses.asdict(m)
    d["violations"] = [{"at": p.at, "severity": p.severity, "code": p.code} for p in m.violations]
    return d


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def evaluate(row: dict[str, Any], kind: str, policy: Policy, as_of: int
             ) -> tuple[dict[str, Any], EntityMetrics, BadgeDecision, Boost]:
    """Metrics, badges and boost of one shop or host as of ``as_of``, and the Standing row."""
    facts, levels = entity_facts(row, kind)
    metrics = compute_metrics(facts, policy.entity, as_of, levels=levels)
    previous = _previous(row["standing"], as_of)
    badges = decide_badges(metrics, previous, policy.entity, as_of, category=facts.category, rights=facts.rights)
    boost = decide_boost(metrics, badges, policy.entity, as_of)
    held = [b for b in badges.badges if b.held]
    in_grace = [b.grace_period_ends_at for b in held if b.grace_period_ends_at is not None]
    explanation = {
        "metrics": _metrics_dict(metrics),
        "badges": [
            {"badge": b.badge, "applicable": b.applicable, "held": b.held, "since": b.since,
             "failingSince": b.failing_since, "gracePeriodEndsAt": b.grace_period_ends_at,
             "reasons": _reasons(b.reasons), "missing": _reasons(b.missing)}
            for b in badges.badges
        ],
        "boost": {"multiplier": boost.multiplier, "tier": boost.tier,
                  "leaderboardEligible": boost.leaderboard_eligible, "reasons": _reasons(boost.reasons)},
        "rights": list(facts.rights),
    }
    record = {
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
    return record, metrics, badges, boost
