"""The ASGI middleware every HTTP and WebSocket request goes through: a request id (the client's
``X-Request-ID`` or a new one, returned in the response and written in every log line), the API
key turned into a caller (its role and, for a MERCHANT, the shops and hosts it is bound to), the
access log and the request metrics; an unexpected exception is logged with its traceback and
answered 500 with a GraphQL-shaped error that holds nothing but the request id."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_api.auth import CALLER_SCOPE_KEY, KeyTable, bearer
from graph_api.errors import INTERNAL_SERVER_ERROR, Unauthenticated
from graph_api.service.logs import request_id_var
from graph_api.service.metrics import Metrics
from schema.errors import error_response, request_error_response

log = logging.getLogger("trustgraph.api")


def _unauthenticated(message: str) -> JSONResponse:
    return request_error_response(Unauthenticated(message), 401)


class RequestContextMiddleware:
    """Request id, API key -> caller, access log and metrics, for every HTTP and WebSocket
    request."""

    def __init__(self, app: ASGIApp, keys: KeyTable, metrics: Metrics) -> None:
        self.app = app
        self.keys = keys
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        request_id = (headers.get("x-request-id") or "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 0}
        try:
            key = bearer(headers.get("authorization"))
            if key is not None:
                caller = self.keys.caller_of(key) if key else None
                if caller is None:
                    if scope["type"] == "http":
                        response = _unauthenticated(
                            "unknown API key: send Authorization: Bearer <key>, or no key "
                            "for public data"
                        )
                        response.headers["x-request-id"] = request_id
                        status["code"] = 401
                        await response(scope, receive, send)
                        return
                    await send({"type": "websocket.close", "code": 4401})
                    return
                scope[CALLER_SCOPE_KEY] = caller

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = [
                        *message["headers"],
                        (b"x-request-id", request_id.encode("latin-1")),
                    ]
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                if scope["type"] != "http" or status["code"]:
                    raise  # the answer has begun: nothing left to say
                log.exception("internal error (request %s)", request_id)
                response = error_response(
                    f"internal server error (request id {request_id})", INTERNAL_SERVER_ERROR, 500
                )
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            path = scope.get("path", "")
            if scope["type"] == "http":
                self.metrics.observe_request(path, scope.get("method", ""), status["code"], elapsed)
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status["code"],
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)
