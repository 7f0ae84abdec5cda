"""Relay-style connections over stored pages (``graph_api.usecases.reads.Page``): ``PageInfo``
and the edges and connections of a host's buyers, a host's fan club and a buyer's relations. The
fields that page through them are on the entities (``schema.types.entities``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from graph_api.usecases.arguments import encode_cursor
from schema.types.enums import TargetKind, TrustLevel


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_info_of(page: Any) -> PageInfo:
    """A connection's PageInfo from a graph_api.usecases.reads.Page (the cursor
    encodes its last key)."""
    return PageInfo(
        has_next_page=page.has_next,
        end_cursor=encode_cursor(page.end_key) if page.end_key else None,
    )


@strawberry.type(
    description="A buyer's stored trust toward a host, as listed in the host's buyers."
)
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
    joined_at: datetime | None
    tier_since: datetime | None


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
    platform_trust: float | None
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
