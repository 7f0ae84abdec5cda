"""The GraphQL schema (strawberry): types, inputs, thin resolvers, loaders, errors, permissions.

``build_schema(limits)`` returns the executable schema with its guards; ``python -m schema.export``
writes ``schema/schema.graphql`` (checked in, compared with the code by a test).
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache

from graph_api.settings import Limits
from schema.errors import ErrorCodes
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            ErrorCodes,  # first: its after-hook runs last and sees every error
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: QueryDepthLimiter(max_depth=limits.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
            # Module-level LRU caches shared by every request: a recommender's repeated query is
            # parsed and validated once.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


def sdl() -> str:
    """The schema as SDL, as exported to schema/schema.graphql."""
    return build_schema().as_str() + "\n"
