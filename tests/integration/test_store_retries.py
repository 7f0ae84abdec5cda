"""Writers that cross their locks. A real deadlock between a Store's writer and another writer on
the same server (here a plain driver session: another application, or a writer that predates the
write gate) ends with both transactions committed once, not with an error. (Here the driver's own
retry gets it; under load, a deadlock also surfaced as the ResultFailedError of the rollback,
which Store.transact runs again itself: bench.load found it, docs/operations.md.) Between the
writers of two Stores (two processes) there is no deadlock at all: the write gate orders them."""

from __future__ import annotations

import threading
import time

import pytest

from graph_api.store import Store, Tx

pytestmark = pytest.mark.integration


def test_a_deadlock_with_another_writer_is_retried(store, neo4j_settings):
    store.driver.execute_query(
        "CREATE (:LockProbe {id: 'a', v: 0}), (:LockProbe {id: 'b', v: 0})",
        database_=store.database,
    )
    other = Store(neo4j_settings)
    barrier = threading.Barrier(2, timeout=20)
    attempts = {"ab": 0, "ba": 0}
    failures: list[BaseException] = []

    def writer(s: Store, order: str) -> None:
        def work(tx) -> None:
            attempts[order] += 1
            first, second = order[0], order[1]
            # Each takes its first node's lock, waits until the other has taken its own, then
            # asks for the other's: a deadlock, which Neo4j breaks by failing one of them.
            tx._tx.run("MATCH (n:LockProbe {id: $id}) SET n.v = n.v + 1", id=first).consume()
            if attempts[order] == 1:
                barrier.wait()
            tx._tx.run("MATCH (n:LockProbe {id: $id}) SET n.v = n.v + 1", id=second).consume()

        try:
            if s is store:
                s.transact(work)
            else:  # not through Store.transact: no write gate
                with s.driver.session(database=s.database) as session:
                    session.execute_write(lambda tx: work(Tx(tx)))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [
        threading.Thread(target=writer, args=(store, "ab")),
        threading.Thread(target=writer, args=(other, "ba")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    other.close()
    assert not failures, failures
    assert attempts["ab"] + attempts["ba"] >= 3  # one of them ran again
    values = store.driver.execute_query(
        "MATCH (n:LockProbe) RETURN n.id AS id, n.v AS v ORDER BY id", database_=store.database
    )[0]
    assert [(r["id"], r["v"]) for r in values] == [("a", 2), ("b", 2)]  # both committed, once


def test_with_the_graphs_clock_writers_of_two_processes_wait_for_each_other(store, neo4j_settings):
    """The write gate (cypher/admin/write_gate.cypher): once the graph has its clock, the same
    crossing order of locks runs without a deadlock, each transaction once, one after the other."""
    store.driver.execute_query(
        "CREATE (:Clock {id: 'events', at: 1}), (:LockProbe {id: 'a', v: 0}), "
        "(:LockProbe {id: 'b', v: 0})",
        database_=store.database,
    )
    other = Store(neo4j_settings)
    attempts = {"ab": 0, "ba": 0}
    spans: dict[str, tuple[float, float]] = {}
    failures: list[BaseException] = []
    first_in = threading.Event()

    def writer(s: Store, order: str) -> None:
        def work(tx) -> None:
            attempts[order] += 1
            started = time.monotonic()
            first_in.set()
            tx._tx.run("MATCH (n:LockProbe {id: $id}) SET n.v = n.v + 1", id=order[0]).consume()
            time.sleep(0.5)  # the other writer tries to begin meanwhile
            tx._tx.run("MATCH (n:LockProbe {id: $id}) SET n.v = n.v + 1", id=order[1]).consume()
            spans[order] = (started, time.monotonic())

        try:
            s.transact(work)
        except BaseException as exc:  # reported below
            failures.append(exc)

    one = threading.Thread(target=writer, args=(store, "ab"))
    one.start()
    assert first_in.wait(20)
    two = threading.Thread(target=writer, args=(other, "ba"))
    two.start()
    for t in (one, two):
        t.join(timeout=60)
    other.close()
    assert not failures, failures
    assert attempts == {"ab": 1, "ba": 1}  # no deadlock, no retry
    assert spans["ba"][0] >= spans["ab"][1]  # the second began its work after the first's
