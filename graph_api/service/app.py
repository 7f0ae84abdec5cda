"""The service: a Starlette app that serves the GraphQL schema and its operational endpoints.

    /graphql   POST (and GET for queries), GraphiQL in a browser when enabled, and
               subscriptions over graphql-transport-ws on the same path
    /demo      the badge widget on a mock live room, product card and order page
    /static    the widget (trust-badge.js) and GraphiQL's bundle, built from web/ (ide.py)
    /healthz   200 while the process runs
    /readyz    200 when Neo4j answers (and, with TRUSTGRAPH_INGEST=kafka, Kafka has the topic),
               503 with the reason when it does not
    /metrics   Prometheus text format (per process)

Every error the service answers over HTTP is GraphQL-shaped, ``{"errors": [{"message",
"extensions": {"code"}}]}``: the view's (schema/view.py), the body limit's (413,
``graph_api/service/limits.py``), an unknown key's (401), Starlette's own (404, 405) and an
unexpected exception's (500, with nothing but the request id; ``middleware.py``).

``create_app(settings)`` builds everything from the settings it is given (read once by the
caller); ``app_from_env`` is the factory uvicorn's workers call. This is the one place where the
GraphQL schema (``schema/``) meets the use cases (``graph_api.usecases``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from graph_api.auth import Caller
from graph_api.derive import LogDeriver
from graph_api.errors import BAD_REQUEST, KafkaUnavailable, StoreUnavailable
from graph_api.ingest import Ingester
from graph_api.ingest.produce import EventProducer
from graph_api.policy import load_policy
from graph_api.service import ide
from graph_api.service.cors import CORSMiddleware
from graph_api.service.limits import BodyLimitMiddleware
from graph_api.service.logs import configure_logging, request_id_var
from graph_api.service.metrics import Metrics
from graph_api.service.middleware import RequestContextMiddleware
from graph_api.settings import Settings, load_settings
from graph_api.store import ReadPool, Store
from graph_api.usecases import ChangeFeed, DerivationLoop, StreamWaiter, Trustgraph
from graph_api.usecases.cards import CardCache
from schema import build_schema
from schema.errors import error_response
from schema.responses import ResponseCache
from schema.runtime import Context, make_loaders
from schema.view import GraphQLView

log = logging.getLogger("trustgraph.api")


class Service:
    """The long-lived parts one process shares between requests."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # A request must not wait long for a database that is down: answer SERVICE_UNAVAILABLE.
        self.store = store or Store(settings, connect_timeout=3.0, retry_seconds=2.0)
        self.policy = load_policy(settings)
        # TRUSTGRAPH_READ_URIS: the serving reads spread over replicas, with failover; the
        # writes, the deriver and the change log stay on the server of NEO4J_URI.
        self.read_pool = (
            ReadPool.connect(
                settings.read_uris,
                (settings.neo4j_user, settings.neo4j_password),
                connect_timeout=3.0,
                pool_size=settings.neo4j_pool_size,
            )
            if settings.read_uris
            else None
        )
        self.read_store = (
            self.store if self.read_pool is None else self.store.with_read_pool(self.read_pool)
        )
        # TRUSTGRAPH_INGEST=kafka: recordEvents produces to the event topic; consumers record.
        self.producer = (
            EventProducer(settings.kafka, max_clock_skew_ms=settings.max_clock_skew_ms)
            if settings.ingest_mode == "kafka"
            else None
        )
        self.stream = StreamWaiter(self.read_store, settings.derive_wait_ms / 1000)
        # Badge cards held by this process, dropped by its change feed as derivation rewrites
        # them; served while the feed looked at the graph less than two polls and a second ago.
        # Off with read replicas: each derives on its own, so the primary's revisions say
        # nothing of what a replica answers.
        poll = settings.change_poll_ms / 1000
        size = 0 if self.read_pool is not None else settings.card_cache_size
        self.cards = CardCache(size, max_age=2 * poll + 1.0)
        # Whole answers of badge reads, made of those cards and dropped with them.
        self.answers = ResponseCache(self.cards, size) if size else None
        self.metrics = Metrics(
            self.read_pool.stats if self.read_pool is not None else None, self.cards, self.answers
        )
        # Ingestion answers when the facts are durable; the deriver follows the ingest log
        # (TRUSTGRAPH_DERIVE: inline, the default, also derives before answering; async derives
        # in the background: in a task of this process, or, under `trustgraph serve`, in a
        # deriver process beside the workers; off leaves it to `trustgraph derive --follow`).
        deriver = LogDeriver(
            self.store,
            self.policy,
            lease_seconds=settings.derive_lease_ms / 1000,
            window_orders=settings.derive_window_orders,
        )
        ingester = Ingester(
            self.store,
            settings.batch_size,
            deriver=deriver if settings.derive_mode == "inline" else None,
            max_clock_skew_ms=settings.max_clock_skew_ms,
        )
        self.derivation = DerivationLoop(
            deriver,
            settings.derive_poll_ms / 1000,
            settings.derive_wait_ms / 1000,
            # inline: every call derives itself; a background round would race them for the
            # same batches (and with a rebuild). async: here unless a deriver process runs.
            run=settings.derive_mode == "async" and settings.derive_in_process,
            on_round=self.metrics.observe_round,
        )
        self.trustgraph = Trustgraph(
            self.store,
            self.policy,
            settings.limits,
            ingester=ingester,
            producer=self.producer,
            reads=self.read_store,
            timezone=settings.timezone,
            card_cache=self.cards,
        )
        self.feed = ChangeFeed(self.store, poll, self.cards)
        self.schema_applied = False

    def context(self, request: Request | WebSocket, response: Any, caller: Caller) -> Context:
        """The context of one GraphQL operation."""
        return Context(
            trustgraph=self.trustgraph,
            feed=self.feed,
            settings=self.settings,
            caller=caller,
            request_id=request_id_var.get() or "-",
            loaders=make_loaders(self.trustgraph),
            request=request,
            response=response,
            derivation=self.derivation,
            stream=self.stream,
            extra={"metrics": self.metrics},
        )

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close()
        if self.read_pool is not None:
            self.read_pool.close()
        self.store.close()

    def ensure_schema(self) -> None:
        """Apply constraints once Neo4j answers (at start, or at the first
        readiness check after)."""
        if not self.schema_applied:
            self.store.apply_schema()
            self.schema_applied = True


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    service = Service(settings, store)
    graphql = GraphQLView(
        build_schema(settings.limits),
        context=service.context,
        keys=settings.api_keys,
        request_id=request_id_var.get,
        ide_html=ide.graphiql_page() if settings.graphiql else None,
        answers=service.answers,
        allow_queries_via_get=True,
        # The CORS allow-list also decides which pages may open a WebSocket (cors.py).
        allowed_origins=settings.cors_origins,
        public_max_age=settings.get_max_age,
        max_json_depth=settings.limits.max_json_depth,
    )

    async def demo(request: Request) -> Response:
        return FileResponse(ide.DEMO_PAGE, media_type="text/html; charset=utf-8")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(service.store.verify)
            await run_in_threadpool(service.ensure_schema)
            if service.producer is not None:  # TRUSTGRAPH_INGEST=kafka: recordEvents needs it
                await run_in_threadpool(service.producer.check)
        except (StoreUnavailable, KafkaUnavailable) as exc:
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
        await service.derivation.start()
        try:
            yield
        finally:
            await service.derivation.stop()
            await service.feed.stop()
            await run_in_threadpool(service.close)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = error_response(exc.detail, BAD_REQUEST, exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/demo", demo),
            Mount("/static", StaticFiles(directory=ide.STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.service = service
    # The last added runs first: the request id and the key, then the body limit.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.limits.max_body_bytes,
        max_anonymous_bytes=settings.limits.max_anonymous_body_bytes,
    )
    app.add_middleware(RequestContextMiddleware, keys=settings.api_keys, metrics=service.metrics)
    # Outermost, so that every answer a page may read carries it, refusals included.
    app.add_middleware(
        CORSMiddleware, origins=settings.cors_origins, credentials=settings.cors_credentials
    )
    return app


def app_from_env() -> Starlette:
    """The factory ``trustgraph serve`` gives uvicorn (each worker reads the environment once)."""
    configure_logging()
    return create_app(load_settings())
