"""Subscriptions (graphql-transport-ws), fed by the change log in the graph: a change ingested
through any process reaches subscribers of every process (graph_api/changes.py says how far
behind a subscriber can be)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from graph_api.auth import Role
from graph_api.usecases.arguments import check_id
from schema.permissions import require
from schema.types.changes import BadgeChange, TrustChange, badge_change_of, trust_change_of


def _filter(kind: str, **wanted: str | None) -> Any:
    fields = {k: v for k, v in wanted.items() if v is not None}

    def matches(change: dict[str, Any]) -> bool:
        return change.get("kind") == kind and all(change.get(k) == v for k, v in fields.items())

    return matches


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Level changes of buyer-host and buyer-shop pairs, as ingestion makes them; every "
            "filter given must match. RECOMMENDER, RESEARCHER or ADMIN."
        )
    )
    async def trust_changed(
        self,
        info: Info,
        buyer_id: strawberry.ID | None = None,
        host_id: strawberry.ID | None = None,
        shop_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[TrustChange, None]:
        require(info, Role.RECOMMENDER, Role.RESEARCHER)
        matches = _filter(
            "TRUST",
            buyerId=buyer_id and check_id(str(buyer_id), "buyerId"),
            hostId=host_id and check_id(str(host_id), "hostId"),
            shopId=shop_id and check_id(str(shop_id), "shopId"),
        )
        async for change in info.context.feed.subscribe(matches):
            yield trust_change_of(change)

    @strawberry.subscription(
        description="Badge changes of shops and hosts, as ingestion makes them. Public."
    )
    async def badge_changed(
        self, info: Info, shop_id: strawberry.ID | None = None, host_id: strawberry.ID | None = None
    ) -> AsyncGenerator[BadgeChange, None]:
        matches = _filter(
            "BADGE",
            shopId=shop_id and check_id(str(shop_id), "shopId"),
            hostId=host_id and check_id(str(host_id), "hostId"),
        )
        async for change in info.context.feed.subscribe(matches):
            yield badge_change_of(change)
