"""Queries: trust for recommenders, badges for front ends, exploration for researchers."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.types import Info

from graph_api.auth import Role
from graph_api.reads import BadInput, check_id
from schema.research_types import Funnel, FunnelPeriod, TrustRanking, funnel_of, ranking_of
from schema.permissions import require
from schema.runtime import run_sync
from schema.types import (
    BadgeCard, Buyer, Host, Journey, JourneyCause, JourneyStep, Shop, Subgraph, TargetKind, TrustBatch, TrustLevel,
    TrustRelation, PolicySimulation, badge_of, boost_of, host_of, shop_of, simulation_of, subgraph_of, to_datetime,
)


def _epoch_ms(value: datetime | None, argument: str) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(argument, "needs an offset (for example 2021-10-01T00:00:00+08:00 or ...Z)")
    return int(value.timestamp() * 1000)


def _one_target(host_id: Optional[str], shop_id: Optional[str]) -> tuple[str, str]:
    if (host_id is None) == (shop_id is None):
        raise BadInput("hostId/shopId", "give exactly one of hostId or shopId")
    if host_id is not None:
        return "HOST", check_id(host_id, "hostId")
    return "SHOP", check_id(shop_id, "shopId")  # type: ignore[arg-type]


def _ids(values: Optional[list[strawberry.ID]], argument: str) -> list[str]:
    return [check_id(str(v), f"{argument}[{i}]") for i, v in enumerate(values or [])]


@strawberry.type(description="The scoring policy the service runs.")
class PolicyInfo:
    version: str


@strawberry.type
class Query:
    @strawberry.field(description=(
        "The trust of one buyer toward one host or one shop (exactly one of hostId, shopId), scored from the "
        "facts as of asOf (default: the graph's clock, the latest event). An id the graph has never seen is a "
        "STRANGER with confidence 0. RECOMMENDER, RESEARCHER or ADMIN."))
    async def trust(self, info: Info, buyer_id: strawberry.ID, host_id: Optional[strawberry.ID] = None,
                    shop_id: Optional[strawberry.ID] = None, as_of: Optional[datetime] = None) -> TrustRelation:
        require(info, Role.RECOMMENDER, Role.RESEARCHER)
        buyer = check_id(str(buyer_id), "buyerId")
        kind, target = _one_target(host_id, shop_id)
        at = _epoch_ms(as_of, "asOf")
        trust, weight = await run_sync(info.context.reads.trust, buyer, kind, target, at)
        return TrustRelation.of(trust, weight)

    @strawberry.field(description=(
        "Stored trust of one buyer toward many hosts and shops, as columns in input order (hosts, then shops); "
        "at most TRUSTGRAPH_MAX_BATCH_TARGETS (1,000) targets. RECOMMENDER, RESEARCHER or ADMIN."))
    async def trust_batch(self, info: Info, buyer_id: strawberry.ID, host_ids: Optional[list[strawberry.ID]] = None,
                          shop_ids: Optional[list[strawberry.ID]] = None) -> TrustBatch:
        require(info, Role.RECOMMENDER, Role.RESEARCHER)
        buyer = check_id(str(buyer_id), "buyerId")
        hosts, shops = _ids(host_ids, "hostIds"), _ids(shop_ids, "shopIds")
        limit = info.context.settings.limits.max_batch_targets
        if len(hosts) + len(shops) > limit:
            raise BadInput("hostIds/shopIds", f"{len(hosts) + len(shops)} targets; at most {limit} per call")
        cols = await run_sync(info.context.reads.trust_batch, buyer, hosts, shops)
        return TrustBatch(
            buyer_id=strawberry.ID(buyer), target_ids=cols.target_ids, target_kinds=cols.target_kinds,
            levels=cols.levels, scores=cols.scores, confidences=cols.confidences,
            as_of=[None if a is None else to_datetime(a).isoformat() for a in cols.as_of],
        )

    @strawberry.field(description="A shop by id (null if the graph does not know it). Public.")
    async def shop(self, info: Info, id: strawberry.ID) -> Optional[Shop]:
        e = await info.context.loaders.entities.load(f"SHOP:{check_id(str(id), 'id')}")
        return shop_of(e) if e else None

    @strawberry.field(description="A host by id (null if the graph does not know it). Public.")
    async def host(self, info: Info, id: strawberry.ID) -> Optional[Host]:
        e = await info.context.loaders.entities.load(f"HOST:{check_id(str(id), 'id')}")
        return host_of(e) if e else None

    @strawberry.field(description=(
        "Badge cards for many shops and hosts at once (shops first, then hosts, in input order; null for an "
        "unknown id); at most TRUSTGRAPH_MAX_BADGE_IDS (200). Public."))
    async def badges(self, info: Info, shop_ids: Optional[list[strawberry.ID]] = None,
                     host_ids: Optional[list[strawberry.ID]] = None) -> list[Optional[BadgeCard]]:
        keys = [f"SHOP:{i}" for i in _ids(shop_ids, "shopIds")] + [f"HOST:{i}" for i in _ids(host_ids, "hostIds")]
        limit = info.context.settings.limits.max_badge_ids
        if len(keys) > limit:
            raise BadInput("shopIds/hostIds", f"{len(keys)} ids; at most {limit} per call")
        found = await info.context.loaders.entities.load_many(keys)
        return [None if e is None else BadgeCard(
            id=strawberry.ID(e["entityId"]), kind=TargetKind(e["kind"]), name=e["name"],
            badge=badge_of(e["standing"]), boost=boost_of(e["standing"])) for e in found]

    @strawberry.field(description="A buyer as stored (null if unknown). RESEARCHER or ADMIN.")
    async def buyer(self, info: Info, id: strawberry.ID) -> Optional[Buyer]:
        require(info, Role.RESEARCHER)
        buyer = check_id(str(id), "id")
        row, _ = await run_sync(info.context.reads.buyer_relations, buyer, None, 1, "")
        if row is None:
            return None
        return Buyer(id=strawberry.ID(buyer), weight=1.0 if row["weight"] is None else row["weight"],
                     weight_signals=list(row["weightSignals"] or []))

    @strawberry.field(description=(
        "The timeline of one pair's level changes and the facts that caused them, up to the graph's clock "
        "(exactly one of hostId, shopId). RESEARCHER or ADMIN."))
    async def journey(self, info: Info, buyer_id: strawberry.ID, host_id: Optional[strawberry.ID] = None,
                      shop_id: Optional[strawberry.ID] = None) -> Journey:
        require(info, Role.RESEARCHER)
        buyer = check_id(str(buyer_id), "buyerId")
        kind, target = _one_target(host_id, shop_id)
        steps, current, weight = await run_sync(info.context.reads.journey, buyer, kind, target)
        return Journey(
            buyer_id=strawberry.ID(buyer), target_kind=TargetKind(kind), target_id=strawberry.ID(target),
            steps=[JourneyStep(at=to_datetime(s.at), from_level=TrustLevel(s.from_level) if s.from_level else None,
                               to_level=TrustLevel(s.to_level), score=s.score, confidence=s.confidence,
                               causes=[JourneyCause(event=e, id=strawberry.ID(i) if i else None) for e, i in s.causes])
                   for s in steps],
            current=TrustRelation.of(current, weight),
        )

    @strawberry.field(description=(
        "The subgraph around one buyer, host or shop (center: BUYER:<id>, HOST:<id> or SHOP:<id>) within depth "
        "hops (1-3), at most maxNodes nodes (1-1,000), with their trust: for graph viewers. RESEARCHER or ADMIN."))
    async def neighbourhood(self, info: Info, center: strawberry.ID, depth: int = 1,
                            max_nodes: int = 200) -> Subgraph:
        require(info, Role.RESEARCHER)
        kind, _, ident = str(center).partition(":")
        if kind not in ("BUYER", "HOST", "SHOP"):
            raise BadInput("center", "must be BUYER:<id>, HOST:<id> or SHOP:<id>")
        check_id(ident, "center")
        if not 1 <= depth <= 3:
            raise BadInput("depth", f"must be between 1 and 3 (got {depth})")
        if not 1 <= max_nodes <= 1000:
            raise BadInput("maxNodes", f"must be between 1 and 1000 (got {max_nodes})")
        nodes, edges, truncated = await run_sync(info.context.reads.neighbourhood, str(center), depth, max_nodes)
        return subgraph_of(str(center), nodes, edges, truncated)

    @strawberry.field(description=(
        "What a candidate policy (the text of a policy TOML file) would change against the policy in force, as of "
        "the graph's clock: level shifts, badges gained and lost, tier changes, with examples. Writes nothing; reads "
        "the whole graph, so it takes as long as a rescore. ADMIN."))
    async def simulate_policy(self, info: Info, policy: str, examples: int = 5) -> PolicySimulation:
        require(info)  # ADMIN only
        from graph_api.simulate import simulate
        from scoring.policy import parse_policy

        if len(policy) > 200_000:
            raise BadInput("policy", "is longer than 200,000 characters")
        if not 0 <= examples <= 50:
            raise BadInput("examples", "must be between 0 and 50")
        try:
            candidate = parse_policy(policy, "policy")
        except ValueError as exc:
            raise BadInput("policy", str(exc).removeprefix("policy: ")) from None
        reads = info.context.reads
        as_of = await run_sync(reads.clock)
        sim = await run_sync(simulate, reads.store, reads.policy, candidate, as_of, examples=examples)
        return simulation_of(sim)

    @strawberry.field(description=(
        "The stranger -> acquaintance -> regular funnel over [since, until] (default: the first fact to the graph's "
        "clock): moves between levels per period, time to each level, and conversion within horizonDays by "
        "category, by the shop's trust rights and by fan-club tier. Every pair's levels are replayed from its facts "
        "under the policy in force (docs/research.md), so the first call on a large graph takes a while; answers "
        "are cached until the next event. RESEARCHER or ADMIN."))
    async def funnel(self, info: Info, period: FunnelPeriod = FunnelPeriod.MONTH, since: Optional[datetime] = None,
                     until: Optional[datetime] = None, category: Optional[str] = None,
                     target_kind: Optional[TargetKind] = None, horizon_days: int = 90) -> Funnel:
        require(info, Role.RESEARCHER)
        from graph_api.funnel import compute_funnel

        start, end = _epoch_ms(since, "since"), _epoch_ms(until, "until")
        if start is not None and end is not None and end < start:
            raise BadInput("until", "must not be before since")
        if not 1 <= horizon_days <= 365:
            raise BadInput("horizonDays", f"must be between 1 and 365 (got {horizon_days})")
        category = category.strip().lower() if category is not None else None
        if category is not None and not 1 <= len(category) <= 100:
            raise BadInput("category", "must be 1 to 100 characters")
        reads = info.context.reads
        clock = await run_sync(reads.clock)
        result = await run_sync(compute_funnel, reads.store, reads.policy, clock=clock, since=start, until=end,
                                period=period.value, horizon_days=horizon_days,
                                category=category,
                                kind=target_kind.value if target_kind else None)
        return funnel_of(result)

    @strawberry.field(description=(
        "Hosts and shops ranked by trust propagated over buyers' stored local trust (EigenTrust, docs/research.md): "
        "global, anchored on pretrusted (SHOP:<id> / HOST:<id>; default: shops whose inspections pass and hosts with "
        "a long clean record), or personalized from fromBuyer (what buyers like them trust; excludeKnown leaves out "
        "what the buyer already knows). first: 1-1,000. Reads every TRUST relationship on the first call; cached "
        "until the next event. RESEARCHER or ADMIN."))
    async def trust_ranking(self, info: Info, from_buyer: Optional[strawberry.ID] = None,
                            pretrusted: Optional[list[strawberry.ID]] = None, target_kind: Optional[TargetKind] = None,
                            first: int = 20, exclude_known: bool = True) -> TrustRanking:
        require(info, Role.RESEARCHER)
        from graph_api.research import NoAnchor, propagate_stored

        if not 1 <= first <= 1000:
            raise BadInput("first", f"must be between 1 and 1000 (got {first})")
        if from_buyer is not None and pretrusted is not None:
            raise BadInput("fromBuyer/pretrusted", "give at most one of fromBuyer or pretrusted")
        anchors = None
        if pretrusted is not None:
            if not 1 <= len(pretrusted) <= 1000:
                raise BadInput("pretrusted", "must name 1 to 1,000 hosts or shops")
            anchors = []
            for i, value in enumerate(pretrusted):
                kind, _, ident = str(value).partition(":")
                if kind not in ("HOST", "SHOP"):
                    raise BadInput(f"pretrusted[{i}]", "must be HOST:<id> or SHOP:<id>")
                anchors.append(f"{kind}:{check_id(ident, f'pretrusted[{i}]')}")
        buyer = check_id(str(from_buyer), "fromBuyer") if from_buyer is not None else None
        reads = info.context.reads
        clock = await run_sync(reads.clock)
        try:
            g = await run_sync(propagate_stored, reads.store, clock, pretrusted=anchors, from_buyer=buyer)
        except NoAnchor as exc:
            raise BadInput("fromBuyer" if buyer else "pretrusted", str(exc)) from None
        return ranking_of(g, target_kind.value if target_kind else None, first, exclude_known and buyer is not None)

    @strawberry.field(description="The graph's clock: the time of the latest recorded event (null on an empty graph). Public.")
    async def clock(self, info: Info) -> Optional[datetime]:
        return to_datetime(await run_sync(info.context.reads.store.latest_event_at))

    @strawberry.field(description="The scoring policy in force. Public.")
    def policy(self, info: Info) -> PolicyInfo:
        return PolicyInfo(version=info.context.reads.policy.version)
