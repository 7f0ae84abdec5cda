"""A shop's or host's standing as scored: its ``Badge`` (with per-badge ``BadgeDetail``), its
traffic ``Boost`` and its ``Metrics``, made from the stored standing by ``badge_of``, ``boost_of``
and ``metrics_of``. The standing's explanation (JSON text) is parsed lazily, once per standing,
by ``Explanation``. A badge's hints (``BadgeDetail.missing``, and the sentences of the rules that
fail) are exact for ADMIN and the shop's or host's own MERCHANT, coarse for everyone else
(``schema/hints.py``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from schema.hints import badge_reasons
from schema.types.common import Reason, reasons, to_datetime
from schema.types.enums import BadgeKind, BoostTier


@strawberry.type
class BadgeDetail:
    badge: BadgeKind
    applicable: bool
    held: bool
    since: datetime | None
    failing_since: datetime | None
    grace_period_ends_at: datetime | None
    reasons: list[Reason] = strawberry.field(
        description=(
            "The lifecycle reason first, then every rule evaluated (<RULE>_MET or "
            "<RULE>_NOT_MET). A rule that fails is described with its figures to ADMIN and to "
            "the shop's or host's own MERCHANT key; to every other caller only by which rule "
            "fails (a fixed sentence per rule, no count, rate, threshold or date)."
        )
    )
    missing: list[Reason] = strawberry.field(
        description=(
            "What to fix, for a badge not held or held in grace, one <RULE>_MISSING per failing "
            'rule. Exact ("needs 9 more delivered orders in 90 days") for ADMIN and for the '
            "shop's or host's own MERCHANT key; coarse for every other caller: the same codes, "
            'with a fixed sentence per rule that gives the direction only ("needs more '
            'delivered orders"), never a count, rate, threshold, gap or date.'
        )
    )


class Explanation:
    """A Standing's explanation (JSON text), parsed the first time a field needs it: a badge card
    that asks only for the badges and the tier never parses it."""

    __slots__ = ("_text", "_parsed")

    def __init__(self, text: str | None) -> None:
        self._text = text
        self._parsed: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = (
                json.loads(self._text) if self._text else {"badges": [], "boost": {"reasons": []}}
            )
        return self._parsed


@strawberry.type(description="Badge eligibility of a shop or host, with the rules that fired.")
class Badge:
    eligible: bool = strawberry.field(description="Holds at least one badge.")
    badges: list[BadgeKind]
    since: datetime | None = strawberry.field(
        description="Since when the longest-held badge is held."
    )
    grace_period_ends_at: datetime | None = strawberry.field(
        description="The earliest end of a grace period of a held badge."
    )
    as_of: datetime | None
    policy_version: str | None
    _explanation: strawberry.Private[Explanation]
    _kind: strawberry.Private[str]  # whose badge: SHOP or HOST, and its id (who sees exact hints)
    _entity_id: strawberry.Private[str]

    @strawberry.field(
        description=(
            "Every badge of the policy: held or not, since when, the rules that fired, what is "
            "missing (exact for ADMIN and the shop's or host's own MERCHANT, coarse otherwise)."
        )
    )
    def details(self, info: Info) -> list[BadgeDetail]:
        exact = info.context.caller.sees_exact_hints(self._kind, self._entity_id)
        return [
            BadgeDetail(
                badge=BadgeKind(b["badge"]),
                applicable=b["applicable"],
                held=b["held"],
                since=to_datetime(b["since"]),
                failing_since=to_datetime(b["failingSince"]),
                grace_period_ends_at=to_datetime(b["gracePeriodEndsAt"]),
                reasons=badge_reasons(b["reasons"], exact),
                missing=badge_reasons(b["missing"], exact),
            )
            for b in self._explanation.get()["badges"]
            if b["badge"] in BadgeKind.__members__
        ]

    @strawberry.field(
        description="Per badge: its lifecycle reason (GRANTED, KEPT, IN_GRACE, NOT_ELIGIBLE ...)."
    )
    def reasons(self) -> list[Reason]:
        return [
            reasons(b["reasons"][:1])[0]
            for b in self._explanation.get()["badges"]
            if b["reasons"] and b["badge"] in BadgeKind.__members__
        ]


@strawberry.type(
    description=(
        "Traffic boost for recommenders: multiplier, tier and hourly-leaderboard eligibility."
    )
)
class Boost:
    multiplier: float
    tier: BoostTier
    leaderboard_eligible: bool
    _explanation: strawberry.Private[Explanation]

    @strawberry.field(
        description="The terms of the multiplier and the tier and leaderboard rules that fired."
    )
    def reasons(self) -> list[Reason]:
        return reasons(self._explanation.get()["boost"]["reasons"])


@strawberry.type(
    description=(
        "A shop's or host's record over the policy's windows (weighted counts; "
        "docs/trust-model.md, Metrics)."
    )
)
class Metrics:
    window_days: int
    after_sales_window_days: int
    violation_window_days: int
    raw_orders: int
    excluded_orders: int
    orders: float
    delivered_orders: float
    buyers: float
    repeat_buyers: float
    repurchase_rate: float | None
    regular_share: float | None
    refund_rate: float | None
    for_cause_refund_rate: float | None
    return_rate: float | None
    complaint_rate: float | None
    confirmed_false_ads: int
    inspections: float
    inspection_pass_rate: float | None
    reviews: float
    review_average: float | None
    review_score: float
    violations: int
    max_violation_severity: int
    claim_burst: bool = strawberry.field(
        description="Whether a burst of claims from accounts without a history was left out of "
        "the after-sales window (policy v3, metrics.claim_burst_max_p_value)."
    )
    claim_burst_p_value: float | None = strawberry.field(
        description="The burst test's binomial tail (null: not tested, fewer than two such "
        "claimants)."
    )
    group_witnesses: int = strawberry.field(
        description="Members of a ring or group found at this entity whose claims here still "
        "count, at their own credibility (policy v3, rings.own_claims_at_targets)."
    )


_NOT_SCORED = Explanation(
    json.dumps(
        {
            "badges": [],
            "boost": {
                "reasons": [
                    {"code": "NOT_SCORED", "message": "not scored yet: no standing in the graph"}
                ]
            },
        }
    )
)


def _exp(standing: dict[str, Any]) -> Explanation:
    """The standing's Explanation, made once per standing dict (shared by its
    badge, boost, metrics)."""
    exp = standing.get("_explanation")
    if exp is None:
        exp = standing["_explanation"] = Explanation(standing.get("explanation"))
    return exp


def badge_of(standing: dict[str, Any] | None, kind: str, entity_id: str) -> Badge:
    """The badge of the shop or host ``kind``/``entity_id`` from its stored standing."""
    if not standing or standing.get("asOf") is None:
        return Badge(
            eligible=False,
            badges=[],
            since=None,
            grace_period_ends_at=None,
            as_of=None,
            policy_version=None,
            _explanation=_NOT_SCORED,
            _kind=kind,
            _entity_id=entity_id,
        )
    return Badge(
        eligible=bool(standing["eligible"]),
        badges=[BadgeKind(b) for b in standing["badges"] if b in BadgeKind.__members__],
        since=to_datetime(standing.get("badgeSince")),
        grace_period_ends_at=to_datetime(standing.get("gracePeriodEndsAt")),
        as_of=to_datetime(standing["asOf"]),
        policy_version=standing["policyVersion"],
        _explanation=_exp(standing),
        _kind=kind,
        _entity_id=entity_id,
    )


def boost_of(standing: dict[str, Any] | None) -> Boost:
    if not standing or standing.get("asOf") is None:
        return Boost(
            multiplier=1.0,
            tier=BoostTier.NONE,
            leaderboard_eligible=False,
            _explanation=_NOT_SCORED,
        )
    return Boost(
        multiplier=standing["multiplier"],
        tier=BoostTier(standing["tier"]),
        leaderboard_eligible=standing["leaderboardEligible"],
        _explanation=_exp(standing),
    )


def _r(value: float | None) -> float | None:
    """Weighted counts and rates to 6 decimals: sums of weights carry float noise
    (339.45000000000005) that says nothing and clutters every client."""
    return None if value is None else round(value, 6)


def metrics_of(standing: dict[str, Any] | None) -> Metrics | None:
    if not standing or standing.get("asOf") is None:
        return None
    m = _exp(standing).get()["metrics"]
    p_value = m.get("claim_burst_p_value")
    return Metrics(
        window_days=m["window_days"],
        after_sales_window_days=m["after_sales_window_days"],
        violation_window_days=m["violation_window_days"],
        raw_orders=m["raw_orders"],
        excluded_orders=m["excluded_orders"],
        orders=round(m["orders"], 6),
        delivered_orders=round(m["delivered_orders"], 6),
        buyers=round(m["buyers"], 6),
        repeat_buyers=round(m["repeat_buyers"], 6),
        repurchase_rate=_r(m["repurchase_rate"]),
        regular_share=_r(m["regular_share"]),
        refund_rate=_r(m["refund_rate"]),
        for_cause_refund_rate=_r(m["for_cause_refund_rate"]),
        return_rate=_r(m["return_rate"]),
        complaint_rate=_r(m["complaint_rate"]),
        confirmed_false_ads=m["confirmed_false_ads"],
        inspections=round(m["inspections"], 6),
        inspection_pass_rate=_r(m["inspection_pass_rate"]),
        reviews=round(m["reviews"], 6),
        review_average=_r(m["review_average"]),
        review_score=round(m["review_score"], 6),
        violations=len(m["violations"]),
        max_violation_severity=m["max_violation_severity"],
        # (standings stored before v3 have none of these)
        claim_burst=m.get("claim_burst", False),
        # A tail probability can be far below 1e-6: 6 significant digits, not decimals.
        claim_burst_p_value=None if p_value is None else float(f"{p_value:.6g}"),
        group_witnesses=m.get("group_witnesses", 0),
    )
