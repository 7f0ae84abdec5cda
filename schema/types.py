"""GraphQL output types: thin views over the values of ``graph_api.usecases.reads`` and ``scoring``.

Field resolvers that read more (connections, a shop's hosts) check the caller's role first
(``schema.permissions``) and go through the request's loaders, so a list of N cards costs one
query, not N.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NewType, Optional

import strawberry
from strawberry.types import Info

from graph_api.auth import Role
from graph_api.usecases.arguments import encode_cursor
from schema.permissions import require
from schema.runtime import run_sync

if TYPE_CHECKING:
    from scoring.pair_trust import PairTrust


@strawberry.enum(description="How far a buyer trusts a host or shop (docs/trust-model.md, Levels).")
class TrustLevel(enum.Enum):
    STRANGER = "STRANGER"
    ACQUAINTANCE = "ACQUAINTANCE"
    REGULAR = "REGULAR"


@strawberry.enum
class TargetKind(enum.Enum):
    HOST = "HOST"
    SHOP = "SHOP"


@strawberry.enum(description="The badges of the shipped policy (docs/trust-model.md, Part 2).")
class BadgeKind(enum.Enum):
    TRUST_PURCHASE = "TRUST_PURCHASE"
    QUALITY_MERCHANT = "QUALITY_MERCHANT"
    OFFICIAL_AUTHENTICITY = "OFFICIAL_AUTHENTICITY"


@strawberry.enum(description="Traffic tier from the boost multiplier.")
class BoostTier(enum.Enum):
    SUPPRESSED = "SUPPRESSED"
    NONE = "NONE"
    STANDARD = "STANDARD"
    PREFERRED = "PREFERRED"


def to_datetime(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@strawberry.type(description="A rule that fired: a stable code to match on and a sentence for people.")
class Reason:
    code: str
    message: str


def reasons(items: Any) -> list[Reason]:
    out = []
    for r in items or ():
        if isinstance(r, dict):
            out.append(Reason(code=r["code"], message=r["message"]))
        elif isinstance(r, tuple):
            out.append(Reason(code=r[0], message=r[1]))
        else:
            out.append(Reason(code=r.code, message=r.message))
    return out


@strawberry.type(description="The trust of one buyer toward one host or shop, scored from the facts as of `asOf`.")
class TrustRelation:
    buyer_id: strawberry.ID
    target_id: strawberry.ID
    target_kind: TargetKind
    level: TrustLevel
    score: float = strawberry.field(description="Expected trust in [0, 1]: belief + base rate x uncertainty.")
    confidence: float = strawberry.field(description="1 - uncertainty: how much evidence backs the score.")
    personal_score: float = strawberry.field(description="The score with the neutral base rate: the buyer's own evidence only.")
    platform_trust: Optional[float] = strawberry.field(description="Shops: the base rate from the shop's trust rights. Null for hosts.")
    belief: float
    disbelief: float
    uncertainty: float
    distrust: bool = strawberry.field(description="Evidence against outweighs evidence for (not the same as a stranger).")
    satisfied_orders: int
    distinct_months: int
    buyer_weight: float = strawberry.field(description="The buyer's anti-gaming weight (1 for an account with a history).")
    reasons: list[Reason]
    next_level: Optional[str] = strawberry.field(description="What would move the pair up a level; null at REGULAR.")
    as_of: datetime
    policy_version: str

    @classmethod
    def of(cls, t: PairTrust, weight: float) -> TrustRelation:
        return cls(
            buyer_id=strawberry.ID(t.buyer_id), target_id=strawberry.ID(t.target_id),
            target_kind=TargetKind(t.target_kind), level=TrustLevel(t.level), score=t.score,
            confidence=t.confidence, personal_score=t.personal_score, platform_trust=t.platform_trust,
            belief=t.belief, disbelief=t.disbelief, uncertainty=t.uncertainty, distrust=t.distrust,
            satisfied_orders=t.satisfied_orders, distinct_months=t.distinct_months, buyer_weight=weight,
            reasons=reasons(t.reasons), next_level=t.next_level, as_of=to_datetime(t.as_of),
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
COLUMN_SCALARS = {
    IdColumn: strawberry.scalar(name="IdColumn", serialize=list, parse_value=list,
                                description="A column of ids: a JSON array of strings."),
    TargetKindColumn: strawberry.scalar(name="TargetKindColumn", serialize=list, parse_value=list,
                                        description='A column of target kinds: a JSON array of "HOST" or "SHOP".'),
    TrustLevelColumn: strawberry.scalar(name="TrustLevelColumn", serialize=list, parse_value=list,
                                        description='A column of trust levels: a JSON array of "STRANGER", '
                                                    '"ACQUAINTANCE" or "REGULAR".'),
    FloatColumn: strawberry.scalar(name="FloatColumn", serialize=list, parse_value=list,
                                   description="A column of numbers: a JSON array of floats."),
    DateTimeColumn: strawberry.scalar(name="DateTimeColumn", serialize=list, parse_value=list,
                                      description="A column of times: a JSON array of ISO-8601 UTC strings or null."),
}


@strawberry.type(description=(
    "trustBatch's answer in columns: entry i of every column is about targetIds[i], in input order "
    "(hosts first, then shops). A target without a stored relation is a STRANGER with confidence 0 "
    "and its base rate as score; its asOf is null."))
class TrustBatch:
    buyer_id: strawberry.ID
    target_ids: IdColumn
    target_kinds: TargetKindColumn
    levels: TrustLevelColumn
    scores: FloatColumn
    confidences: FloatColumn
    as_of: DateTimeColumn


@strawberry.type
class BadgeDetail:
    badge: BadgeKind
    applicable: bool
    held: bool
    since: Optional[datetime]
    failing_since: Optional[datetime]
    grace_period_ends_at: Optional[datetime]
    reasons: list[Reason]
    missing: list[Reason] = strawberry.field(description="What to fix, for a badge not held or held in grace.")


class Explanation:
    """A Standing's explanation (JSON text), parsed the first time a field needs it: a badge card
    that asks only for the badges and the tier never parses it."""

    __slots__ = ("_text", "_parsed")

    def __init__(self, text: str | None) -> None:
        self._text = text
        self._parsed: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        if self._parsed is None:
            self._parsed = json.loads(self._text) if self._text else {"badges": [], "boost": {"reasons": []}}
        return self._parsed


@strawberry.type(description="Badge eligibility of a shop or host, with the rules that fired.")
class Badge:
    eligible: bool = strawberry.field(description="Holds at least one badge.")
    badges: list[BadgeKind]
    since: Optional[datetime] = strawberry.field(description="Since when the longest-held badge is held.")
    grace_period_ends_at: Optional[datetime] = strawberry.field(description="The earliest end of a grace period of a held badge.")
    as_of: Optional[datetime]
    policy_version: Optional[str]
    _explanation: strawberry.Private[Explanation]

    @strawberry.field(description="Every badge of the policy: held or not, since when, the rules that fired, what is missing.")
    def details(self) -> list[BadgeDetail]:
        return [
            BadgeDetail(badge=BadgeKind(b["badge"]), applicable=b["applicable"], held=b["held"],
                        since=to_datetime(b["since"]), failing_since=to_datetime(b["failingSince"]),
                        grace_period_ends_at=to_datetime(b["gracePeriodEndsAt"]), reasons=reasons(b["reasons"]),
                        missing=reasons(b["missing"]))
            for b in self._explanation.get()["badges"] if b["badge"] in BadgeKind.__members__
        ]

    @strawberry.field(description="Per badge: its lifecycle reason (GRANTED, KEPT, IN_GRACE, NOT_ELIGIBLE ...).")
    def reasons(self) -> list[Reason]:
        return [reasons(b["reasons"][:1])[0] for b in self._explanation.get()["badges"]
                if b["reasons"] and b["badge"] in BadgeKind.__members__]


@strawberry.type(description="Traffic boost for recommenders: multiplier, tier and hourly-leaderboard eligibility.")
class Boost:
    multiplier: float
    tier: BoostTier
    leaderboard_eligible: bool
    _explanation: strawberry.Private[Explanation]

    @strawberry.field(description="The terms of the multiplier and the tier and leaderboard rules that fired.")
    def reasons(self) -> list[Reason]:
        return reasons(self._explanation.get()["boost"]["reasons"])


@strawberry.type(description="A shop's or host's record over the policy's windows (weighted counts; docs/trust-model.md, Metrics).")
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
    repurchase_rate: Optional[float]
    regular_share: Optional[float]
    refund_rate: Optional[float]
    for_cause_refund_rate: Optional[float]
    return_rate: Optional[float]
    complaint_rate: Optional[float]
    confirmed_false_ads: int
    inspections: float
    inspection_pass_rate: Optional[float]
    reviews: float
    review_average: Optional[float]
    review_score: float
    violations: int
    max_violation_severity: int


_NOT_SCORED = Explanation(json.dumps({"badges": [], "boost": {"reasons": [
    {"code": "NOT_SCORED", "message": "not scored yet: no standing in the graph"}]}}))


def _exp(standing: dict[str, Any]) -> Explanation:
    """The standing's Explanation, made once per standing dict (shared by its badge, boost, metrics)."""
    exp = standing.get("_explanation")
    if exp is None:
        exp = standing["_explanation"] = Explanation(standing.get("explanation"))
    return exp


def badge_of(standing: dict[str, Any] | None) -> Badge:
    if not standing or standing.get("asOf") is None:
        return Badge(eligible=False, badges=[], since=None, grace_period_ends_at=None, as_of=None,
                     policy_version=None, _explanation=_NOT_SCORED)
    return Badge(
        eligible=bool(standing["eligible"]),
        badges=[BadgeKind(b) for b in standing["badges"] if b in BadgeKind.__members__],
        since=to_datetime(standing.get("badgeSince")),
        grace_period_ends_at=to_datetime(standing.get("gracePeriodEndsAt")),
        as_of=to_datetime(standing["asOf"]),
        policy_version=standing["policyVersion"],
        _explanation=_exp(standing),
    )


def boost_of(standing: dict[str, Any] | None) -> Boost:
    if not standing or standing.get("asOf") is None:
        return Boost(multiplier=1.0, tier=BoostTier.NONE, leaderboard_eligible=False, _explanation=_NOT_SCORED)
    return Boost(multiplier=standing["multiplier"], tier=BoostTier(standing["tier"]),
                 leaderboard_eligible=standing["leaderboardEligible"], _explanation=_exp(standing))


def metrics_of(standing: dict[str, Any] | None) -> Metrics | None:
    if not standing or standing.get("asOf") is None:
        return None
    m = _exp(standing).get()["metrics"]
    return Metrics(
        window_days=m["window_days"], after_sales_window_days=m["after_sales_window_days"],
        violation_window_days=m["violation_window_days"], raw_orders=m["raw_orders"],
        excluded_orders=m["excluded_orders"], orders=m["orders"], delivered_orders=m["delivered_orders"],
        buyers=m["buyers"], repeat_buyers=m["repeat_buyers"], repurchase_rate=m["repurchase_rate"],
        regular_share=m["regular_share"], refund_rate=m["refund_rate"],
        for_cause_refund_rate=m["for_cause_refund_rate"], return_rate=m["return_rate"],
        complaint_rate=m["complaint_rate"], confirmed_false_ads=m["confirmed_false_ads"],
        inspections=m["inspections"], inspection_pass_rate=m["inspection_pass_rate"], reviews=m["reviews"],
        review_average=m["review_average"], review_score=m["review_score"], violations=len(m["violations"]),
        max_violation_severity=m["max_violation_severity"],
    )


# -- connections (Relay style) ------------------------------------------------------------------

@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: Optional[str]


def page_info_of(page: Any) -> PageInfo:
    """A connection's PageInfo from a graph_api.usecases.reads.Page (the cursor encodes its last key)."""
    return PageInfo(has_next_page=page.has_next, end_cursor=encode_cursor(page.end_key) if page.end_key else None)


@strawberry.type(description="A buyer's stored trust toward a host, as listed in the host's buyers.")
class HostBuyer:
    buyer_id: strawberry.ID
    level: TrustLevel
    score: float
    confidence: float
    as_of: datetime


@strawberry.type
class HostBuyerEdge:
    cursor: str
    node: HostBuyer


@strawberry.type
class HostBuyerConnection:
    edges: list[HostBuyerEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A current fan-club member of a host.")
class FanClubMember:
    buyer_id: strawberry.ID
    tier: int
    joined_at: Optional[datetime]
    tier_since: Optional[datetime]


@strawberry.type
class FanClubEdge:
    cursor: str
    node: FanClubMember


@strawberry.type
class FanClubConnection:
    edges: list[FanClubEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A buyer's stored trust toward one host or shop.")
class Relation:
    target_kind: TargetKind
    target_id: strawberry.ID
    level: TrustLevel
    score: float
    confidence: float
    platform_trust: Optional[float]
    reason_codes: list[str]
    as_of: datetime


@strawberry.type
class RelationEdge:
    cursor: str
    node: Relation


@strawberry.type
class RelationConnection:
    edges: list[RelationEdge]
    page_info: PageInfo
    total_count: int


# -- shops, hosts, buyers -----------------------------------------------------------------------

@strawberry.type(description="A host (a live-stream seller): public facts, badge, boost, metrics; buyer-level data for researchers.")
class Host:
    id: strawberry.ID
    name: Optional[str]
    category: Optional[str]
    registered_at: Optional[datetime]
    badge: Badge
    boost: Boost
    _standing: strawberry.Private[Optional[dict[str, Any]]]

    @strawberry.field(description="The host's record over the policy's windows (null before its first scoring).")
    def metrics(self) -> Optional[Metrics]:
        return metrics_of(self._standing)

    @strawberry.field(description="Buyers with a stored relation to this host, by buyer id. RESEARCHER or ADMIN.")
    async def buyers(self, info: Info, level: Optional[TrustLevel] = None, first: int = 20,
                     after: Optional[str] = None) -> HostBuyerConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(info.context.trustgraph.host_buyers, str(self.id), level.value if level else None,
                              first, after)
        edges = [HostBuyerEdge(cursor=encode_cursor(r[0]), node=HostBuyer(
            buyer_id=strawberry.ID(r[0]), level=TrustLevel(r[1]), score=r[2], confidence=r[3], as_of=to_datetime(r[4])))
            for r in page.rows]
        return HostBuyerConnection(edges=edges, total_count=page.total, page_info=page_info_of(page))

    @strawberry.field(description="Current fan-club members (tier >= minTier), by buyer id. RESEARCHER or ADMIN.")
    async def fan_club(self, info: Info, min_tier: int = 1, first: int = 20,
                       after: Optional[str] = None) -> FanClubConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(info.context.trustgraph.fan_club, str(self.id), min_tier, first, after)
        edges = [FanClubEdge(cursor=encode_cursor(r[0]), node=FanClubMember(
            buyer_id=strawberry.ID(r[0]), tier=r[1], joined_at=to_datetime(r[2]), tier_since=to_datetime(r[3])))
            for r in page.rows]
        return FanClubConnection(edges=edges, total_count=page.total, page_info=page_info_of(page))


@strawberry.type(description="A shop: public facts, trust rights, badge, boost, metrics and the hosts that sell for it.")
class Shop:
    id: strawberry.ID
    name: Optional[str]
    category: Optional[str]
    registered_at: Optional[datetime]
    rights: list[str]
    badge: Badge
    boost: Boost
    _standing: strawberry.Private[Optional[dict[str, Any]]]

    @strawberry.field(description="The shop's record over the policy's windows (null before its first scoring).")
    def metrics(self) -> Optional[Metrics]:
        return metrics_of(self._standing)

    @strawberry.field(description="The hosts that sell for this shop.")
    async def hosts(self, info: Info) -> list[Host]:
        ids = await run_sync(info.context.trustgraph.shop_hosts, str(self.id))
        found = await info.context.loaders.entities.load_many([f"HOST:{i}" for i in ids])
        return [host_of(e) for e in found if e is not None]


def host_of(e: dict[str, Any]) -> Host:
    st = e["standing"]
    return Host(id=strawberry.ID(e["entityId"]), name=e["name"], category=e["category"],
                registered_at=to_datetime(e["registeredAt"]), badge=badge_of(st), boost=boost_of(st),
                _standing=st)


def shop_of(e: dict[str, Any]) -> Shop:
    st = e["standing"]
    return Shop(id=strawberry.ID(e["entityId"]), name=e["name"], category=e["category"],
                registered_at=to_datetime(e["registeredAt"]), rights=sorted(e["rights"] or []),
                badge=badge_of(st), boost=boost_of(st), _standing=st)


@strawberry.type(description="A buyer as stored: its id, anti-gaming weight and relations. RESEARCHER or ADMIN.")
class Buyer:
    id: strawberry.ID
    weight: float
    weight_signals: list[str]

    @strawberry.field(description="The buyer's stored relations, by (kind, target id).")
    async def relations(self, info: Info, kind: Optional[TargetKind] = None, first: int = 20,
                        after: Optional[str] = None) -> RelationConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(info.context.trustgraph.buyer_relations, str(self.id), kind.value if kind else None,
                              first, after)
        edges = [RelationEdge(cursor=encode_cursor(f"{r[0]}:{r[1]}"), node=Relation(
            target_kind=TargetKind(r[0]), target_id=strawberry.ID(r[1]), level=TrustLevel(r[2]), score=r[3],
            confidence=r[4], platform_trust=r[5], reason_codes=list(r[6] or []), as_of=to_datetime(r[7])))
            for r in page.rows]
        return RelationConnection(edges=edges, total_count=page.total, page_info=page_info_of(page))


@strawberry.type(description="One shop's or host's badge card, for widgets that render many at once.")
class BadgeCard:
    id: strawberry.ID
    kind: TargetKind
    name: Optional[str]
    badge: Badge
    boost: Boost


# -- journeys -----------------------------------------------------------------------------------

@strawberry.type
class JourneyCause:
    event: str = strawberry.field(description="What happened (ORDER_DELIVERED, REVIEW_POSTED (5 stars), DECAY ...).")
    id: Optional[strawberry.ID] = strawberry.field(description="The order it happened to, if any.")


@strawberry.type
class JourneyStep:
    at: datetime
    from_level: Optional[TrustLevel]
    to_level: TrustLevel
    score: float
    confidence: float
    causes: list[JourneyCause]


@strawberry.type(description="How one pair moved between levels, and why; `current` is the pair as of the graph's clock.")
class Journey:
    buyer_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    steps: list[JourneyStep]
    current: TrustRelation


# -- ingestion ----------------------------------------------------------------------------------

@strawberry.type
class RejectedEvent:
    index: int = strawberry.field(description="Position of the event in the call's `events` list.")
    event_id: Optional[str]
    code: str
    field: Optional[str]
    message: str


@strawberry.type(description="A pair whose level changed.")
class TrustChange:
    buyer_id: strawberry.ID
    target_kind: TargetKind
    target_id: strawberry.ID
    old_level: Optional[TrustLevel] = strawberry.field(description="Null: the pair had no relation before.")
    new_level: TrustLevel
    score: float
    confidence: float
    as_of: Optional[datetime]


@strawberry.type(description="A shop or host whose badges changed.")
class BadgeChange:
    target_kind: TargetKind
    target_id: strawberry.ID
    old_badges: list[BadgeKind]
    new_badges: list[BadgeKind]
    multiplier: float
    tier: BoostTier
    as_of: Optional[datetime]


@strawberry.type
class RecordEventsResult:
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    trust_changes: list[TrustChange]
    badge_changes: list[BadgeChange]


def trust_change_of(c: dict[str, Any]) -> TrustChange:
    return TrustChange(buyer_id=strawberry.ID(c["buyerId"]), target_kind=TargetKind(c["targetKind"]),
                       target_id=strawberry.ID(c["targetId"]),
                       old_level=TrustLevel(c["oldLevel"]) if c.get("oldLevel") else None,
                       new_level=TrustLevel(c["newLevel"]), score=c["score"], confidence=c["confidence"],
                       as_of=to_datetime(c.get("asOf")))


def badge_change_of(c: dict[str, Any]) -> BadgeChange:
    return BadgeChange(target_kind=TargetKind(c["targetKind"]), target_id=strawberry.ID(c["targetId"]),
                       old_badges=[BadgeKind(b) for b in c["oldBadges"] if b in BadgeKind.__members__],
                       new_badges=[BadgeKind(b) for b in c["newBadges"] if b in BadgeKind.__members__],
                       multiplier=c["multiplier"], tier=BoostTier(c["tier"]), as_of=to_datetime(c.get("asOf")))



# -- neighbourhoods for graph viewers ------------------------------------------------------------

@strawberry.type(description="A node of a subgraph: BUYER:<id>, HOST:<id> or SHOP:<id>.")
class GraphNode:
    id: strawberry.ID
    kind: str
    entity_id: strawberry.ID
    name: Optional[str]
    category: Optional[str]
    weight: Optional[float] = strawberry.field(description="Buyers: the anti-gaming weight.")
    badges: list[str]
    tier: Optional[str]


@strawberry.type(description="An edge of a subgraph: TRUST and ORDERED from a buyer, SELLS_FOR from a host.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    kind: str
    level: Optional[TrustLevel]
    score: Optional[float]
    confidence: Optional[float]
    orders: Optional[int]
    spend: Optional[float]


@strawberry.type(description="A bounded subgraph around one buyer, host or shop, ready for a graph viewer.")
class Subgraph:
    center: strawberry.ID
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description="maxNodes was reached: more nodes lie within the depth.")


def subgraph_of(center: str, nodes: list[tuple[str, dict[str, Any]]], edges: list[tuple[str, str, str, dict[str, Any]]],
                truncated: bool) -> Subgraph:
    return Subgraph(
        center=strawberry.ID(center),
        nodes=[GraphNode(id=strawberry.ID(k), kind=a["kind"], entity_id=strawberry.ID(a["entityId"]), name=a.get("name"),
                         category=a.get("category"), weight=a.get("weight"),
                         badges=[b for b in (a.get("badges") or "").split(",") if b], tier=a.get("tier"))
               for k, a in nodes],
        edges=[GraphEdge(source=strawberry.ID(u), target=strawberry.ID(v), kind=k,
                         level=TrustLevel(a["level"]) if a.get("level") else None, score=a.get("score"),
                         confidence=a.get("confidence"), orders=a.get("orders"), spend=a.get("spend"))
               for u, v, k, a in edges],
        truncated=truncated,
    )


# -- policy what-if ------------------------------------------------------------------------------

@strawberry.type
class LevelShift:
    kind: TargetKind
    from_level: TrustLevel
    to_level: TrustLevel
    pairs: int


@strawberry.type
class BadgeCount:
    target_kind: TargetKind
    badge: str
    count: int


@strawberry.type
class TierChange:
    kind: TargetKind
    from_tier: BoostTier
    to_tier: BoostTier
    count: int


@strawberry.type(description="Shops or hosts whose traffic multiplier would move (within a tier too).")
class BoostChange:
    kind: TargetKind
    direction: str = strawberry.field(description="RAISED or LOWERED")
    count: int
    mean_change: float = strawberry.field(description="Mean change of the multiplier over these.")


@strawberry.type
class ChangeExamples:
    change: str
    examples: list[str]


@strawberry.type(description="What a candidate policy would change against the policy in force (nothing is written).")
class PolicySimulation:
    as_of: datetime
    current_policy: str
    candidate_policy: str
    pairs: int
    shops_and_hosts: int
    level_shifts: list[LevelShift]
    badges_gained: list[BadgeCount]
    badges_lost: list[BadgeCount]
    tier_changes: list[TierChange]
    boost_changes: list[BoostChange]
    examples: list[ChangeExamples]


def simulation_of(sim: Any) -> PolicySimulation:
    def counts(counter: Any) -> list[BadgeCount]:
        return [BadgeCount(target_kind=TargetKind(k.split(":")[0]), badge=k.split(":", 1)[1], count=n)
                for k, n in sorted(counter.items())]

    return PolicySimulation(
        as_of=to_datetime(sim.as_of), current_policy=sim.current, candidate_policy=sim.candidate, pairs=sim.pairs,
        shops_and_hosts=sim.entities,
        level_shifts=[LevelShift(kind=TargetKind(k), from_level=TrustLevel(a), to_level=TrustLevel(b), pairs=n)
                      for (k, a, b), n in sorted(sim.level_shifts.items())],
        badges_gained=counts(sim.badges_gained), badges_lost=counts(sim.badges_lost),
        tier_changes=[TierChange(kind=TargetKind(k), from_tier=BoostTier(a), to_tier=BoostTier(b), count=n)
                      for (k, a, b), n in sorted(sim.tier_changes.items())],
        boost_changes=[BoostChange(kind=TargetKind(k), direction=d, count=n, mean_change=sim.boost_deltas[(k, d)] / n)
                       for (k, d), n in sorted(sim.boost_changes.items())],
        examples=[ChangeExamples(change=c, examples=list(v)) for c, v in sim.examples.items()],
    )
