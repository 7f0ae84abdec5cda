"""The ingest log and its deriver (graph_api.derive.log) on the real Neo4j: batches are logged in
commit order, rounds coalesce them and leave the state a full rebuild leaves, a round that dies
before it moves the position is derived again, and the lease lets one process derive at a time."""

from __future__ import annotations

import time

import pytest

from graph_api.derive import LogDeriver, Touched, touched_by
from graph_api.derive.log import LeaseLost
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester
from graph_api.seed import SeedConfig
from graph_api.usecases import Trustgraph
from scoring.policy import default_policy
from tests.integration.test_incremental import diff
from tests.platforms import clock_first

pytestmark = pytest.mark.integration

POLICY = default_policy()


def platform() -> tuple[list[dict], int]:
    """A small seeded platform, with a first event at its last moment (as the incremental
    equality test does) so every round evaluates at the time the rebuild uses."""
    return clock_first(SeedConfig(seed=5, buyers=300, days=60))


def log_count(store) -> int:
    records, _, _ = store.driver.execute_query(
        "MATCH (b:IngestBatch) RETURN count(b) AS n", database_=store.database
    )
    return records[0]["n"]


def test_rounds_coalesce_batches_and_equal_the_full_rebuild(store, derived_state):
    events, last = platform()
    result = Ingester(store, 200).ingest(events)  # no deriver: the log keeps what to derive
    batches = -(-len(events) // 200)
    deriver = LogDeriver(store, POLICY, max_batches=7)
    before = deriver.positions()
    assert (before.ingested, before.derived, before.lag) == (batches, 0, batches)
    assert result.position == batches

    rounds = deriver.drain()
    assert [r.batches for r in rounds] == [min(7, batches - 7 * i) for i in range(len(rounds))]
    assert [(r.first, r.last) for r in rounds] == [
        (7 * i, min(7 * (i + 1), batches)) for i in range(len(rounds))
    ]
    after = deriver.positions()
    assert (after.derived, after.lag) == (batches, 0)
    assert log_count(store) == 0, "derived entries are dropped"
    # Coalescing: a shop named by several batches of a round is evaluated once in that round.
    per_batch = sum(len(touched_by(events[i : i + 200]).shops) for i in range(0, len(events), 200))
    assert sum(r.result.shops for r in rounds) < per_batch

    incremental = derived_state(store)
    rescore_all(store, POLICY, last)
    assert diff(incremental, derived_state(store)) == []


def test_a_chunk_whose_derived_state_moved_after_its_read_ahead_is_derived_in_place(
    store, derived_state
):
    # The deriver reads and scores a chunk before its write transaction; another writer of
    # derived state (a rebuild, ring marks) in between moves the counters the transaction
    # checks, and the chunk is read and scored again inside it. Here the "other writer" moves
    # the TRUST counter in every other write transaction of the round.
    events, last = platform()
    Ingester(store, 500).ingest(events)
    deriver = LogDeriver(store, POLICY)
    fence, calls = deriver.deriver.fence, []
    assert fence is not None

    def interfering(tx):
        fence(tx)
        calls.append(1)
        if len(calls) % 2 == 1:
            bump = "MERGE (c:Clock {id: 'trust'}) SET c.seq = coalesce(c.seq, 0) + 1"
            tx._tx.run(bump).consume()

    deriver.deriver.fence = interfering
    rounds = deriver.drain()
    assert rounds and deriver.positions().lag == 0
    assert deriver.deriver.redone > 0
    incremental = derived_state(store)
    rescore_all(store, POLICY, last)
    assert diff(incremental, derived_state(store)) == []


def test_a_round_that_dies_before_moving_the_position_is_derived_again(store, derived_state):
    events, last = platform()
    Ingester(store, 500).ingest(events)

    class DiesAfterDeriving(LogDeriver):
        def round(self):  # the derived state is written, then the process "dies"
            assert self.take_lease()
            entries = self.store.rows("derived/log_after", after=0, limit=self.max_batches)
            named = Touched()
            for entry in entries:
                named.update(Touched.from_log(entry))
            self.deriver.derive(named)  # (each transaction renews the lease)
            raise SystemExit(f"died holding {len(entries)} entries")

    dying = DiesAfterDeriving(store, POLICY, holder="dying", lease_seconds=2.0)
    with pytest.raises(SystemExit):
        dying.round()
    assert dying.positions().derived == 0
    survivor = LogDeriver(store, POLICY, holder="survivor")
    assert survivor.round() is None, "the dead holder's lease has not expired yet"
    time.sleep(2.2)
    rounds = survivor.drain()
    assert rounds and survivor.positions().lag == 0
    incremental = derived_state(store)
    rescore_all(store, POLICY, last)
    assert diff(incremental, derived_state(store)) == []


def test_a_deriver_that_lost_its_lease_writes_nothing_more(store):
    events, _ = platform()
    Ingester(store, 500).ingest(events)
    stalled = LogDeriver(store, POLICY, holder="stalled", lease_seconds=1.0)
    assert stalled.take_lease()
    time.sleep(1.2)  # it stalls past its lease; another process takes over
    other = LogDeriver(store, POLICY, holder="other", lease_seconds=30)
    assert other.take_lease()
    # It wakes up mid-round, with the round's batches in hand: its first write is refused.
    named = Touched()
    for entry in store.rows("derived/log_after", after=0, limit=1000):
        named.update(Touched.from_log(entry))
    with pytest.raises(LeaseLost):
        stalled.deriver.derive(named)
    assert stalled.round() is None and stalled.positions().derived == 0
    records, _, _ = store.driver.execute_query(
        "MATCH (b:Buyer) WHERE b.derivedAt IS NOT NULL RETURN count(b) AS n",
        database_=store.database,
    )
    assert records[0]["n"] == 0, "nothing derived by the deriver without the lease"
    assert other.drain() and other.positions().lag == 0


def test_one_holder_at_a_time_and_a_clean_stop_hands_over(store):
    a = LogDeriver(store, POLICY, holder="a", lease_seconds=30)
    b = LogDeriver(store, POLICY, holder="b", lease_seconds=30)
    assert a.take_lease() and a.take_lease(), "a holder renews its own lease"
    assert not b.take_lease()
    assert b.round() is None
    a.release()
    assert b.take_lease() and not a.take_lease()


def test_a_rebuild_at_the_clock_covers_the_logged_batches(store):
    events, _ = platform()
    Ingester(store, 1000).ingest(events)
    tg = Trustgraph(store, POLICY)
    assert LogDeriver(store, POLICY).positions().lag > 0
    tg.rescore()
    now = LogDeriver(store, POLICY).positions()
    assert now.lag == 0 and log_count(store) == 0
