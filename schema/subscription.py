"""Subscriptions (graphql-transport-ws), fed by the change log in the graph: a change ingested
through any process reaches subscribers of every process (graph_api/usecases/changes.py says how far
behind a subscriber can be)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

import strawberry
from strawberry.types import Info

from graph_api.derive import results
from graph_api.derive.results import Change
from graph_api.usecases.arguments import check_id
from schema.permissions import require_root
from schema.types.changes import BadgeChange, TrustChange, badge_change_of, trust_change_of
from scoring.pair_trust import HOST, SHOP

Matches = Callable[[Change], bool]


def _trust_filter(buyer: str | None, host: str | None, shop: str | None) -> Matches:
    def matches(c: Change) -> bool:
        return (
            isinstance(c, results.TrustChange)
            and (buyer is None or c.buyer_id == buyer)
            and (host is None or (c.target_kind == HOST and c.target_id == host))
            and (shop is None or (c.target_kind == SHOP and c.target_id == shop))
        )

    return matches


def _badge_filter(shop: str | None, host: str | None) -> Matches:
    def matches(c: Change) -> bool:
        return (
            isinstance(c, results.BadgeChange)
            and (shop is None or (c.kind == SHOP and c.entity_id == shop))
            and (host is None or (c.kind == HOST and c.entity_id == host))
        )

    return matches


def _id(value: strawberry.ID | None, argument: str) -> str | None:
    return None if value is None else check_id(str(value), argument)


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
        require_root(info)
        matches = _trust_filter(
            _id(buyer_id, "buyerId"), _id(host_id, "hostId"), _id(shop_id, "shopId")
        )
        async for change in info.context.feed.subscribe(matches):
            assert isinstance(change, results.TrustChange)
            yield trust_change_of(change)

    @strawberry.subscription(
        description="Badge changes of shops and hosts, as ingestion makes them. Public."
    )
    async def badge_changed(
        self, info: Info, shop_id: strawberry.ID | None = None, host_id: strawberry.ID | None = None
    ) -> AsyncGenerator[BadgeChange, None]:
        matches = _badge_filter(_id(shop_id, "shopId"), _id(host_id, "hostId"))
        async for change in info.context.feed.subscribe(matches):
            assert isinstance(change, results.BadgeChange)
            yield badge_change_of(change)
