"""Bounded neighbourhoods for graph viewers: ``Subgraph`` with its ``GraphNode``s and
``GraphEdge``s, made by ``subgraph_of`` from the nodes and edges the graph returned."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.types.enums import TrustLevel


@strawberry.type(description="A node of a subgraph: BUYER:<id>, HOST:<id> or SHOP:<id>.")
class GraphNode:
    id: strawberry.ID
    kind: str
    entity_id: strawberry.ID
    name: str | None
    category: str | None
    weight: float | None = strawberry.field(description="Buyers: the anti-gaming weight.")
    badges: list[str]
    tier: str | None


@strawberry.type(
    description="An edge of a subgraph: TRUST and ORDERED from a buyer, SELLS_FOR from a host."
)
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    kind: str
    level: TrustLevel | None
    score: float | None
    confidence: float | None
    orders: int | None
    spend: float | None


@strawberry.type(
    description="A bounded subgraph around one buyer, host or shop, ready for a graph viewer."
)
class Subgraph:
    center: strawberry.ID
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(
        description="maxNodes was reached: more nodes lie within the depth."
    )


def subgraph_of(
    center: str,
    nodes: list[tuple[str, dict[str, Any]]],
    edges: list[tuple[str, str, str, dict[str, Any]]],
    truncated: bool,
) -> Subgraph:
    return Subgraph(
        center=strawberry.ID(center),
        nodes=[
            GraphNode(
                id=strawberry.ID(k),
                kind=a["kind"],
                entity_id=strawberry.ID(a["entityId"]),
                name=a.get("name"),
                category=a.get("category"),
                weight=a.get("weight"),
                badges=[b for b in (a.get("badges") or "").split(",") if b],
                tier=a.get("tier"),
            )
            for k, a in nodes
        ],
        edges=[
            GraphEdge(
                source=strawberry.ID(u),
                target=strawberry.ID(v),
                kind=k,
                level=TrustLevel(a["level"]) if a.get("level") else None,
                score=a.get("score"),
                confidence=a.get("confidence"),
                orders=a.get("orders"),
                spend=a.get("spend"),
            )
            for u, v, k, a in edges
        ],
        truncated=truncated,
    )
