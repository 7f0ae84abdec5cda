"""Errors as clients see them: every error carries ``extensions.code``.

    BAD_REQUEST            the HTTP request is not one GraphQL operation in UTF-8 JSON (HTTP 400,
                           405 or 415; nothing was executed)
    PAYLOAD_TOO_LARGE      the request body is over the size limit (HTTP 413)
    BAD_USER_INPUT         a malformed argument, query or variable (the message says which: a
                           variable that fails coercion gets graphql-core's message)
    UNAUTHENTICATED        a field needs an API key and none (or an unknown one) was sent
    FORBIDDEN              the key's role may not use the field
    QUERY_TOO_COMPLEX      depth, aliases or tokens over the configured limits
    SERVICE_UNAVAILABLE    Neo4j cannot be reached, or stayed busy through bounded retries, or
                           Kafka did not acknowledge recordEvents (TRUSTGRAPH_INGEST=kafka) (the
                           service recovers by itself; HTTP 503 with ``Retry-After``)
    QUERY_TIMEOUT          a research call ran over TRUSTGRAPH_RESEARCH_TIMEOUT
    INTERNAL_SERVER_ERROR  anything else: the details are logged with the request id, not sent

:class:`ErrorCodes` is the one place where exceptions become these codes (each error of
:mod:`graph_api.errors` carries its own; anything else is internal) (strawberry's
``MaskErrors`` shape: a schema extension that rewrites the result's errors).
:func:`error_response` is the body of an HTTP answer refused before anything is executed (the
view's, the service's middleware and exception handlers): the same ``errors`` list, no ``data``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql.error import GraphQLError, GraphQLSyntaxError
from starlette.responses import JSONResponse
from strawberry.extensions import SchemaExtension

from graph_api.errors import (
    BAD_USER_INPUT,
    INTERNAL_SERVER_ERROR,
    QUERY_TOO_COMPLEX,
    SERVICE_UNAVAILABLE,
    BadRequest,
    KafkaUnavailable,
    StoreBusy,
    StoreUnavailable,
    TrustgraphError,
)

log = logging.getLogger("trustgraph.api")


_TOO_COMPLEX_MARKERS = (
    "exceeds maximum operation depth",
    "aliases found. Allowed",
    "tokens. Parsing aborted",
)


def classify(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The client's view of one error."""
    original = error.original_error
    ext = dict(error.extensions or {})
    if original is None:
        if "code" in ext:
            return error
        text = error.message
        code = QUERY_TOO_COMPLEX if any(m in text for m in _TOO_COMPLEX_MARKERS) else BAD_USER_INPUT
        return _with(error, error.message, code)
    if isinstance(original, TrustgraphError) and original.shown_to_clients:
        return _with(error, str(original), original.code)
    if isinstance(original, StoreBusy):
        log.warning("graph database busy (request %s): %s", request_id, original)
        return _with(
            error,
            f"the graph database is busy; try again in {original.retry_after} s",
            SERVICE_UNAVAILABLE,
        )
    if isinstance(original, KafkaUnavailable):
        # recordEvents in TRUSTGRAPH_INGEST=kafka: nothing was acknowledged.
        log.warning("event stream unavailable (request %s): %s", request_id, original)
        return _with(
            error,
            "the event stream (Kafka) is unavailable: the events were not acknowledged; send "
            "them again shortly (a replay is counted as a duplicate)",
            SERVICE_UNAVAILABLE,
        )
    if isinstance(original, StoreUnavailable):
        log.warning("graph database unavailable (request %s): %s", request_id, original)
        return _with(
            error, "the graph database is unavailable; try again shortly", SERVICE_UNAVAILABLE
        )
    if isinstance(original, GraphQLSyntaxError):
        return _with(error, error.message, BAD_USER_INPUT)
    if isinstance(original, GraphQLError) and error.path is None:
        # graphql-core's verdict on the client's variables, before execution: a value that fails
        # coercion ("Int cannot represent...", "Field 'buyerID' is not defined by type
        # 'EventInput'. Did you mean 'buyerId'?"). Errors of resolvers always have a path.
        return _with(error, error.message, BAD_USER_INPUT)
    if isinstance(original, RecursionError):  # a backstop: the limits refuse such documents
        return _with(error, "the operation is nested too deeply", QUERY_TOO_COMPLEX)
    log.error("internal error (request %s) at %s", request_id, error.path, exc_info=original)
    return _with(error, f"internal server error (request id {request_id})", INTERNAL_SERVER_ERROR)


def _with(error: GraphQLError, message: str, code: str) -> GraphQLError:
    """Rewrite ``error`` IN PLACE: strawberry's results hold these objects in lists that are not
    always the ones an extension can reach (a parse error's result has its own list)."""
    error.message = message
    error.args = (message,)
    error.original_error = None
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


# What an HTTP client that got SERVICE_UNAVAILABLE is told to wait, in seconds.
RETRY_AFTER_SECONDS = StoreBusy.retry_after


def _answer_unavailable(response: object) -> None:
    """HTTP 503 with ``Retry-After`` on the answer to come (strawberry copies the status and the
    headers of the context's response onto it); a WebSocket has none."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return
    headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.status_code = 503  # type: ignore[attr-defined]


def error_response(message: str, code: str, status: int) -> JSONResponse:
    """An HTTP answer with one GraphQL-shaped error and no ``data`` (nothing was executed)."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


def request_error_response(exc: TrustgraphError, status: int | None = None) -> JSONResponse:
    """The answer to a request refused before execution: a BadRequest with its own HTTP status,
    or another client error with ``status``."""
    if status is None:
        status = exc.status if isinstance(exc, BadRequest) else 400
    return error_response(str(exc), exc.code, status)


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        context = ec.context
        request_id = getattr(context, "request_id", None)
        classified: list[GraphQLError] = []
        # Parse and validation errors may only be in pre_execution_errors (when the validation
        # cache answered); execution errors are in the result.
        # The lists are changed in place: the result being returned may hold the same list.
        if ec.pre_execution_errors:
            ec.pre_execution_errors[:] = [classify(e, request_id) for e in ec.pre_execution_errors]
            classified = ec.pre_execution_errors
        result = ec.result
        if result is not None and result.errors:
            if result.errors is not ec.pre_execution_errors:
                result.errors[:] = [classify(e, request_id) for e in result.errors]
            classified = result.errors
        if any((e.extensions or {}).get("code") == SERVICE_UNAVAILABLE for e in classified):
            _answer_unavailable(getattr(context, "response", None))
        metrics = getattr(context, "extra", {}).get("metrics")
        if metrics is not None:
            for e in classified:
                metrics.errors.labels((e.extensions or {}).get("code", "UNKNOWN")).inc()
