"""Shops, hosts and buyers: their public facts and standing, and the fields that read more (a
host's buyers and fan club, a shop's hosts, a buyer's relations). Those check the caller's role
first (``schema.permissions``) and go through the request's loaders, so a list of N cards costs
one query, not N."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from graph_api.auth import Role
from graph_api.usecases.arguments import encode_cursor
from schema.permissions import require
from schema.runtime import run_sync
from schema.types.common import to_datetime
from schema.types.connections import (
    FanClubConnection,
    FanClubEdge,
    FanClubMember,
    HostBuyer,
    HostBuyerConnection,
    HostBuyerEdge,
    Relation,
    RelationConnection,
    RelationEdge,
    page_info_of,
)
from schema.types.enums import TargetKind, TrustLevel
from schema.types.standing import Badge, Boost, Metrics, badge_of, boost_of, metrics_of


@strawberry.type(
    description=(
        "A host (a live-stream seller): public facts, badge, boost, metrics; "
        "buyer-level data for researchers."
    )
)
class Host:
    id: strawberry.ID
    name: str | None
    category: str | None
    registered_at: datetime | None
    badge: Badge
    boost: Boost
    _standing: strawberry.Private[dict[str, Any] | None]

    @strawberry.field(
        description="The host's record over the policy's windows (null before its first scoring)."
    )
    def metrics(self) -> Metrics | None:
        return metrics_of(self._standing)

    @strawberry.field(
        description="Buyers with a stored relation to this host, by buyer id. RESEARCHER or ADMIN."
    )
    async def buyers(
        self, info: Info, level: TrustLevel | None = None, first: int = 20, after: str | None = None
    ) -> HostBuyerConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(
            info.context.trustgraph.host_buyers,
            str(self.id),
            level.value if level else None,
            first,
            after,
        )
        edges = [
            HostBuyerEdge(
                cursor=encode_cursor(r[0]),
                node=HostBuyer(
                    buyer_id=strawberry.ID(r[0]),
                    level=TrustLevel(r[1]),
                    score=r[2],
                    confidence=r[3],
                    as_of=to_datetime(r[4]),
                ),
            )
            for r in page.rows
        ]
        return HostBuyerConnection(
            edges=edges, total_count=page.total, page_info=page_info_of(page)
        )

    @strawberry.field(
        description="Current fan-club members (tier >= minTier), by buyer id. RESEARCHER or ADMIN."
    )
    async def fan_club(
        self, info: Info, min_tier: int = 1, first: int = 20, after: str | None = None
    ) -> FanClubConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(
            info.context.trustgraph.fan_club, str(self.id), min_tier, first, after
        )
        edges = [
            FanClubEdge(
                cursor=encode_cursor(r[0]),
                node=FanClubMember(
                    buyer_id=strawberry.ID(r[0]),
                    tier=r[1],
                    joined_at=to_datetime(r[2]),
                    tier_since=to_datetime(r[3]),
                ),
            )
            for r in page.rows
        ]
        return FanClubConnection(edges=edges, total_count=page.total, page_info=page_info_of(page))


@strawberry.type(
    description=(
        "A shop: public facts, trust rights, badge, boost, metrics and the hosts that sell for it."
    )
)
class Shop:
    id: strawberry.ID
    name: str | None
    category: str | None
    registered_at: datetime | None
    rights: list[str]
    badge: Badge
    boost: Boost
    _standing: strawberry.Private[dict[str, Any] | None]

    @strawberry.field(
        description="The shop's record over the policy's windows (null before its first scoring)."
    )
    def metrics(self) -> Metrics | None:
        return metrics_of(self._standing)

    @strawberry.field(description="The hosts that sell for this shop.")
    async def hosts(self, info: Info) -> list[Host]:
        ids = await run_sync(info.context.trustgraph.shop_hosts, str(self.id))
        found = await info.context.loaders.entities.load_many([f"HOST:{i}" for i in ids])
        return [host_of(e) for e in found if e is not None]


def _entity_fields(e: dict[str, Any]) -> dict[str, Any]:
    """The fields a Host and a Shop share, from a stored entity (what the
    entities loader returns)."""
    st = e["standing"]
    return dict(
        id=strawberry.ID(e["entityId"]),
        name=e["name"],
        category=e["category"],
        registered_at=to_datetime(e["registeredAt"]),
        badge=badge_of(st, e["kind"], e["entityId"]),
        boost=boost_of(st),
        _standing=st,
    )


def host_of(e: dict[str, Any]) -> Host:
    return Host(**_entity_fields(e))


def shop_of(e: dict[str, Any]) -> Shop:
    return Shop(**_entity_fields(e), rights=sorted(e["rights"] or []))


@strawberry.type(
    description="A buyer as stored: its id, anti-gaming weight and relations. RESEARCHER or ADMIN."
)
class Buyer:
    id: strawberry.ID
    weight: float
    weight_signals: list[str]

    @strawberry.field(description="The buyer's stored relations, by (kind, target id).")
    async def relations(
        self, info: Info, kind: TargetKind | None = None, first: int = 20, after: str | None = None
    ) -> RelationConnection:
        require(info, Role.RESEARCHER)
        page = await run_sync(
            info.context.trustgraph.buyer_relations,
            str(self.id),
            kind.value if kind else None,
            first,
            after,
        )
        edges = [
            RelationEdge(
                cursor=encode_cursor(f"{r[0]}:{r[1]}"),
                node=Relation(
                    target_kind=TargetKind(r[0]),
                    target_id=strawberry.ID(r[1]),
                    level=TrustLevel(r[2]),
                    score=r[3],
                    confidence=r[4],
                    platform_trust=r[5],
                    reason_codes=list(r[6] or []),
                    as_of=to_datetime(r[7]),
                ),
            )
            for r in page.rows
        ]
        return RelationConnection(edges=edges, total_count=page.total, page_info=page_info_of(page))


@strawberry.type(
    description="One shop's or host's badge card, for widgets that render many at once."
)
class BadgeCard:
    id: strawberry.ID
    kind: TargetKind
    name: str | None
    badge: Badge
    boost: Boost
