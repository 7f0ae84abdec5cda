"""The one error hierarchy of trustgraph: every error it raises on purpose.

    TrustgraphError                  root; ``code`` for GraphQL clients, ``exit_status`` for the CLI
     +-- ConfigError                 a setting from the environment, a flag or a file is malformed
     |    +-- SeedConfigError        a generator parameter is out of range (graph_api.seed)
     +-- Neo4jLaunchError            the local Neo4j could not be installed, started or stopped
 +-- KafkaLaunchError            the local Kafka broker could not be installed, started or stopped
 +-- KafkaUnavailable            the Kafka cluster cannot be reached or refuses the consumer
     +-- SparkUnavailable            Spark (pyspark, Java) cannot be started for --engine spark
     +-- StoreUnavailable            the database cannot be reached (driver errors are
     |    |                          translated here)
     |    +-- StoreAuthFailed        it answers but refuses the user and password
     |    +-- StoreBusy              it answers "try again" (a transient error such as
     |                               NoThreadsAvailable) after the driver's bounded retries
     +-- QueryTimeout                a research call ran over TRUSTGRAPH_RESEARCH_TIMEOUT
     +-- ImportFileError             an import file cannot be read (a bad event is a
     |                               rejection, not this)
     +-- BulkLoadRefused             `--bulk` cannot load here (remote server, data in it)
     +-- OutputError                 a file or folder cannot be written (export, report)
     +-- PortInUse                   the service's port is taken (checked before serving)
     +-- BadInput                    a client's argument is malformed; ``argument`` names it
     |    +-- InvalidField           one field of an event (or a time or id given elsewhere)
     |    |                          is malformed
     |    +-- ExportError            an export filter is malformed or names nothing in the graph
     |    +-- NoAnchor               propagation has nothing to start from
     +-- Unauthenticated             a field needs an API key and none (or an unknown one) was sent
     +-- Forbidden                   the key's role may not use the field
     +-- SubscriberTooSlow           a subscriber fell too far behind the change log and is closed
 +-- DerivationPending           events are durable but not derived within the wait asked for
 |    +-- StreamPending          events are in Kafka but the graph has not applied (or derived)
 |                               them within the wait asked for
     +-- BadRequest                  an HTTP request is not one GraphQL operation the service reads
          |                          (not JSON, not UTF-8, a batch, nested too deep...); ``status``
          |                          is its HTTP status
          +-- PayloadTooLarge        its body is over the configured size (HTTP 413)

Each error builds its own message, so a boundary shows ``str(exc)`` and nothing else. The two
boundaries translate once, by :func:`client_code` and :func:`exit_status`: the GraphQL error
formatter (``schema/errors.py``) and the CLI's ``main`` (``graph_api/cli``). Anything else that
reaches them is an internal error: logged with its traceback, never shown.

:data:`TABLE` lists the codes and exit statuses (docs/architecture.md prints it).

Third-party errors are translated where they arise, with ``raise ... from exc``: the driver's in
:class:`graph_api.store.Store`, a policy's ``ValueError`` in :mod:`graph_api.policy`.
"""

from __future__ import annotations

from collections.abc import Callable

# Client codes (GraphQL ``extensions.code``).
BAD_USER_INPUT = "BAD_USER_INPUT"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
BAD_REQUEST = "BAD_REQUEST"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
DERIVATION_PENDING = "DERIVATION_PENDING"
QUERY_TIMEOUT = "QUERY_TIMEOUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

# CLI exit statuses (argparse uses 2 for a bad flag; ``neo4j status`` 3 for a stopped server).
EXIT_ERROR = 1
EXIT_SOME_REJECTED = 4  # ``import``: it ran to the end, but some events were rejected
EXIT_INTERRUPTED = 130


class TrustgraphError(Exception):
    """Root of every error trustgraph raises on purpose."""

    # What a GraphQL client sees; subclasses that a client can cause say more.
    code = INTERNAL_SERVER_ERROR
    exit_status = EXIT_ERROR
    shown_to_clients = False  # True: the message is safe to show a GraphQL client as it is

    @property
    def extensions(self) -> dict[str, str] | None:
        """graphql-core copies an original error's ``extensions`` onto the located error: the code
        then reaches clients even where no extension post-processes results (subscriptions)."""
        return {"code": self.code} if self.shown_to_clients else None


class ConfigError(TrustgraphError):
    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"configuration {name}={value!r} is invalid: expected {expected}")


class SeedConfigError(ConfigError, ValueError):
    """A generator parameter out of range (also a ValueError, as the generator's callers expect)."""


class Neo4jLaunchError(TrustgraphError):
    """The local Neo4j failed; ``log_tail`` holds the last lines of the server's log, if any."""

    def __init__(self, message: str, log_tail: str | None = None) -> None:
        self.log_tail = log_tail
        if log_tail:
            message = f"{message}\n--- last lines of the Neo4j log ---\n{log_tail.rstrip()}"
        super().__init__(message)


class KafkaLaunchError(TrustgraphError):
    """The local Kafka broker failed; ``log_tail`` holds the last lines of its log, if any."""

    def __init__(self, message: str, log_tail: str | None = None) -> None:
        self.log_tail = log_tail
        if log_tail:
            message = f"{message}\n--- last lines of the Kafka log ---\n{log_tail.rstrip()}"
        super().__init__(message)


class KafkaUnavailable(TrustgraphError):
    """The Kafka cluster at ``bootstrap`` cannot be reached, or refuses the client (a fatal client
    error: authentication, a fenced static member, an unknown setting), or did not acknowledge
    what recordEvents produced in time (TRUSTGRAPH_INGEST=kafka: SERVICE_UNAVAILABLE)."""

    code = SERVICE_UNAVAILABLE

    def __init__(self, bootstrap: str, detail: str) -> None:
        self.bootstrap = bootstrap
        self.detail = detail
        super().__init__(f"Kafka at {bootstrap}: {detail}")


class StoreUnavailable(TrustgraphError):
    code = SERVICE_UNAVAILABLE

    def __init__(self, uri: str, detail: str) -> None:
        self.uri = uri
        self.detail = detail
        super().__init__(f"Neo4j at {uri} is unavailable: {detail}")


class StoreAuthFailed(StoreUnavailable):
    def __init__(self, uri: str, user: str, detail: str) -> None:
        self.user = user
        super().__init__(uri, f"authentication failed for user {user!r} ({detail})")
        self.detail = detail


class StoreBusy(StoreUnavailable):
    """Neo4j answered with a transient error (no Bolt thread free, a deadlock, a leader switch)
    and the driver's retries, bounded by ``max_transaction_retry_time``, did not get through.
    ``retry_after`` is the seconds a client is told to wait (HTTP ``Retry-After``)."""

    retry_after = 1

    def __init__(self, uri: str, detail: str, *, retried: bool = True) -> None:
        # retried: the driver already retried it within its bound (or the pool had no free
        # connection in time); False: a transient error the driver could not see, which
        # Store.transact runs again itself.
        self.retried = retried
        super().__init__(uri, f"busy ({detail})")
        self.detail = detail


class QueryTimeout(TrustgraphError):
    """A research call ran longer than its time limit; what it read so far is discarded."""

    code = QUERY_TIMEOUT
    shown_to_clients = True

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"the query ran longer than the research time limit of {seconds:g} s "
            "(TRUSTGRAPH_RESEARCH_TIMEOUT); narrow it (a shorter period, a category, a smaller "
            "depth) or raise the limit"
        )


class SparkUnavailable(TrustgraphError):
    """Spark cannot run the job: pyspark is not installed, no Java, or the session (local or the
    cluster at ``master``) failed to start or died."""

    def __init__(self, master: str, detail: str) -> None:
        self.master = master
        self.detail = detail
        super().__init__(f"Spark ({master}): {detail}")


class ImportFileError(TrustgraphError):
    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"cannot import {path}: {detail}")


class BulkLoadRefused(TrustgraphError):
    """The bulk path cannot load here (a remote server, a database that holds data)."""


class OutputError(TrustgraphError):
    def __init__(self, what: str, path: str, detail: str) -> None:
        self.path = path
        super().__init__(f"{what}: cannot write to {path}: {detail}")


class PortInUse(TrustgraphError):
    def __init__(self, host: str, port: int, detail: str) -> None:
        self.port = port
        super().__init__(
            f"cannot serve on http://{host}:{port}: the port is in use ({detail}); stop what "
            "holds it or choose another port (--port, or make run PORT=...)"
        )


class BadInput(TrustgraphError):
    """A client's argument is malformed; ``argument`` names it as the client wrote it (a GraphQL
    argument, ``events[3]``, or a CLI flag such as ``--until``)."""

    code = BAD_USER_INPUT
    shown_to_clients = True

    def __init__(self, argument: str, problem: str, *, mentions: tuple[str, ...] = ()) -> None:
        self.argument = argument
        self.problem = problem  # may name other arguments as {0}, {1}...: ``mentions``
        self.mentions = mentions
        super().__init__(self.render())

    def render(self, name: Callable[[str], str] = str, separator: str = ": ") -> str:
        """The message with every argument spelled by ``name`` (the CLI passes its flag names)."""
        # Only a problem that mentions other arguments is a template: the others quote what the
        # client sent, braces included ("id '{x' has characters outside...").
        problem = self.problem.format(*map(name, self.mentions)) if self.mentions else self.problem
        return f"{name(self.argument)}{separator}{problem}"


class InvalidField(BadInput):
    """A field check of the event format failed (:mod:`graph_api.events`). ``rejection`` is the
    event's rejection code (MALFORMED_FIELD, OUT_OF_RANGE...); the message names the field, as in
    "amount must be greater than 0", and is shown alone."""

    def __init__(self, rejection: str, field: str, message: str) -> None:
        self.rejection = rejection
        self.field = field
        self.message = message
        super().__init__(field, message)

    def render(self, name: Callable[[str], str] = str, separator: str = ": ") -> str:
        return self.message


class ExportError(BadInput, ValueError):
    """An export filter is malformed (``center`` not KIND:id, ``depth`` out of range) or names
    nothing in the graph."""


class NoAnchor(BadInput, ValueError):
    """Propagation has nothing to start from (no pre-trusted target with a relation, an unknown
    buyer)."""


class Unauthenticated(TrustgraphError):
    code = UNAUTHENTICATED
    shown_to_clients = True


class Forbidden(TrustgraphError):
    code = FORBIDDEN
    shown_to_clients = True


class SubscriberTooSlow(TrustgraphError):
    def __init__(self, queue_size: int) -> None:
        super().__init__(
            f"the subscription fell more than {queue_size} changes behind "
            "and was closed; subscribe again"
        )


class DerivationPending(TrustgraphError):
    """``recordEvents(waitForDerived: true)`` ran out of time: the events are recorded and
    durable (a retry is a duplicate), derived state has not reached their position yet."""

    code = DERIVATION_PENDING
    shown_to_clients = True

    def __init__(self, position: int, derived: int, seconds: float) -> None:
        self.position = position
        self.derived = derived
        super().__init__(
            f"the events are recorded and durable at ingest position {position}, but derived "
            f"state reached only position {derived} within {seconds:g} s; it follows shortly "
            "(query `derivation`, or subscribe to trustChanged/badgeChanged)"
        )


class StreamPending(DerivationPending):
    """A wait for stream positions (TRUSTGRAPH_INGEST=kafka) ran out of time: the events are in
    Kafka, durably; a read server's consumer has not applied (or derived) them yet."""

    def __init__(self, missing: str, seconds: float, what: str = "derived") -> None:
        self.missing = missing
        TrustgraphError.__init__(
            self,
            f"the events are in Kafka durably, but the graph has not {what} them within "
            f"{seconds:g} s ({missing}); its consumer follows shortly (query `streamApplied`)",
        )


class BadRequest(TrustgraphError):
    """An HTTP request the service cannot read as one GraphQL operation: a body that is not UTF-8
    JSON, not an object, a batch, nested too deep, a wrong Content-Type or method. Nothing of it
    was executed; ``status`` is the HTTP status of the answer (400, 405, 415...)."""

    code = BAD_REQUEST
    shown_to_clients = True

    def __init__(self, message: str, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


class PayloadTooLarge(BadRequest):
    """A request body over the configured size, refused before more of it is read (HTTP 413)."""

    code = PAYLOAD_TOO_LARGE

    def __init__(self, limit: int, anonymous: bool = False) -> None:
        self.limit = limit
        whose = " for a request without an API key" if anonymous else ""
        super().__init__(f"the request body is over the limit of {limit:,} bytes{whose}", 413)


# (error, client code, CLI exit status, when) - the table docs/architecture.md shows.
TABLE: tuple[tuple[type[TrustgraphError], str, int, str], ...] = (
    (
        ConfigError,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "a setting, flag value or policy file is malformed",
    ),
    (
        Neo4jLaunchError,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "the local Neo4j cannot be installed or started",
    ),
    (
        KafkaLaunchError,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "the local Kafka broker cannot be installed or started",
    ),
    (
        KafkaUnavailable,
        SERVICE_UNAVAILABLE,
        EXIT_ERROR,
        "Kafka cannot be reached, refuses the client, or did not acknowledge recordEvents",
    ),
    (
        SparkUnavailable,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "Spark cannot be started for `rescore --engine spark`",
    ),
    (StoreUnavailable, SERVICE_UNAVAILABLE, EXIT_ERROR, "Neo4j cannot be reached"),
    (
        StoreBusy,
        SERVICE_UNAVAILABLE,
        EXIT_ERROR,
        "Neo4j stayed busy through bounded retries (HTTP Retry-After)",
    ),
    (QueryTimeout, QUERY_TIMEOUT, EXIT_ERROR, "a research call ran over its time limit"),
    (ImportFileError, INTERNAL_SERVER_ERROR, EXIT_ERROR, "an import file cannot be read"),
    (
        BulkLoadRefused,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "`--bulk` cannot load here: a remote server, or a database that holds data",
    ),
    (OutputError, INTERNAL_SERVER_ERROR, EXIT_ERROR, "an output file cannot be written"),
    (PortInUse, INTERNAL_SERVER_ERROR, EXIT_ERROR, "the service's port is taken"),
    (BadInput, BAD_USER_INPUT, EXIT_ERROR, "an argument is malformed (the message names it)"),
    (Unauthenticated, UNAUTHENTICATED, EXIT_ERROR, "no API key, or an unknown one"),
    (Forbidden, FORBIDDEN, EXIT_ERROR, "the key's role may not use the field"),
    (
        SubscriberTooSlow,
        INTERNAL_SERVER_ERROR,
        EXIT_ERROR,
        "a subscriber fell behind the change log",
    ),
    (
        DerivationPending,
        DERIVATION_PENDING,
        EXIT_ERROR,
        "events are durable, derived state did not reach them within the wait",
    ),
    (
        StreamPending,
        DERIVATION_PENDING,
        EXIT_ERROR,
        "events are in Kafka, a read server did not apply or derive them within the wait",
    ),
    (
        BadRequest,
        BAD_REQUEST,
        EXIT_ERROR,
        "an HTTP request is not one GraphQL operation in UTF-8 JSON (or a GET query)",
    ),
    (PayloadTooLarge, PAYLOAD_TOO_LARGE, EXIT_ERROR, "a request body is over the size limit"),
)


def client_code(exc: BaseException) -> str:
    """The GraphQL ``extensions.code`` of an exception (INTERNAL_SERVER_ERROR if unexpected)."""
    return exc.code if isinstance(exc, TrustgraphError) else INTERNAL_SERVER_ERROR


def exit_status(exc: BaseException) -> int:
    """The CLI exit status of an exception."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return exc.exit_status if isinstance(exc, TrustgraphError) else EXIT_ERROR
