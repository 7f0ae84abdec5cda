"""The request body's size limit, enforced while the body is read: TRUSTGRAPH_MAX_BODY_BYTES
(4 MiB) for a request with an API key, TRUSTGRAPH_MAX_ANONYMOUS_BODY_BYTES (64 KiB) without one.
Everything a caller without a key may ask for fits in a few kilobytes (200 badge ids of 128
characters are 26 KB), so a large anonymous body, such as 30 MB of ``recordEvents`` that would
be refused UNAUTHENTICATED anyway, is refused before any of it is read or decoded.

A declared ``Content-Length`` over the limit is refused before a byte of the body is read; a body
without one (chunked) is counted as it arrives and refused at the first chunk past the limit. The
answer is HTTP 413 with a GraphQL-shaped error (``PAYLOAD_TOO_LARGE``) and the connection is
closed, so the rest of the body is never read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_api.auth import CALLER_SCOPE_KEY
from graph_api.errors import BadRequest, PayloadTooLarge
from schema.errors import request_error_response


class BodyLimitMiddleware:
    """Runs after the request middleware has turned the key into a caller (in the scope)."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_anonymous_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_anonymous_bytes = min(max_anonymous_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        anonymous = scope.get(CALLER_SCOPE_KEY) is None
        limit = self.max_anonymous_bytes if anonymous else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(PayloadTooLarge(limit, anonymous), scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit, anonymous)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except PayloadTooLarge as exc:
            if started:  # an endpoint that streams while reading: nothing left to answer
                raise
            await self._refuse(exc, scope, receive, send)

    @staticmethod
    async def _refuse(exc: BadRequest, scope: Scope, receive: Receive, send: Send) -> None:
        response = request_error_response(exc)
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before the app sees it
    return None
