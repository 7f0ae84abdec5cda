"""strawberry's ASGI view with trustgraph's context, error codes and WebSocket authentication.

The view knows nothing of how the service is composed: ``graph_api.service`` hands it the schema,
a context factory, the key table and where to find the request id.

An HTTP request is read by ``schema/request.py`` (one operation, UTF-8 JSON, bounded nesting),
decoded in a worker thread when it is large, so that it does not hold up the event loop; whatever
the view refuses before execution (strawberry's own refusals too: a mutation over GET, an unknown
operation name) is answered with a GraphQL-shaped error, ``{"errors": [{"message", "extensions":
{"code"}}]}``, never plain text.

It also answers in the media type the client asks for (``application/graphql-response+json``:
request errors 400 without ``data``; else ``application/json``), resolves persisted queries
(``schema/persisted.py``), gives successful GET reads an ETag and Cache-Control (304 on
``If-None-Match``), and serves the service's own GraphiQL page instead of strawberry's CDN one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph_api.auth import CALLER_SCOPE_KEY, PUBLIC_CALLER, Caller, KeyTable, bearer
from graph_api.errors import BadRequest
from schema import request as http_request
from schema.errors import classify, request_error_response
from schema.persisted import PersistedQueries
from schema.responses import Answer, Key, ResponseCache, etag_of
from schema.runtime import Context, ReadLog, read_log

ContextFactory = Callable[[Request | WebSocket, Any, Caller], Context]
# A body this small decodes faster than a hop to the thread pool and back; a larger one is decoded
# in a worker thread so that it does not hold up the event loop.
INLINE_DECODE_BYTES = 65_536
# Where one HTTP request's negotiated media type and "nothing was executed" are kept (its scope).
_MEDIA_KEY = "trustgraph.response_media_type"
_REQUEST_ERROR_KEY = "trustgraph.request_error"
_HAS_ERRORS_KEY = "trustgraph.has_errors"


class GraphQLView(GraphQL):
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        context: ContextFactory,
        keys: KeyTable,
        request_id: Callable[[], str | None],
        max_json_depth: int = 64,
        ide_html: str | None = None,
        public_max_age: int = 5,
        answers: ResponseCache | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if ide_html else None, **kwargs)
        self._ide_html = ide_html
        self._public_max_age = public_max_age
        self._persisted = PersistedQueries()
        self._answers = answers  # whole answers of badge reads (schema/responses.py)
        self._context = context
        self._keys = keys
        self._request_id = request_id
        self._max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        media = http_request.response_media_type(request.headers.get("accept"))
        scope[_MEDIA_KEY] = media
        key = await self._answer_key(request, media)
        kept = self._answers.get(key) if key is not None and self._answers is not None else None
        if kept is not None:  # a badge read answered before, none of its cards rewritten since
            response = Response(kept.body, headers={"content-type": kept.media_type})
            if request.method == "GET":
                response = self._cacheable(request, response, kept.etag)
            await response(scope, receive, send)
            return
        token = self._answers.token() if key is not None and self._answers is not None else None
        log = ReadLog()
        reset = read_log.set(log)
        try:
            response = await self._respond(request, media)
        finally:
            read_log.reset(reset)
        etag = None
        if (
            token is not None
            and log.cards
            and not log.other
            and response.status_code == 200
            and not scope.get(_HAS_ERRORS_KEY)
            and response.media_type != "text/html"
        ):
            assert key is not None and self._answers is not None
            body = bytes(response.body)
            etag = etag_of(body)
            answer = Answer(body, response.headers["content-type"], 200, etag, frozenset(log.cards))
            self._answers.put(key, answer, token)
        if request.method == "GET" and response.media_type != "text/html":
            response = self._cacheable(request, response, etag)
        await response(scope, receive, send)

    async def _answer_key(self, request: Request, media: str) -> Key | None:
        """What identifies a request's answer for the response cache: everything the client sent
        that the answer depends on (schema/responses.py)."""
        if self._answers is None or request.method not in ("GET", "POST"):
            return None
        if request.method == "GET":
            sent = request.scope.get("query_string", b"")
        else:
            sent = await request.body()  # kept by the request: strawberry reads it from there
        return ResponseCache.key(request.method, sent, request.headers.get("authorization"), media)

    async def _respond(self, request: Request, media: str) -> Response:
        """The answer of one HTTP request, executed (not from the response cache)."""
        scope = request.scope
        try:
            response = await self.run(request)
        except BadRequest as exc:  # PERSISTED_QUERY_NOT_FOUND too: 200, but never cached
            scope[_HAS_ERRORS_KEY] = True
            response = request_error_response(exc)
        except HTTPException as exc:  # strawberry's own refusals (a mutation over GET...)
            scope[_HAS_ERRORS_KEY] = True
            response = request_error_response(BadRequest(exc.reason, exc.status_code))
        if media == http_request.GRAPHQL_RESPONSE and response.media_type != "text/html":
            # GraphQL over HTTP: a request error (nothing executed: the document does not parse
            # or validate, a variable fails coercion) is 400 in the spec's media type; a result
            # with data, even with field errors, stays 200.
            if scope.get(_REQUEST_ERROR_KEY) and response.status_code == 200:
                response.status_code = 400
            response.headers["content-type"] = f"{media}; charset=utf-8"
        return response

    def _cacheable(self, request: Request, response: Response, etag: str | None) -> Response:
        """A GET read that succeeded gets an ETag (the SHA-256 of its body), and 304 Not Modified
        when the client already holds it (If-None-Match). Without an API key it is public for
        TRUSTGRAPH_GET_MAX_AGE seconds, so a browser or a CDN may keep it; with a key it is
        private and revalidated each time. A result with errors is not stored."""
        if response.status_code != 200 or request.scope.get(_HAS_ERRORS_KEY):
            response.headers["cache-control"] = "no-store"
            return response
        etag = etag or etag_of(bytes(response.body))
        public = CALLER_SCOPE_KEY not in request.scope
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={self._public_max_age}"
            if public
            else "private, no-cache",
            "Vary": "Accept, Authorization",
        }
        asked = request.headers.get("if-none-match", "")
        if etag in (t.strip().removeprefix("W/") for t in asked.split(",")) or asked == "*":
            return Response(status_code=304, headers=headers)
        response.headers.update(headers)
        return response

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A browser's GET without a query, unless it names a persisted one (extensions)."""
        return super().should_render_graphql_ide(request) and not request.query_params.get(
            "extensions"
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """The service's own GraphiQL page (served from the package), not strawberry's, whose
        scripts come from a CDN."""
        assert self._ide_html is not None  # strawberry asks only when an IDE is configured
        return HTMLResponse(self._ide_html)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """One operation: from a GET's query string, or a POST's JSON body (schema/request.py)."""
        depth = self._max_json_depth
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for name in ("variables", "extensions"):
                raw = params.get(name)
                if isinstance(raw, str) and raw:
                    params[name] = http_request.decode_json(raw, depth, f"the {name} parameter")
            params["query"] = self._persisted.resolve(params.get("query"), params.get("extensions"))
            data = http_request.check_fields(params)
        else:
            http_request.check_content_type(request.content_type)
            body = await request.get_body()  # its size is limited by the service, as it is read
            if len(body) <= INLINE_DECODE_BYTES:
                decoded = http_request.decode_json(body, depth)
            else:
                decoded = await run_in_threadpool(http_request.decode_json, body, depth)
            if isinstance(decoded, dict):
                decoded["query"] = self._persisted.resolve(
                    decoded.get("query"), decoded.get("extensions")
                )
            data = http_request.operation(decoded)
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol="http",
        )

    async def execute_single(  # noqa: PLR0917 - strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation over HTTP: queries by GET or POST, mutations by POST; subscriptions only
        over the WebSocket (strawberry would run one over POST and fail inside it)."""
        allowed = {OperationType.QUERY}
        if request_adapter.method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise BadRequest(exc.as_http_error_reason()) from None
        except InvalidOperationTypeError as exc:
            reason = exc.as_http_error_reason(request_adapter.method)
            if exc.operation_type is OperationType.SUBSCRIPTION:
                reason += ": subscribe over the WebSocket (graphql-transport-ws) at /graphql"
            raise BadRequest(reason, 405) from None
        except MissingQueryError:
            raise BadRequest("no GraphQL query in the request") from None

    def encode_json(self, data: object) -> str:
        """Answers in compact JSON by orjson, a tenth of the time of ``json.dumps`` for a
        trustBatch of a thousand targets. A str, not bytes: strawberry sends WebSocket messages
        through here as text frames. What orjson refuses (an integer beyond 64 bits, a key that
        is not a string) goes through ``json.dumps`` as before."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return json.dumps(data, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        """WebSocket messages: bounded like request bodies; strawberry closes the connection on
        anything it cannot decode (4400)."""
        try:
            return http_request.decode_json(data, self._max_json_depth, "the message")
        except BadRequest as exc:
            raise json.JSONDecodeError(str(exc), "", 0) from None

    # strawberry's GraphQL view is generic in its context but typed for None here:
    # ours is a Context.
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        return self._context(request, response, request.scope.get(CALLER_SCOPE_KEY, PUBLIC_CALLER))

    async def process_result(self, request: Request, result: Any) -> Any:
        """Every HTTP answer's errors carry a code, including those strawberry produces before
        the schema's extensions run (a document over the token limit fails in parsing).

        A request error (no data, and no error of a field: parsing, validation, coercion) is
        marked for ``__call__``; in ``application/graphql-response+json`` its body has no
        ``data`` entry, as the spec asks (``application/json`` keeps ``"data": null``)."""
        if result.errors:
            rid = self._request_id()
            result.errors = [
                e if "code" in (e.extensions or {}) else classify(e, rid) for e in result.errors
            ]
        body = await super().process_result(request, result)
        if result.errors:
            request.scope[_HAS_ERRORS_KEY] = True
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            request.scope[_REQUEST_ERROR_KEY] = True
            if request.scope.get(_MEDIA_KEY) == http_request.GRAPHQL_RESPONSE:
                body.pop("data", None)
        return body

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
