"""A real NoThreadsAvailable: the test holds every Bolt worker thread of the session's Neo4j with
open transactions, so the service's queries are refused by the server as they would be under a
load larger than its thread pool. The driver retries within its bound, then the client gets
HTTP 503, Retry-After and SERVICE_UNAVAILABLE, never INTERNAL_SERVER_ERROR; once the threads are
free again the same requests succeed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import TransientError

from tests.e2e.test_ingest_and_subscriptions import RECORD, order_events

pytestmark = pytest.mark.integration


class ThreadHog:
    """Open transactions that each hold one Bolt thread of the server until released; a
    background loop takes every thread that comes free (a poller's, say) while it runs."""

    def __init__(self, settings: Any, limit: int) -> None:
        self.driver = GraphDatabase.driver(
            settings.bolt_uri,
            auth=(settings.neo4j_user, settings.neo4j_password),
            max_connection_pool_size=limit + 20,
        )
        self.limit = limit + 10
        self.held: list[tuple[Any, Any]] = []
        self.refusals = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _grab(self) -> bool:
        session = self.driver.session(database="neo4j")
        try:
            tx = session.begin_transaction()
            tx.run("RETURN 1").consume()
        except TransientError as exc:
            session.close()
            assert exc.code == "Neo.TransientError.Request.NoThreadsAvailable", exc.code
            self.refusals += 1
            return False
        self.held.append((session, tx))
        return True

    def _loop(self) -> None:
        while not self.stop.is_set() and len(self.held) < self.limit:
            if not self._grab():
                time.sleep(0.01)

    def __enter__(self) -> ThreadHog:
        while len(self.held) < self.limit and self._grab():
            pass
        assert self.refusals == 1, "the server's Bolt threads were not all taken"
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Release every thread (once: a test may release them before the fixture does)."""
        if self.stop.is_set():
            return
        self.stop.set()
        self.thread.join(timeout=10)
        for session, tx in self.held:
            tx.close()
            session.close()
        self.driver.close()


@pytest.fixture()
def every_thread_taken(neo4j_settings, _session_store) -> Iterator[ThreadHog]:
    if not neo4j_settings.uses_local_neo4j:
        pytest.skip("needs the session's own Neo4j, whose Bolt thread pool trustgraph sizes")
    _session_store.wipe()
    # Let the service's follower see the emptied graph (one poll; docs/api.md) and drop what its
    # caches kept of earlier tests, so that the reads below reach Neo4j instead of a kept answer.
    time.sleep(2.0)
    with ThreadHog(neo4j_settings, neo4j_settings.neo4j_bolt_threads) as hog:
        yield hog


def refused(send, what: str, tries: int = 5):
    """Send a request until the server refuses it for want of threads (at most ``tries`` times).
    While every Bolt thread is held, a thread can still come free for a moment (the service's own
    change-feed poll ends its query) and a retry of the driver can take it before the hog does:
    the request then succeeds, which is the retry working. Anything else than a success or the
    documented 503 fails the test, and so does never seeing the 503."""
    for _ in range(tries):
        r = send()
        if r.status_code == 503:
            return r
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), (what, r.status_code, body)
    pytest.fail(f"{what}: {tries} tries while every thread was held, none refused")


def test_no_threads_available_is_503_with_retry_after_then_recovers(client, every_thread_taken):
    events = order_events("busy", "b1", "h1", "s1", 3)
    started = time.monotonic()
    # A read may be answered from the process's caches without Neo4j (in the full suite it is:
    # the answer to this query is kept from earlier tests), so it must be a success or the 503;
    # the write always reaches Neo4j and must be refused.
    read = client.post('{ shop(id: "s1") { id } }')
    answered = [read] if read.status_code == 503 else []
    if not answered:
        assert read.status_code == 200 and not read.json().get("errors"), read.json()
    write = refused(lambda: client.post(RECORD, {"events": events}, role="INGEST"), "the write")
    health = client.http.get("/healthz")
    elapsed = time.monotonic() - started
    for r in (*answered, write):
        body = r.json()
        assert r.status_code == 503, body
        assert r.headers["retry-after"] == "1"
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"], body
        assert body["errors"][0]["message"] == "the graph database is busy; try again in 1 s"
    assert health.status_code == 200  # the process itself is fine
    assert elapsed < 60, f"the retries were not bounded ({elapsed:.1f} s)"
    assert every_thread_taken.refusals >= 1

    every_thread_taken.__exit__()  # the load is gone
    assert client.gql('{ shop(id: "s1") { id } }', role=None) == {"shop": None}
    done = client.gql(RECORD, {"events": events}, role="INGEST")["recordEvents"]
    # Recorded now, or by a try above that found a thread (a replay is a duplicate).
    assert done["accepted"] + done["duplicates"] == 3, done
