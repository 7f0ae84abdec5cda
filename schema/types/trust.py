"""Pair trust, what recommenders read: ``TrustRelation`` (one buyer toward one host or shop, with
the evidence behind the score) and ``TrustBatch`` (stored trust toward many targets, as columns),
with the JSON-array column scalars that ``schema.build_schema`` maps (``COLUMN_SCALARS``). What
a relation says about its next level is exact for ADMIN only (and the target's own MERCHANT,
which reads no trust today), coarse for everyone else (``schema/hints.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from graph_api.auth import Caller
from schema.hints import pair_next_level, pair_reasons
from schema.types.common import Reason, to_datetime
from schema.types.enums import TargetKind, TrustLevel

if TYPE_CHECKING:
    from scoring.pair_trust import PairTrust
    from scoring.trust_policy import TrustPolicy


@strawberry.type(
    description=(
        "The trust of one buyer toward one host or shop, scored from the facts as of `asOf`."
    )
)
class TrustRelation:
    buyer_id: strawberry.ID
    target_id: strawberry.ID
    target_kind: TargetKind
    level: TrustLevel
    score: float = strawberry.field(
        description="Expected trust in [0, 1]: belief + base rate x uncertainty."
    )
    confidence: float = strawberry.field(
        description="1 - uncertainty: how much evidence backs the score."
    )
    personal_score: float = strawberry.field(
        description="The score with the neutral base rate: the buyer's own evidence only."
    )
    platform_trust: float | None = strawberry.field(
        description="Shops: the base rate from the shop's trust rights. Null for hosts."
    )
    belief: float
    disbelief: float
    uncertainty: float
    distrust: bool = strawberry.field(
        description="Evidence against outweighs evidence for (not the same as a stranger)."
    )
    satisfied_orders: int
    distinct_months: int
    buyer_weight: float = strawberry.field(
        description="The buyer's anti-gaming weight (1 for an account with a history)."
    )
    reasons: list[Reason] = strawberry.field(
        description=(
            "The evidence behind the score and the level reached. LEVEL_STRANGER says what "
            "ACQUAINTANCE needs: with the figures for ADMIN, otherwise only which requirements "
            "fall short (score, evidence, satisfied orders, months), without numbers."
        )
    )
    next_level: str | None = strawberry.field(
        description=(
            'What would move the pair up a level; null at REGULAR. Exact for ADMIN ("3 more '
            'satisfied orders to become REGULAR"); coarse for every other caller: which of the '
            "next level's requirements fall short, without numbers (\"more satisfied orders to "
            'become REGULAR").'
        )
    )
    as_of: datetime
    policy_version: str

    @classmethod
    def of(
        cls, t: PairTrust, weight: float, caller: Caller, policy: TrustPolicy | None
    ) -> TrustRelation:
        """The relation as ``caller`` may see it; ``policy`` is the trust policy in force (the
        coarse hints compare the pair with its thresholds)."""
        exact = caller.sees_exact_hints(t.target_kind, t.target_id)
        return cls(
            buyer_id=strawberry.ID(t.buyer_id),
            target_id=strawberry.ID(t.target_id),
            target_kind=TargetKind(t.target_kind),
            level=TrustLevel(t.level),
            score=t.score,
            confidence=t.confidence,
            personal_score=t.personal_score,
            platform_trust=t.platform_trust,
            belief=t.belief,
            disbelief=t.disbelief,
            uncertainty=t.uncertainty,
            distrust=t.distrust,
            satisfied_orders=t.satisfied_orders,
            distinct_months=t.distinct_months,
            buyer_weight=weight,
            reasons=pair_reasons(t, policy, exact),
            next_level=pair_next_level(t, policy, exact),
            as_of=to_datetime(t.as_of),
            policy_version=t.policy_version,
        )


# trustBatch's columns are custom scalars (JSON arrays), not GraphQL lists: a list of 1,000 typed
# values costs 1,000 completions in graphql-core (measured: most of a 500-target call), one
# scalar costs one. The element types are in each scalar's description.
IdColumn = NewType("IdColumn", list)
TargetKindColumn = NewType("TargetKindColumn", list)
TrustLevelColumn = NewType("TrustLevelColumn", list)
FloatColumn = NewType("FloatColumn", list)
DateTimeColumn = NewType("DateTimeColumn", list)


def _column(name: str, description: str) -> ScalarDefinition:
    # A column is a JSON array, passed through as it is (graphql-core would complete every item
    # of a typed list: docs/api.md, "Why columns").
    return strawberry.scalar(name=name, serialize=list, parse_value=list, description=description)


COLUMN_SCALARS = {
    IdColumn: _column("IdColumn", "A column of ids: a JSON array of strings."),
    TargetKindColumn: _column(
        "TargetKindColumn", 'A column of target kinds: a JSON array of "HOST" or "SHOP".'
    ),
    TrustLevelColumn: _column(
        "TrustLevelColumn",
        'A column of trust levels: a JSON array of "STRANGER", "ACQUAINTANCE" or "REGULAR".',
    ),
    FloatColumn: _column("FloatColumn", "A column of numbers: a JSON array of floats."),
    DateTimeColumn: _column(
        "DateTimeColumn", "A column of times: a JSON array of ISO-8601 UTC strings or null."
    ),
}


@strawberry.type(
    description=(
        "trustBatch's answer in columns: entry i of every column is about targetIds[i], in input "
        "order (hosts first, then shops). A target the buyer has no facts with is a STRANGER with "
        "confidence 0 and its base rate as score; its asOf is null."
    )
)
class TrustBatch:
    buyer_id: strawberry.ID
    target_ids: IdColumn
    target_kinds: TargetKindColumn
    levels: TrustLevelColumn
    scores: FloatColumn
    confidences: FloatColumn
    as_of: DateTimeColumn
