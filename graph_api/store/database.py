"""The store: the only code in trustgraph that talks to Neo4j.

It runs the queries of ``cypher/`` by name and translates the driver's errors at this one
boundary: a database that cannot be reached becomes :class:`StoreUnavailable`. What to write
is decided elsewhere (``graph_api.ingest``); the store only knows how to run it atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ConstraintError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from graph_api.store.cypher import query
from graph_api.errors import StoreAuthFailed, StoreUnavailable
from graph_api.settings import Settings

log = logging.getLogger(__name__)

# How often a batch is retried when a concurrent writer recorded one of its events (or orders)
# between our check and our write; the retry sees them and counts them as duplicates.
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class GraphChecks:
    """What the graph already holds of the ids a batch mentions."""

    event_hashes: dict[str, str]  # recorded eventId -> content hash
    orders: frozenset[str]
    reports: frozenset[str]


# A plan turns the checks into the writes to run: (query name, rows) in order.
Plan = Callable[[GraphChecks], Sequence[tuple[str, list[dict[str, Any]]]]]


class Store:
    def __init__(self, settings: Settings, driver: neo4j.Driver | None = None, *,
                 connect_timeout: float = 10.0, retry_seconds: float = 30.0) -> None:
        """``connect_timeout`` and ``retry_seconds`` bound how long a call waits for a server that
        is down: the CLI waits out a restart; the service answers SERVICE_UNAVAILABLE quickly."""
        self.settings = settings
        self.database = settings.neo4j_database
        self.driver = driver or GraphDatabase.driver(
            settings.bolt_uri,
            auth=(settings.neo4j_user, settings.neo4j_password),
            # Fail fast when the server is down instead of hanging a CLI for minutes.
            connection_timeout=connect_timeout,
            max_transaction_retry_time=retry_seconds,
            # Our queries are reviewed files; the server's hints would only flood the logs.
            notifications_min_severity="OFF",
        )

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers."""
        self._guard(lambda: self.driver.execute_query("RETURN 1", database_=self.database))

    def _guard(self, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(self.settings.bolt_uri, str(exc) or type(exc).__name__) from exc
        except AuthError as exc:
            raise StoreAuthFailed(self.settings.bolt_uri, self.settings.neo4j_user, str(exc.message)) from exc

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

    def read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        q = query(name)
        records, _, _ = self._guard(
            lambda: self.driver.execute_query(
                q.text, q.params(**params), database_=self.database, routing_=RoutingControl.READ
            )
        )
        return [r.data() for r in records]

    def graph_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts by label and relationship counts by type."""
        row = self.read("read/graph_counts")[0]
        nodes = {n["label"]: n["count"] for n in row["nodes"]}
        rels = {r["type"]: r["count"] for r in row["relationships"]}
        return dict(sorted(nodes.items())), dict(sorted(rels.items()))

    def wipe(self) -> int:
        """Delete every node and relationship. Returns the number of nodes deleted."""

        def run() -> int:
            deleted = 0
            with self.driver.session(database=self.database) as session:
                # CALL { } IN TRANSACTIONS needs an auto-commit transaction: session.run.
                for name in ("admin/delete_relationships", "admin/delete_nodes"):
                    q = query(name)
                    deleted = session.run(q.text, q.params()).consume().counters.nodes_deleted
            return deleted

        return self._guard(run)

    # -- features and derived state (graph_api.derive.rebuild) -------------------------------------
    def latest_event_at(self) -> int | None:
        """The time (epoch ms) of the latest recorded event, None on an empty graph."""
        at = self.read("features/max_event_at")[0]["at"]
        return at if at is not None else self.read("features/max_event_at_scan")[0]["at"]

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

        def run() -> list[dict[str, Any]]:
            records, _, keys = self.driver.execute_query(
                q.text, bound, database_=self.database, routing_=RoutingControl.READ
            )
            return [dict(zip(keys, r.values())) for r in records]

        return self._guard(run)

    def pair_facts_rows(self, buyer_ids: list[str], as_of: int) -> list[dict[str, Any]]:
        """The raw facts of pair trust for these buyers: one dict per buyer that has any (see
        cypher/features/pair_facts.cypher for the shape); ``graph_api.derive.rebuild`` builds PairFacts."""
        return self.rows("features/pair_facts", buyerIds=buyer_ids, asOf=as_of)

    def write_all(self, writes: Sequence[tuple[str, list[dict[str, Any]]]]) -> None:
        """Run ``UNWIND $rows`` write queries, in order, in one transaction (empty ones skipped)."""

        self.transact(lambda tx: tx.write(writes))

    def transact(self, work: Callable[["Tx"], Any]) -> Any:
        """Run ``work`` in one managed write transaction (retried by the driver on transient
        errors such as deadlocks). ``work`` gets a :class:`Tx` to read and write by query name."""

        def run() -> Any:
            with self.driver.session(database=self.database) as session:
                return session.execute_write(lambda tx: work(Tx(tx)))

        return self._guard(run)

    # -- writes ----------------------------------------------------------------------------
    def run_write(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Run one ``UNWIND $rows`` write query in its own transaction (used by benchmarks)."""
        q = query(name)
        self._guard(lambda: self.driver.execute_query(q.text, q.params(rows=rows), database_=self.database))

    def write_planned(
        self, event_ids: Iterable[str], order_ids: Iterable[str], report_ids: Iterable[str], plan: Plan
    ) -> Sequence[tuple[str, list[dict[str, Any]]]]:
        """In one transaction: look up what the graph holds of these ids, let ``plan`` decide the
        writes, run them. Returns the writes that were committed.

        A concurrent writer can record one of our events between the look-up and the write; the
        uniqueness constraint then fails this transaction and we retry, so the event is counted
        once, as a duplicate, never applied twice.
        """
        ids = list(dict.fromkeys(event_ids))
        orders = list(dict.fromkeys(order_ids))
        reports = list(dict.fromkeys(report_ids))

        def work(tx: neo4j.ManagedTransaction) -> Sequence[tuple[str, list[dict[str, Any]]]]:
            events = _single(tx, "ingest/check_events", ids)
            checks = GraphChecks(
                event_hashes=dict(zip(events["ids"], events["hashes"])),
                orders=frozenset(_single(tx, "ingest/check_orders", orders)["ids"]) if orders else frozenset(),
                reports=frozenset(_single(tx, "ingest/check_reports", reports)["ids"]) if reports else frozenset(),
            )
            writes = plan(checks)
            _run_writes(tx, writes)
            return writes

        for attempt in range(CONFLICT_RETRIES):
            try:
                with self.driver.session(database=self.database) as session:
                    return self._guard(lambda: session.execute_write(work))
            except ConstraintError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                log.info("concurrent write recorded some of this batch; retrying (attempt %d)", attempt + 2)
        raise AssertionError("unreachable")


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


def _single(tx: neo4j.ManagedTransaction, name: str, ids: list[str]) -> dict[str, Any]:
    """Run a check query that answers in one row of lists."""
    q = query(name)
    record = tx.run(q.text, q.params(ids=ids)).single(strict=True)
    return record.data()


def _run_writes(tx: neo4j.ManagedTransaction, writes: Sequence[tuple[str, list[dict[str, Any]]]]) -> None:
    for name, rows in writes:
        if rows:
            q = query(name)
            tx.run(q.text, q.params(rows=rows)).consume()


class Tx:
    """A write transaction seen by query name (see :meth:`Store.transact`)."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self._tx = tx

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        q = query(name)
        result = self._tx.run(q.text, q.params(**params))
        keys = result.keys()
        return [dict(zip(keys, r.values())) for r in result]

    def run(self, name: str, **params: Any) -> None:
        q = query(name)
        self._tx.run(q.text, q.params(**params)).consume()

    def write(self, writes: Sequence[tuple[str, list[dict[str, Any]]]]) -> None:
        _run_writes(self._tx, writes)
