"""The write pipeline (graph_api/ingest/pipeline.py) that `import`, `seed` and `consume` share,
against the tests' Neo4j: batches written in order by one writer thread while the caller runs
ahead, results handed back in order in the caller's thread, a writer's error surfacing there,
drain and close."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from neo4j.exceptions import ClientError

from graph_api.events import validate_event
from graph_api.ingest import Ingester
from graph_api.ingest.pipeline import PipelineClosed, WritePipeline
from graph_api.ingest.plan import BatchResult
from graph_api.seed import SeedConfig, generate
from tests.streams import graph_events

pytestmark = pytest.mark.integration

Items = list[tuple[int, dict[str, Any]]]


def _batches(size: int, buyers: int = 60) -> list[Items]:
    """A small platform, validated, in time order, cut into batches: a later batch holds the
    deliveries and reviews of orders an earlier one placed."""
    events, _ = generate(SeedConfig(seed=5, buyers=buyers, days=20))
    items: Items = []
    for index, raw in enumerate(events):
        checked = validate_event(raw, index)
        assert isinstance(checked, dict)
        items.append((index, checked))
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_batches_are_written_in_order_in_one_thread_while_the_caller_runs_ahead(store):
    batches = _batches(20)
    assert len(batches) > 8
    ingester = Ingester(store, 20)
    caller = threading.get_ident()
    submitted = 0
    ahead: list[int] = []  # per write: batches the caller had submitted when it ended
    writers: set[int] = set()
    handed: list[int] = []
    results: list[BatchResult] = []

    def write(number: int) -> BatchResult:
        writers.add(threading.get_ident())
        result = ingester.write_valid(batches[number])
        ahead.append(submitted - number - 1)
        return result

    def done(number: int, result: BatchResult) -> None:
        assert threading.get_ident() == caller
        handed.append(number)
        results.append(result)

    with WritePipeline(write, done, depth=2) as pipeline:
        for number in range(len(batches)):
            submitted += 1
            pipeline.submit(number)
            assert pipeline.in_flight <= 2 + 2  # queued, being written, written not yet handed

    assert handed == list(range(len(batches)))  # every batch, in submission order
    assert writers and caller not in writers and len(writers) == 1
    assert max(ahead) >= 1  # the caller had the next batch in the queue while one was written
    # Deliveries found the orders an earlier batch placed: written strictly in order.
    assert sum(len(r.rejected) for r in results) == 0
    assert sum(len(r.accepted) for r in results) == sum(len(b) for b in batches)
    assert graph_events(store) == sum(len(b) for b in batches)


def test_a_writer_error_surfaces_in_the_caller_after_the_batches_before_it(store):
    batches = _batches(30)
    ingester = Ingester(store, 30)
    handed: list[int] = []

    def write(number: int) -> BatchResult:
        if number == 2:  # the database refuses this one
            store.driver.execute_query("RETURN no_such_function(1)", database_=store.database)
        return ingester.write_valid(batches[number])

    pipeline: WritePipeline[int, BatchResult] = WritePipeline(
        write, lambda number, _r: handed.append(number), depth=2
    )
    with pytest.raises(ClientError) as raised:
        for number in range(len(batches)):
            pipeline.submit(number)
        pipeline.drain()
    assert handed == [0, 1]  # what committed before the error was handed over first
    # Nothing behind the failed batch was written.
    assert graph_events(store) == len(batches[0]) + len(batches[1])
    # The pipeline stays failed: every later call raises the same error.
    for call in (pipeline.poll, pipeline.drain, lambda: pipeline.submit(0)):
        with pytest.raises(ClientError) as again:
            call()
        assert again.value is raised.value
    pipeline.close()
    with pytest.raises(PipelineClosed):
        pipeline.submit(0)
    assert graph_events(store) == len(batches[0]) + len(batches[1])


def test_drain_waits_for_every_queued_batch_and_close_drops_the_queued_ones(store):
    batches = _batches(25)
    ingester = Ingester(store, 25)
    gate = threading.Event()
    handed: list[int] = []

    def write(number: int) -> BatchResult:
        if number == 0:
            assert gate.wait(30)
        return ingester.write_valid(batches[number])

    pipeline: WritePipeline[int, BatchResult] = WritePipeline(
        write, lambda number, _r: handed.append(number), depth=2
    )
    for number in range(3):  # 0 is being written (held at the gate), 1 and 2 wait in the queue
        pipeline.submit(number)
    threading.Timer(0.3, gate.set).start()
    pipeline.drain()
    assert handed == [0, 1, 2] and pipeline.in_flight == 0
    assert graph_events(store) == sum(len(b) for b in batches[:3])

    gate.clear()
    # Batch 0 again (duplicates now) is held at the gate; 3 and 4 wait behind it.
    for number in (0, 3, 4):
        pipeline.submit(number)
    threading.Timer(0.3, gate.set).start()
    pipeline.close()  # waits for the batch being written, drops the queued ones
    assert handed == [0, 1, 2]  # close hands nothing over
    assert graph_events(store) == sum(len(b) for b in batches[:3])


def test_unthreaded_writes_in_the_callers_thread_and_hands_each_batch_over_at_once(store):
    batches = _batches(50)
    ingester = Ingester(store, 50)
    caller = threading.get_ident()
    handed: list[int] = []

    def write(number: int) -> BatchResult:
        assert threading.get_ident() == caller
        return ingester.write_valid(batches[number])

    with WritePipeline(write, lambda n, _r: handed.append(n), threaded=False) as pipeline:
        for number in range(len(batches)):
            pipeline.submit(number)
            assert handed[-1] == number and pipeline.in_flight == 0
    assert graph_events(store) == sum(len(b) for b in batches)
