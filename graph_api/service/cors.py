"""Cross-origin access for browser pages of other sites (a badge widget on a shop's page):
CORS on HTTP and the same allow-list on WebSocket handshakes (docs/widget.md).

The allow-list is ``TRUSTGRAPH_CORS_ORIGINS``; empty (the default), only the service's own pages
may call it from a browser. For an allowed ``Origin``:

- a preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered 204 here, with the
  methods (GET, POST), the request headers the API reads and a ``Max-Age``; a preflight from any
  other origin, or asking for another method or header, is refused 403 with a GraphQL-shaped
  error that says why (browsers then show it in their console);
- every other answer (errors included: 401, 413, 429...) carries ``Access-Control-Allow-Origin``
  (the origin itself, with ``Vary: Origin``), the response headers a page may read, and
  ``Access-Control-Allow-Credentials`` only when ``TRUSTGRAPH_CORS_CREDENTIALS`` is on.

Requests from origins not on the list are served as before but without CORS headers, so the
browser keeps their answers from the page. A WebSocket handshake has no CORS: a browser opens it
from any page. The same list is strawberry's ``allowed_origins`` (``app.py``), which refuses a
handshake (HTTP 403) whose ``Origin`` is neither the service's own nor on the list; clients that
are not browsers send no ``Origin`` and are not concerned.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph_api.errors import BAD_REQUEST
from schema.errors import error_response

ALLOWED_METHODS = ("GET", "POST")
# What the API and its clients read: the body's type, the key, a request id, what a client
# accepts, and the revalidation of a cached GET.
ALLOWED_HEADERS = frozenset(
    {"accept", "authorization", "content-type", "x-request-id", "if-none-match"}
)
EXPOSED_HEADERS = "X-Request-ID, ETag, Retry-After"
MAX_AGE_SECONDS = 600


class CORSMiddleware:
    def __init__(self, app: ASGIApp, origins: tuple[str, ...], credentials: bool) -> None:
        self.app = app
        self.any_origin = origins == ("*",)
        self.origins = frozenset(origins)
        self.credentials = credentials

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin.lower() in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # WebSocket handshakes: strawberry's check (see above)
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self.preflight(origin, headers, scope, receive, send)
            return
        if not self.allows(origin):
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                self.add_origin_headers(out, origin)
                out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def add_origin_headers(self, out: MutableHeaders, origin: str) -> None:
        out["Access-Control-Allow-Origin"] = origin
        out.add_vary_header("Origin")
        if self.credentials:
            out["Access-Control-Allow-Credentials"] = "true"

    async def preflight(
        self, origin: str, headers: Headers, scope: Scope, receive: Receive, send: Send
    ) -> None:
        method = headers["access-control-request-method"].strip().upper()
        asked = {
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        }
        refused = sorted(asked - ALLOWED_HEADERS)
        problem = None
        if not self.allows(origin):
            problem = (
                f"origin {origin} may not call this API from a browser: add it to "
                "TRUSTGRAPH_CORS_ORIGINS"
            )
        elif method not in ALLOWED_METHODS:
            problem = f"method {method} is not allowed across origins (only GET and POST)"
        elif refused:
            problem = f"request header(s) {', '.join(refused)} not allowed across origins"
        if problem is not None:
            response = error_response(problem, BAD_REQUEST, 403)
            response.headers.add_vary_header("Origin")
            await response(scope, receive, send)
            return
        out = MutableHeaders(raw=[])
        self.add_origin_headers(out, origin)
        out["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
        if asked:
            out["Access-Control-Allow-Headers"] = ", ".join(sorted(asked))
        out["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
        await send({"type": "http.response.start", "status": 204, "headers": out.raw})
        await send({"type": "http.response.body", "body": b""})
