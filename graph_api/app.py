"""The service: a Starlette app that serves the GraphQL schema and its operational endpoints.

    /graphql   POST (and GET for queries), GraphiQL in a browser when enabled, and
               subscriptions over graphql-transport-ws on the same path
    /healthz   200 while the process runs
    /readyz    200 when Neo4j answers, 503 with the reason when it does not
    /metrics   Prometheus text format (per process)

``create_app(settings)`` builds everything from the settings it is given (read once by the
caller); ``app_from_env`` is the factory uvicorn's workers call. Each request gets an id (the
client's ``X-Request-ID`` or a new one), returned in the response header and written in every
log line of the request.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from graph_api.auth import Role
from graph_api.changes import ChangeFeed
from graph_api.derive import Deriver
from graph_api.errors import StoreUnavailable
from graph_api.ingest import Ingester
from graph_api.logs import request_id_var
from graph_api.metrics import Metrics
from graph_api.policy_file import load_policy
from graph_api.reads import Reads
from graph_api.settings import Settings, load_settings
from graph_api.store import Store

log = logging.getLogger("trustgraph.api")

ROLE_SCOPE_KEY = "trustgraph.role"


class Service:
    """The long-lived parts one process shares between requests."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # A request must not wait long for a database that is down: answer SERVICE_UNAVAILABLE.
        self.store = store or Store(settings, connect_timeout=3.0, retry_seconds=2.0)
        self.policy = load_policy(settings)
        self.reads = Reads(self.store, self.policy)
        self.ingester = Ingester(self.store, settings.batch_size, deriver=Deriver(self.store, self.policy))
        self.feed = ChangeFeed(self.store, settings.change_poll_ms / 1000)
        self.metrics = Metrics()
        self.schema_applied = False

    def ensure_schema(self) -> None:
        """Apply constraints once Neo4j answers (at start, or at the first readiness check after)."""
        if not self.schema_applied:
            self.store.apply_schema()
            self.schema_applied = True


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def _unauthenticated(message: str) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
                        status_code=401)


class TrustgraphGraphQL(GraphQL):
    """strawberry's ASGI view with trustgraph's context: the caller's role and the request id."""

    def __init__(self, service: Service, **kwargs: Any) -> None:
        from schema import build_schema

        super().__init__(build_schema(service.settings.limits), **kwargs)
        self.service = service

    async def get_context(self, request: Request | WebSocket, response: Any) -> Any:
        from schema.runtime import Context, make_loaders

        s = self.service
        role = request.scope.get(ROLE_SCOPE_KEY, Role.PUBLIC)
        return Context(reads=s.reads, ingester=s.ingester, feed=s.feed, settings=s.settings, role=role,
                       request_id=request_id_var.get() or "-", loaders=make_loaders(s.reads), request=request,
                       response=response, extra={"metrics": s.metrics})

    async def process_result(self, request: Request, result: Any) -> Any:
        """Every HTTP answer's errors carry a code, including those strawberry produces before
        the schema's extensions run (a document over the token limit fails in parsing)."""
        from schema.errors import classify

        if result.errors:
            rid = request_id_var.get()
            result.errors = [e if "code" in (e.extensions or {}) else classify(e, rid) for e in result.errors]
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Any) -> Any:
        """Browsers cannot set headers on a WebSocket: the key may also come in the
        connection_init payload, as {"Authorization": "Bearer ..."}."""
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization") or params.get("authorization") if isinstance(params, dict) else None
        if header is not None:
            key = _bearer(str(header))
            role = self.service.settings.api_keys.role_of(key) if key else None
            if role is None:
                raise ConnectionRejectionError({"message": "unknown API key", "code": "UNAUTHENTICATED"})
            context.role = role
            # Each operation on the connection gets its own context from the connection's scope.
            context.request.scope[ROLE_SCOPE_KEY] = role
        return await super().on_ws_connect(context)


class RequestContextMiddleware:
    """Request id, API key -> role, access log and metrics, for every HTTP and WebSocket request."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = (headers.get("x-request-id") or "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 0}
        try:
            key = _bearer(headers.get("authorization"))
            if key is not None:
                role = self.service.settings.api_keys.role_of(key) if key else None
                if role is None:
                    if scope["type"] == "http":
                        response = _unauthenticated("unknown API key: send Authorization: Bearer <key>, or no key "
                                                    "for public data")
                        response.headers["x-request-id"] = request_id
                        status["code"] = 401
                        await response(scope, receive, send)
                        return
                    await send({"type": "websocket.close", "code": 4401})
                    return
                scope[ROLE_SCOPE_KEY] = role

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
                await send(message)

            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            path = scope.get("path", "")
            if scope["type"] == "http":
                self.service.metrics.observe_request(path, scope.get("method", ""), status["code"], elapsed)
                log.info("request", extra={"method": scope.get("method"), "path": path, "status": status["code"],
                                           "duration_ms": round(elapsed * 1000, 2)})
            request_id_var.reset(token)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    service = Service(settings, store)
    graphql = TrustgraphGraphQL(service, graphql_ide="graphiql" if settings.graphiql else None,
                                allow_queries_via_get=True)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(service.store.verify)
            await run_in_threadpool(service.ensure_schema)
        except StoreUnavailable as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "policy": service.policy.version})

    async def metrics(request: Request) -> Response:
        body, content_type = service.metrics.render(subscriptions=service.feed.subscribers)
        return PlainTextResponse(body, media_type=content_type)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(service.ensure_schema)
        except StoreUnavailable as exc:  # serve anyway: /readyz says 503 until Neo4j answers
            log.warning("starting without Neo4j: %s", exc)
        await service.feed.start()
        try:
            yield
        finally:
            await service.feed.stop()
            await run_in_threadpool(service.store.close)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
        ],
        lifespan=lifespan,
    )
    app.state.service = service
    app.add_middleware(RequestContextMiddleware, service=service)
    return app


def app_from_env() -> Starlette:
    """The factory ``trustgraph serve`` gives uvicorn (each worker reads the environment once)."""
    from graph_api.logs import configure_logging

    configure_logging()
    return create_app(load_settings())
