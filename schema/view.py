"""strawberry's ASGI view with trustgraph's context, error codes and WebSocket authentication.

The view knows nothing of how the service is composed: ``graph_api.service`` hands it the schema,
a context factory, the key table and where to find the request id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from graph_api.auth import CALLER_SCOPE_KEY, PUBLIC_CALLER, Caller, KeyTable, bearer
from schema.errors import classify
from schema.runtime import Context

ContextFactory = Callable[[Request | WebSocket, Any, Caller], Context]


class GraphQLView(GraphQL):
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        context: ContextFactory,
        keys: KeyTable,
        request_id: Callable[[], str | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self._context = context
        self._keys = keys
        self._request_id = request_id

    # strawberry's GraphQL view is generic in its context but typed for None here:
    # ours is a Context.
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        return self._context(request, response, request.scope.get(CALLER_SCOPE_KEY, PUBLIC_CALLER))

    async def process_result(self, request: Request, result: Any) -> Any:
        """Every HTTP answer's errors carry a code, including those strawberry produces before
        the schema's extensions run (a document over the token limit fails in parsing)."""
        if result.errors:
            rid = self._request_id()
            result.errors = [
                e if "code" in (e.extensions or {}) else classify(e, rid) for e in result.errors
            ]
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Any) -> Any:
        """Browsers cannot set headers on a WebSocket: the key may also come in the
        connection_init payload, as {"Authorization": "Bearer ..."}."""
        params = getattr(context, "connection_params", None) or {}
        header = (
            params.get("Authorization") or params.get("authorization")
            if isinstance(params, dict)
            else None
        )
        if header is not None:
            key = bearer(str(header))
            caller = self._keys.caller_of(key) if key else None
            if caller is None:
                raise ConnectionRejectionError(
                    {"message": "unknown API key", "code": "UNAUTHENTICATED"}
                )
            context.caller = caller
            # Each operation on the connection gets its own context from the connection's scope.
            context.request.scope[CALLER_SCOPE_KEY] = caller
        return await super().on_ws_connect(context)
