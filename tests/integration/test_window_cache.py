"""The deriver's window cache (graph_api.derive.windows.WindowCache) on the real Neo4j: after every
round, each cached shop's and host's record is the record the facts query reads from the graph,
field for field; rounds read records in full only the first time; and a write of derived state by
anyone else (here a full rebuild) makes the next round forget the cache."""

from __future__ import annotations

import pytest

from graph_api.derive import LogDeriver
from graph_api.derive.rebuild import rescore_all
from graph_api.derive.standing import facts_since
from graph_api.ingest import Ingester
from graph_api.seed import SeedConfig
from scoring.pair_trust import HOST, SHOP
from scoring.policy import default_policy
from tests.integration.test_incremental import diff
from tests.platforms import clock_first

pytestmark = pytest.mark.integration

POLICY = default_policy()


def _fields(record) -> dict:
    """A record's fields, its orders and buyers by id (a failure then says which one differs)."""
    out = {f: getattr(record, f) for f in record.__dataclass_fields__}
    out["orders"] = {o.order_id: o for o in record.orders}
    out["buyers"] = {b.buyer_id: b for b in record.buyers}
    return out


def cached_against_read(store, deriver: LogDeriver, as_of: int) -> int:
    """Compare every cached record with the graph's; return how many were compared."""
    windows = deriver.deriver.windows
    assert windows is not None
    since, violation_since = facts_since(POLICY, as_of)
    compared = 0
    for kind in (SHOP, HOST):
        ids = windows.ids(kind)
        read = {
            r.entity_id: r for r in store.entity_records(kind, ids, as_of, since, violation_since)
        }
        for p in store.entity_profile_stream(kind, ids, as_of, violation_since):
            cached = windows.record(p, since, as_of)
            assert _fields(cached) == _fields(read[p.entity_id]), f"{kind} {p.entity_id}"
            assert cached == read[p.entity_id], "in the same order"
            compared += 1
    return compared


def test_cached_windows_are_the_records_the_graph_holds_after_every_round(store, derived_state):
    events, last = clock_first(SeedConfig(seed=5, buyers=300, days=60, brushing_rings=1))
    ingester = Ingester(store, 100)
    deriver = LogDeriver(store, POLICY, max_batches=5)
    windows = deriver.deriver.windows
    assert windows is not None
    compared = 0
    for start in range(0, len(events), 1200):
        ingester.ingest(events[start : start + 1200])
        assert deriver.drain()
        compared += cached_against_read(store, deriver, last)
    assert compared > 20
    assert windows.hits > windows.fills > 0, (windows.hits, windows.fills)

    incremental = derived_state(store)
    rescore_all(store, POLICY, last)
    assert diff(incremental, derived_state(store)) == []


def test_a_rebuild_by_another_writer_makes_the_next_round_forget_the_cache(store):
    events, last = clock_first(SeedConfig(seed=6, buyers=200, days=45))
    half = len(events) // 2
    ingester = Ingester(store, 200)
    deriver = LogDeriver(store, POLICY)
    windows = deriver.deriver.windows
    assert windows is not None
    ingester.ingest(events[:half])
    deriver.drain()
    assert len(windows) > 0
    fills = windows.fills

    # A rebuild at an earlier time: every weight, pair and standing it writes differs from what
    # the cache holds. The next round must not join the cache with them.
    rescore_all(store, POLICY, last - 20 * 86_400_000)
    ingester.ingest(events[half:])
    deriver.drain()
    assert windows.fills > fills, "the cache was dropped and records read again"
    assert cached_against_read(store, deriver, last) > 0
