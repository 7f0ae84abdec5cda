"""Queries: trust for recommenders, badges for front ends, exploration for researchers."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from graph_api.errors import BadInput, StreamPending, TrustgraphError
from graph_api.ingest.produce import StreamPosition as StreamPos
from graph_api.usecases import Trustgraph
from graph_api.usecases.arguments import between, epoch_ms
from graph_api.usecases.stream import check_positions
from schema.permissions import require_root
from schema.runtime import read_other, run_sync, run_trust_read
from schema.types.changes import (
    Derivation,
    PartitionApplied,
    StreamApplied,
    StreamPositionInput,
)
from schema.types.common import to_datetime
from schema.types.entities import BadgeCard, Buyer, Host, Shop, host_of, shop_of
from schema.types.enums import TargetKind, TrustLevel
from schema.types.journeys import Journey, JourneyCause, JourneyStep
from schema.types.research import Funnel, FunnelPeriod, TrustRanking, funnel_of, ranking_of
from schema.types.simulation import PolicySimulation, simulation_of
from schema.types.standing import badge_of, boost_of
from schema.types.subgraphs import Subgraph, subgraph_of
from schema.types.trust import DateTimeColumn, TrustBatch, TrustRelation


def _opt(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


def _strs(values: list[strawberry.ID] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def _iso_column(times: list[int | None]) -> list[str | None]:
    """ISO-8601 strings of epoch milliseconds, each distinct time formatted once: a trustBatch
    column holds one or two distinct values for up to a thousand targets."""
    formatted: dict[int, str] = {}
    out: list[str | None] = []
    for at in times:
        if at is None:
            out.append(None)
            continue
        text = formatted.get(at)
        if text is None:
            text = formatted[at] = to_datetime(at).isoformat()
        out.append(text)
    return out


@strawberry.type(description="The scoring policy the service runs.")
class PolicyInfo:
    version: str


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "The trust of one buyer toward one host or one shop (exactly one of hostId, "
            "shopId), scored from the facts as of asOf (default: the graph's clock, the latest "
            "event). An id the graph has never seen is a STRANGER with confidence 0. "
            "RECOMMENDER, RESEARCHER or ADMIN."
        )
    )
    async def trust(
        self,
        info: Info,
        buyer_id: strawberry.ID,
        host_id: strawberry.ID | None = None,
        shop_id: strawberry.ID | None = None,
        as_of: datetime | None = None,
    ) -> TrustRelation:
        require_root(info)
        answer = await run_trust_read(
            info.context.trustgraph.trust, str(buyer_id), _opt(host_id), _opt(shop_id), as_of
        )
        ctx = info.context
        return TrustRelation.of(
            answer.trust, answer.weight, ctx.caller, ctx.trustgraph.policy.trust
        )

    @strawberry.field(
        description=(
            "Trust of one buyer toward many hosts and shops, as columns in input order "
            "(hosts, then shops), as of asOf (default: the graph's clock, as for trust, and the "
            "same answer as trust at the same asOf): the stored relations when they were scored "
            "at that time, else scored live from the facts; at most "
            "TRUSTGRAPH_MAX_BATCH_TARGETS (1,000) targets. RECOMMENDER, RESEARCHER or ADMIN."
        )
    )
    async def trust_batch(
        self,
        info: Info,
        buyer_id: strawberry.ID,
        host_ids: list[strawberry.ID] | None = None,
        shop_ids: list[strawberry.ID] | None = None,
        as_of: datetime | None = None,
    ) -> TrustBatch:
        require_root(info)
        buyer, cols = await run_trust_read(
            info.context.trustgraph.trust_batch,
            str(buyer_id),
            _strs(host_ids),
            _strs(shop_ids),
            as_of,
        )
        return TrustBatch(
            buyer_id=strawberry.ID(buyer),
            target_ids=cols.target_ids,
            target_kinds=cols.target_kinds,
            levels=cols.levels,
            scores=cols.scores,
            confidences=cols.confidences,
            as_of=DateTimeColumn(_iso_column(cols.as_of)),
        )

    @strawberry.field(description="A shop by id (null if the graph does not know it). Public.")
    async def shop(self, info: Info, id: strawberry.ID) -> Shop | None:
        e = await info.context.loaders.entities.load(Trustgraph.standing_key("SHOP", str(id)))
        return shop_of(e) if e else None

    @strawberry.field(description="A host by id (null if the graph does not know it). Public.")
    async def host(self, info: Info, id: strawberry.ID) -> Host | None:
        e = await info.context.loaders.entities.load(Trustgraph.standing_key("HOST", str(id)))
        return host_of(e) if e else None

    @strawberry.field(
        description=(
            "Badge cards for many shops and hosts at once (shops first, then hosts, in input "
            "order; null for an unknown id); at most TRUSTGRAPH_MAX_BADGE_IDS (200). Public."
        )
    )
    async def badges(
        self,
        info: Info,
        shop_ids: list[strawberry.ID] | None = None,
        host_ids: list[strawberry.ID] | None = None,
    ) -> list[BadgeCard | None]:
        keys = info.context.trustgraph.card_keys(_strs(shop_ids), _strs(host_ids))
        found = await info.context.loaders.entities.load_many(keys)
        return [
            None
            if e is None
            else BadgeCard(
                id=strawberry.ID(e["entityId"]),
                kind=TargetKind(e["kind"]),
                name=e["name"],
                badge=badge_of(e["standing"], e["kind"], e["entityId"]),
                boost=boost_of(e["standing"]),
            )
            for e in found
        ]

    @strawberry.field(description="A buyer as stored (null if unknown). RESEARCHER or ADMIN.")
    async def buyer(self, info: Info, id: strawberry.ID) -> Buyer | None:
        require_root(info)
        buyer, row = await run_sync(info.context.trustgraph.buyer, str(id))
        if row is None:
            return None
        return Buyer(
            id=strawberry.ID(buyer),
            weight=1.0 if row["weight"] is None else row["weight"],
            weight_signals=list(row["weightSignals"] or []),
        )

    @strawberry.field(
        description=(
            "The timeline of one pair's level changes and the facts that caused them, up to the "
            "graph's clock (exactly one of hostId, shopId). RESEARCHER or ADMIN."
        )
    )
    async def journey(
        self,
        info: Info,
        buyer_id: strawberry.ID,
        host_id: strawberry.ID | None = None,
        shop_id: strawberry.ID | None = None,
    ) -> Journey:
        require_root(info)
        j = await run_sync(
            info.context.trustgraph.journey, str(buyer_id), _opt(host_id), _opt(shop_id)
        )
        steps, current, weight = j.steps, j.current, j.weight
        return Journey(
            buyer_id=strawberry.ID(str(buyer_id)),
            target_kind=TargetKind(j.kind),
            target_id=strawberry.ID(j.target_id),
            steps=[
                JourneyStep(
                    at=to_datetime(s.at),
                    from_level=TrustLevel(s.from_level) if s.from_level else None,
                    to_level=TrustLevel(s.to_level),
                    score=s.score,
                    confidence=s.confidence,
                    causes=[
                        JourneyCause(event=e, id=strawberry.ID(i) if i else None)
                        for e, i in s.causes
                    ],
                )
                for s in steps
            ],
            current=TrustRelation.of(
                current, weight, info.context.caller, info.context.trustgraph.policy.trust
            ),
        )

    @strawberry.field(
        description=(
            "The subgraph around one buyer, host or shop (center: BUYER:<id>, HOST:<id> or "
            "SHOP:<id>) within depth hops (1-3), at most maxNodes nodes (1-1,000), with their "
            "trust: for graph viewers. RESEARCHER or ADMIN."
        )
    )
    async def neighbourhood(
        self, info: Info, center: strawberry.ID, depth: int = 1, max_nodes: int = 200
    ) -> Subgraph:
        require_root(info)
        nodes, edges, truncated = await run_sync(
            info.context.trustgraph.neighbourhood, str(center), depth, max_nodes
        )
        return subgraph_of(str(center), nodes, edges, truncated)

    @strawberry.field(
        description=(
            "What a candidate policy (the text of a policy TOML file) would change against "
            "the policy in force, as of the graph's clock: level shifts, badges gained and "
            "lost, tier changes, with examples. Writes nothing; reads the whole graph, so it "
            "takes as long as a rescore. ADMIN."
        )
    )
    async def simulate_policy(self, info: Info, policy: str, examples: int = 5) -> PolicySimulation:
        require_root(info)
        sim = await run_sync(info.context.trustgraph.simulate, policy, examples=examples)
        return simulation_of(sim)

    @strawberry.field(
        description=(
            "The stranger -> acquaintance -> regular funnel over [since, until] (default: the "
            "first fact to the graph's clock): moves between levels per period, time to each "
            "level, and conversion within horizonDays by category, by the shop's trust rights and "
            "by fan-club tier. Every pair's levels are replayed from its facts under the policy in "
            "force (docs/research.md), so the first call on a large graph takes a while; answers "
            "are cached until the next event. RESEARCHER or ADMIN."
        )
    )
    async def funnel(
        self,
        info: Info,
        period: FunnelPeriod = FunnelPeriod.MONTH,
        since: datetime | None = None,
        until: datetime | None = None,
        category: str | None = None,
        target_kind: TargetKind | None = None,
        horizon_days: int = 90,
    ) -> Funnel:
        require_root(info)
        result, _ = await run_sync(
            info.context.trustgraph.funnel,
            period=period.value,
            since=epoch_ms(since, "since"),
            until=epoch_ms(until, "until"),
            category=category,
            kind=target_kind.value if target_kind else None,
            horizon_days=horizon_days,
        )
        return funnel_of(result)

    @strawberry.field(
        description=(
            "Hosts and shops ranked by trust propagated over buyers' stored local trust "
            "(EigenTrust, docs/research.md): global, anchored on pretrusted (SHOP:<id> / "
            "HOST:<id>; default: shops whose inspections pass and hosts with a long clean record), "
            "or personalized from fromBuyer (what buyers like them trust; excludeKnown leaves out "
            "what the buyer already knows). first: 1-1,000. Reads every TRUST relationship on the "
            "first call; cached until the next event. RESEARCHER or ADMIN."
        )
    )
    async def trust_ranking(
        self,
        info: Info,
        from_buyer: strawberry.ID | None = None,
        pretrusted: list[strawberry.ID] | None = None,
        target_kind: TargetKind | None = None,
        first: int = 20,
        exclude_known: bool = True,
    ) -> TrustRanking:
        require_root(info)
        between(first, 1, 1000, "first")
        g = await run_sync(
            info.context.trustgraph.ranking,
            from_buyer=_opt(from_buyer),
            pretrusted=None if pretrusted is None else _strs(pretrusted),
        )
        return ranking_of(
            g,
            target_kind.value if target_kind else None,
            first,
            exclude_known and g.from_buyer is not None,
        )

    @strawberry.field(
        description=(
            "The graph's clock: the time of the latest recorded event "
            "(null on an empty graph). Public."
        )
    )
    async def clock(self, info: Info) -> datetime | None:
        return to_datetime(await run_sync(info.context.trustgraph.clock))

    @strawberry.field(
        description=(
            "How far ingestion and derivation have come: recordEvents answers with a position, "
            "and derived state includes it once `derived` reaches it. Public."
        )
    )
    async def derivation(self, info: Info) -> Derivation:
        ctx = info.context
        if ctx.derivation is None:
            raise TrustgraphError("this service process has no deriver")
        read_other()  # not through run_sync, and never to be answered from the response cache
        now = await ctx.derivation.positions()
        return Derivation(
            ingested=now.ingested, derived=now.derived, lag=now.lag, mode=ctx.settings.derive_mode
        )

    @strawberry.field(
        description=(
            "How far the read servers have applied (and derived) stream positions that "
            "recordEvents returned with TRUSTGRAPH_INGEST=kafka, the slowest server that answers "
            "for each partition. With `waitMs` it waits up to that long (at most "
            "TRUSTGRAPH_DERIVE_WAIT_MS) for them to be applied (`derived: true`: and derived), "
            "and answers as far as they came. Public."
        )
    )
    async def stream_applied(
        self,
        info: Info,
        positions: list[StreamPositionInput],
        wait_ms: int = 0,
        derived: bool = False,
    ) -> StreamApplied:
        stream = info.context.stream
        if stream is None:
            raise TrustgraphError("this service process has no stream waiter")
        if not 0 <= wait_ms <= stream.wait_seconds * 1000:
            raise BadInput("waitMs", f"must be between 0 and {stream.wait_seconds * 1000:.0f} (ms)")
        asked = [StreamPos(p.topic, p.partition, p.offset) for p in positions]
        check_positions(asked)
        read_other()  # not through run_sync, and never to be answered from the response cache
        try:
            now = await stream.wait_for(asked, derived=derived, timeout=wait_ms / 1000)
        except StreamPending:
            now = await run_sync(stream.progress, asked)
        return StreamApplied(
            applied=now.applied,
            derived=now.derived,
            servers=now.servers,
            partitions=[
                PartitionApplied(
                    topic=p.topic, partition=p.partition, applied=p.applied, derived=p.derived
                )
                for p in now.partitions
            ],
        )

    @strawberry.field(description="The scoring policy in force. Public.")
    def policy(self, info: Info) -> PolicyInfo:
        return PolicyInfo(version=info.context.trustgraph.policy_version)
