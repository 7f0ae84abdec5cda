"""A real deadlock between two writers (two stores: two processes' worth of write locks) ends with
both transactions committed once, not with an error. (Here the driver's own retry gets it; under
load, a deadlock also surfaced as the ResultFailedError of the rollback, which Store.transact
runs again itself: bench.load found it, docs/operations.md.)"""

from __future__ import annotations

import threading

import pytest

from graph_api.store import Store

pytestmark = pytest.mark.integration


def test_a_deadlock_between_two_writers_is_retried(store, neo4j_settings):
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
            s.transact(work)
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
