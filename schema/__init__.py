"""The GraphQL schema (strawberry): types, inputs, thin resolvers, loaders, errors, permissions.

``build_schema(limits)`` returns the executable schema with its guards; ``python -m schema.export``
writes ``schema/schema.graphql`` (checked in, compared with the code by a test).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import strawberry
from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types.scalar import ScalarDefinition

from graph_api.settings import Limits
from schema.errors import ErrorCodes
from schema.guards import EarlyGuards
from schema.limits import limited_validation
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription
from schema.types.changes import OFFSET_SCALAR, Offset
from schema.types.trust import COLUMN_SCALARS


class TrustgraphSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """Strawberry logs every error with its traceback; most are the client's (bad input,
        a missing role, a limit). schema.errors.classify logs the unexpected ones, with the
        request id, and only those."""


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    # The alias rule is built once, so that the validation cache (keyed by the rule classes)
    # hits for a repeated query; a limiter constructed per request would make new classes.
    rules = [alias_rule(limits.max_aliases)]
    validation = limited_validation(limits)
    return TrustgraphSchema(
        config=StrawberryConfig(
            scalar_map=cast(
                Mapping[object, ScalarDefinition], {**COLUMN_SCALARS, Offset: OFFSET_SCALAR}
            )
        ),
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            ErrorCodes,  # first: its after-hook runs last and sees every error
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(cast(list[type[ASTValidationRule]], rules)),  # aliases
            # A module-level LRU cache shared by every request: a recommender's repeated query is
            # parsed once; validation, with the document limits (fragments, depth, introspection;
            # schema/limits.py), is cached per parsed document.
            lambda: ParserCache(maxsize=256),
            validation,
            EarlyGuards,  # roles, list sizes, introspection: before variables are coerced
        ],
    )


def sdl() -> str:
    """The schema as SDL, as exported to schema/schema.graphql."""
    return build_schema().as_str() + "\n"
