"""The store: the only code in trustgraph that talks to Neo4j.

It runs the queries of ``cypher/`` by name and translates the driver's errors at this one
boundary (:meth:`Store._guard`): a database that cannot be reached becomes
:class:`StoreUnavailable`; a transient error (``NoThreadsAvailable``, a deadlock) that the
driver's retries, bounded by ``retry_seconds``, did not get through, or no free connection in the
pool in time, :class:`StoreBusy`; a query over the time limit of :meth:`Store.time_limit`,
:class:`QueryTimeout`. What to write
is decided elsewhere (``graph_api.ingest``, ``graph_api.derive``); the store only knows how to
run it atomically, in one style: :meth:`Store.transact` hands a :class:`Tx` to the caller's work.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionAcquisitionTimeoutError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ResultFailedError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_api.errors import QueryTimeout, StoreAuthFailed, StoreBusy, StoreUnavailable
from graph_api.settings import Settings
from graph_api.store.cypher import query
from graph_api.store.pool import ReadPool
from graph_api.store.records import BuyerRecord, EntityRecord, buyer_record, entity_record
from scoring.pair_trust import HOST, SHOP

log = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)
# How often Store.transact runs a transaction again after a transient error (a deadlock).
TRANSIENT_RETRIES = 5


class FactReader:
    """The feature queries, decoded into typed records (:mod:`graph_api.store.records`): the same
    for a plain read and inside a write transaction (which sees its own writes and holds locks).

    The ``*_stream`` forms read at once and decode as the caller iterates: the rebuild reads the
    next page in a thread that should only wait on the socket, and decodes where it scores."""

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def buyer_record_stream(self, buyer_ids: Sequence[str], as_of: int) -> Iterator[BuyerRecord]:
        """The facts of these buyers (those with any), as of ``as_of`` for their shops' rights."""
        rows = self.rows("features/pair_facts", buyerIds=list(buyer_ids), asOf=as_of)
        return map(buyer_record, rows)

    def buyer_records(self, buyer_ids: Sequence[str], as_of: int) -> list[BuyerRecord]:
        return list(self.buyer_record_stream(buyer_ids, as_of))

    def entity_record_stream(
        self, kind: str, entity_ids: Sequence[str], as_of: int, since: int, violation_since: int
    ) -> Iterator[EntityRecord]:
        """The facts of these shops (``kind`` SHOP) or hosts (HOST): orders placed in (since,
        as_of], penalties in (violation_since, as_of]."""
        rows = self.rows(
            _ENTITY_FACTS[kind],
            ids=list(entity_ids),
            asOf=as_of,
            since=since,
            violationSince=violation_since,
        )
        return (entity_record(r, kind) for r in rows)

    def entity_records(
        self, kind: str, entity_ids: Sequence[str], as_of: int, since: int, violation_since: int
    ) -> list[EntityRecord]:
        return list(self.entity_record_stream(kind, entity_ids, as_of, since, violation_since))

    def entity_profile_stream(
        self, kind: str, entity_ids: Sequence[str], as_of: int, violation_since: int
    ) -> Iterator[EntityRecord]:
        """:meth:`entity_record_stream` without the orders and buyers (empty in the records): the
        rest of a shop's or host's record, for a caller that has its orders in hand."""
        rows = self.rows(
            _ENTITY_PROFILE[kind], ids=list(entity_ids), asOf=as_of, violationSince=violation_since
        )
        return (entity_record(r, kind) for r in rows)


_ENTITY_FACTS = {SHOP: "features/shop_facts", HOST: "features/host_facts"}
_ENTITY_PROFILE = {SHOP: "features/shop_profile", HOST: "features/host_profile"}


class Store(FactReader):
    def __init__(
        self,
        settings: Settings,
        driver: neo4j.Driver | None = None,
        *,
        connect_timeout: float = 10.0,
        retry_seconds: float = 30.0,
    ) -> None:
        """``connect_timeout`` and ``retry_seconds`` bound how long a call waits for a server that
        is down: the CLI waits out a restart; the service answers SERVICE_UNAVAILABLE quickly."""
        self.settings = settings
        self.database = settings.neo4j_database
        self._deadline = threading.local()  # time_limit's, per thread (a request's worker)
        # One write transaction at a time per process (Store.transact): concurrent ingestion
        # and rescoring calls lock the same dense hosts and shops, and Neo4j answered them with
        # deadlocks (bench.load, 20 clients: 1 call in 60). Serialised they wait a few ms instead;
        # two cores gain nothing from writing in parallel.
        self._writing = threading.Lock()
        self.driver = driver or GraphDatabase.driver(
            settings.bolt_uri,
            auth=(settings.neo4j_user, settings.neo4j_password),
            # Fail fast when the server is down instead of hanging a CLI for minutes.
            connection_timeout=connect_timeout,
            max_transaction_retry_time=retry_seconds,
            # Sized with the server's Bolt threads (settings.check_pool); a caller that finds
            # the pool taken waits this long for a connection, then gets StoreBusy.
            max_connection_pool_size=settings.neo4j_pool_size,
            connection_acquisition_timeout=max(connect_timeout, retry_seconds) * 5,
            # Our queries are reviewed files; the server's hints would only flood the logs.
            notifications_min_severity="OFF",
        )
        self.pool: ReadPool | None = None  # reads spread over replicas (with_read_pool)

    def with_read_pool(self, pool: ReadPool) -> Store:
        """This store, its reads (:meth:`rows`) spread over ``pool``'s servers; the writes, the
        write transactions' own reads and the time limits are this store's. For reads that any
        replica can answer: not the deriver's (it derives on this store's server), not the change
        log's (each server numbers its own)."""
        view = copy.copy(self)
        view.pool = pool
        return view

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers."""
        self._guard(lambda: self.driver.execute_query("RETURN 1", database_=self.database))

    def _session(self) -> neo4j.Session:
        """A session for writes that shares its bookmarks with every read: reads go through
        ``execute_query``, whose default bookmark manager this is, so on a cluster (``neo4j://``)
        a read right after a write waits until the replica serving it has that write (causal
        consistency). Without it, a write session's bookmarks stay in the session."""
        return self.driver.session(
            database=self.database, bookmark_manager=self.driver.execute_query_bookmark_manager
        )

    def _guard(self, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(self.settings.bolt_uri, str(exc) or type(exc).__name__) from exc
        except AuthError as exc:
            raise StoreAuthFailed(
                self.settings.bolt_uri, self.settings.neo4j_user, str(exc.message)
            ) from exc
        except (TransientError, ConnectionAcquisitionTimeoutError, ResultFailedError) as exc:
            # The driver already retried what it could for up to max_transaction_retry_time; a
            # transient error inside a transaction function reaches us as the ResultFailedError
            # of its rollback (Store.transact retries those).
            transient = _cause(exc, TransientError)
            if isinstance(exc, ResultFailedError) and transient is None:
                raise
            cause = transient or exc
            detail = getattr(cause, "code", None) or str(cause) or type(cause).__name__
            log.warning("Neo4j is busy: %s", detail)
            raise StoreBusy(
                self.settings.bolt_uri, detail, retried=not isinstance(exc, ResultFailedError)
            ) from exc
        except ClientError as exc:
            seconds = getattr(self._deadline, "seconds", None)
            if seconds is not None and "TransactionTimedOut" in (exc.code or ""):
                raise QueryTimeout(seconds) from exc
            raise

    # -- time limits -----------------------------------------------------------------------
    @contextmanager
    def time_limit(self, seconds: float | None) -> Iterator[None]:
        """Bound every read this thread runs inside the block to ``seconds`` in all: each query
        gets what is left as its Neo4j transaction timeout, and one started after the deadline
        (or stopped by the server at it) raises :class:`QueryTimeout`. None or 0: no limit."""
        if not seconds:
            yield
            return
        saved = (getattr(self._deadline, "at", None), getattr(self._deadline, "seconds", None))
        self._deadline.at = time.monotonic() + seconds
        self._deadline.seconds = seconds
        try:
            yield
        finally:
            self._deadline.at, self._deadline.seconds = saved

    def _timeout(self) -> float | None:
        """The transaction timeout of the next query (None: no limit in force)."""
        at = getattr(self._deadline, "at", None)
        if at is None:
            return None
        left = at - time.monotonic()
        if left <= 0:
            raise QueryTimeout(self._deadline.seconds)
        return left

    # -- schema and admin ------------------------------------------------------------------
    def apply_schema(self) -> int:
        """Create the constraints and indexes (idempotent). Returns the number of statements."""
        statements = query("schema/constraints").statements()

        def run() -> None:
            for statement in statements:
                self.driver.execute_query(statement, database_=self.database)
            # Wait for the indexes so that the first import is index-backed from its first row.
            self.driver.execute_query("CALL db.awaitIndexes(300)", database_=self.database)

        self._guard(run)
        return len(statements)

    def graph_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts by label and relationship counts by type."""
        row = self.rows("read/graph_counts")[0]
        nodes = {n["label"]: n["count"] for n in row["nodes"]}
        rels = {r["type"]: r["count"] for r in row["relationships"]}
        return dict(sorted(nodes.items())), dict(sorted(rels.items()))

    def wipe(self) -> int:
        """Delete every node and relationship. Returns the number of nodes deleted."""

        def run() -> int:
            deleted = 0
            with self._session() as session:
                # CALL { } IN TRANSACTIONS needs an auto-commit transaction: session.run.
                for name in ("admin/delete_relationships", "admin/delete_nodes"):
                    q = query(name)
                    deleted = session.run(q.text, q.params()).consume().counters.nodes_deleted
            return deleted

        return self._guard(run)

    # -- features and derived state (graph_api.derive.rebuild) -------------------------------------
    def latest_event_at(self) -> int | None:
        """The time (epoch ms) of the latest recorded event, None on an empty graph."""
        at = self.rows("features/max_event_at")[0]["at"]
        return at if at is not None else self.rows("features/max_event_at_scan")[0]["at"]

    def id_pages(self, ids_query: str, size: int) -> Iterator[list[str]]:
        """Every id of ``ids_query`` (``features/buyer_ids``, ``shop_ids``, ``host_ids``: keyset
        paging on ``$after``/``$limit``), ``size`` at a time, in id order."""
        after = ""
        while True:
            ids = [r["id"] for r in self.rows(ids_query, after=after, limit=size)]
            if not ids:
                return
            yield ids
            after = ids[-1]

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read query and return its records as plain dicts, unpacked as tuples (cheaper
        than ``record.data()`` per record, which costs more than the query on big feature reads)."""
        q = query(name)
        bound = q.params(**params)
        timeout = self._timeout()
        text = q.text if timeout is None else neo4j.Query(q.text, timeout=timeout)

        def read(driver: neo4j.Driver) -> list[dict[str, Any]]:
            records, _, keys = driver.execute_query(
                text, bound, database_=self.database, routing_=RoutingControl.READ
            )
            return [dict(zip(keys, r.values(), strict=True)) for r in records]

        pool = self.pool
        if pool is None:
            return self._guard(lambda: read(self.driver))
        return self._guard(lambda: pool.run(read))

    def rows_everywhere(
        self, name: str, **params: Any
    ) -> list[tuple[str, list[dict[str, Any]] | None]]:
        """Run a read query on every server reads can go to (the pool's, else this store's):
        (uri, rows), None for a server that does not answer. A wait for a position needs them
        all: the read that follows may go to any of them."""
        q = query(name)
        bound = q.params(**params)

        def read(driver: neo4j.Driver) -> list[dict[str, Any]]:
            records, _, keys = driver.execute_query(
                q.text, bound, database_=self.database, routing_=RoutingControl.READ
            )
            return [dict(zip(keys, r.values(), strict=True)) for r in records]

        pool = self.pool
        if pool is None:
            return [(self.settings.bolt_uri, self.rows(name, **params))]
        return self._guard(lambda: pool.each(read))

    def write_all(self, writes: Sequence[tuple[str, list[dict[str, Any]]]]) -> None:
        """Run ``UNWIND $rows`` write queries, in order, in one transaction (empty ones skipped)."""

        self.transact(lambda tx: tx.write(writes))

    def transact(self, work: Callable[[Tx], T], *, conflict_retries: int = 0) -> T:
        """Run ``work`` in one managed write transaction. ``work`` gets a :class:`Tx` to read
        and write by query name.

        Write transactions of one process run one at a time (``_writing``), and those of all
        processes on one graph wait for each other: each takes one lock in the graph first
        (``cypher/admin/write_gate.cypher``), so they cannot deadlock. A transient error
        inside one (a deadlock with another process's writer, above all) rolls it back and it
        runs again, at most TRANSIENT_RETRIES times with a short jittered backoff:
        the driver's own retry does not see these, because rolling back re-raises them as a
        ResultFailedError. After that it is :class:`StoreBusy` (SERVICE_UNAVAILABLE).

        With ``conflict_retries``, a transaction that a uniqueness constraint fails is run again
        (that many times at most): ingestion checks which of its ids the graph holds, then
        writes; a concurrent writer can record one of them in between, and the retry sees it."""

        gate = query("admin/write_gate").text

        def unit(tx: neo4j.ManagedTransaction) -> T:
            tx.run(gate).consume()  # one lock first, across processes (the query's comment)
            return work(Tx(tx))

        def run() -> T:
            with self._writing, self._session() as session:
                return session.execute_write(unit)

        conflicts = transients = 0
        while True:
            try:
                return self._guard(run)
            except StoreBusy as busy:
                if busy.retried or transients == TRANSIENT_RETRIES:
                    raise
                transients += 1
                log.info("transient error (%s); retrying (attempt %d)", busy.detail, transients + 1)
                time.sleep(random.uniform(0.5, 1.5) * 0.05 * 2**transients)
            except (ConstraintError, ResultFailedError) as exc:
                if _cause(exc, ConstraintError) is None or conflicts == conflict_retries:
                    raise
                conflicts += 1
                log.info(
                    "a concurrent write conflicted with this transaction; retrying (attempt %d)",
                    conflicts + 1,
                )

    # -- writes ----------------------------------------------------------------------------
    def run_write(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Run one ``UNWIND $rows`` write query in its own transaction (used by benchmarks)."""
        q = query(name)
        self._guard(
            lambda: self.driver.execute_query(q.text, q.params(rows=rows), database_=self.database)
        )


def _cause(exc: BaseException, kind: type[E]) -> E | None:
    """``exc`` itself or the first of its causes (``raise ... from``, or the error being handled
    when it was raised) that is a ``kind``."""
    seen: BaseException | None = exc
    for _ in range(10):  # chains are short; a cycle must not loop
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def probe(uri: str, user: str, password: str, timeout: float = 3.0) -> str | None:
    """Try once to run ``RETURN 1`` at ``uri``: None when it answers, else what went wrong (a
    server still starting, say). A refused password raises :class:`StoreAuthFailed`: trying
    again cannot help."""
    try:
        with GraphDatabase.driver(uri, auth=(user, password), connection_timeout=timeout) as driver:
            driver.verify_connectivity()
            records, _, _ = driver.execute_query("RETURN 1 AS ok")
            return None if records and records[0]["ok"] == 1 else "RETURN 1 gave no answer"
    except AuthError as exc:
        raise StoreAuthFailed(uri, user, str(exc.message)) from None
    except (DriverError, Neo4jError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _run_writes(
    tx: neo4j.ManagedTransaction, writes: Sequence[tuple[str, list[dict[str, Any]]]]
) -> None:
    for name, rows in writes:
        if rows:
            q = query(name)
            tx.run(q.text, q.params(rows=rows)).consume()


class Tx(FactReader):
    """A write transaction seen by query name (see :meth:`Store.transact`)."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self._tx = tx

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        q = query(name)
        result = self._tx.run(q.text, q.params(**params))
        keys = result.keys()
        return [dict(zip(keys, r.values(), strict=True)) for r in result]

    def single(self, name: str, **params: Any) -> dict[str, Any]:
        """Run a query that answers in exactly one row."""
        q = query(name)
        return self._tx.run(q.text, q.params(**params)).single(strict=True).data()

    def run(self, name: str, **params: Any) -> None:
        q = query(name)
        self._tx.run(q.text, q.params(**params)).consume()

    def write(self, writes: Sequence[tuple[str, list[dict[str, Any]]]]) -> None:
        _run_writes(self._tx, writes)
