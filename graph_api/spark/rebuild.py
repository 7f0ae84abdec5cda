"""`trustgraph rescore --engine spark`: the full rebuild computed by Spark from the event log.

What it computes and writes is what :func:`graph_api.derive.rescore_all` computes and writes
(``tests/spark/test_spark_rescore.py`` compares the two graphs property by property):

1. the accepted events of the log, JSONL or Parquet files or a Kafka topic
   (:mod:`graph_api.spark.events`);
2. the buyers' facts (:func:`graph_api.spark.facts.buyer_facts`), partitioned by buyer, scored by
   the buyer pass inside ``mapInArrow`` (:mod:`graph_api.spark.score`): every buyer's weight and
   every pair's trust;
3. the shops' and hosts' facts, joined with what step 2 computed (the weights and levels that
   ``rescore`` reads back from the graph after writing them), evaluated by the standing pass;
4. the rows are written back through the store's batched writes, the same
   ``cypher/derived/write_*.cypher`` queries as ``rescore`` (one write path; docs/scale-out.md
   says why not the Neo4j Connector for Apache Spark): buyers first, then shops, then hosts.

Two inputs are not facts of the event log and are read from the graph before the job: the ring
marks of ``trustgraph rings --apply`` (research state on the Buyer nodes) and the stored
Standing nodes (the badge state hysteresis starts from); both are small, one row per marked
buyer and per shop or host.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from graph_api.derive.log import advance_derived, read_positions
from graph_api.derive.rebuild import RescoreSummary
from graph_api.derive.standing import facts_since
from graph_api.spark import facts
from graph_api.spark.events import (
    EventLog,
    LogSummary,
    accepted_of,
    judged_events,
    summarize,
    validated_events,
)
from graph_api.spark.score import (
    BUYER_RESULT_SCHEMA,
    STANDING_RESULT_SCHEMA,
    WEIGHT,
    evaluate_entity_batches,
    score_buyer_batches,
)
from graph_api.store import Store
from scoring.pair_trust import HOST, SHOP
from scoring.policy import Policy

_WRITE_TRUST = {HOST: "derived/write_host_trust", SHOP: "derived/write_shop_trust"}
_BOOKKEEPING = ("rejection", "rejectedField", "message", "outcome")
_WRITE_STANDING = {SHOP: "derived/write_shop_standing", HOST: "derived/write_host_standing"}


@dataclass
class SparkRescore:
    """What the Spark rebuild did: the rescore's summary, what the log held, the as-of."""

    summary: RescoreSummary
    log: LogSummary
    partitions: int
    compute_seconds: float  # the Spark job up to the last row collected (writes overlap it)
    graph_events: int  # events the graph recorded (a warning when the log's count differs)
    # Seconds per step, in the order run (the checkpoints are eager, so each step's time is its
    # own): where a slow rebuild spends its time, without the Spark UI.
    stages: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary.to_dict(),
            "engine": "spark",
            "partitions": self.partitions,
            "log": self.log.to_dict(),
            "graphEvents": self.graph_events,
            "computeSeconds": round(self.compute_seconds, 3),
            "stageSeconds": {k: round(v, 3) for k, v in self.stages.items()},
        }


def _graph_state(spark: SparkSession, store: Store) -> tuple[DataFrame, DataFrame]:
    marks = spark.createDataFrame(
        [
            (r["buyerId"], r["ringId"], list(r["ringTargets"] or ()))
            for r in store.rows("spark/ring_marks")
        ],
        "buyerId string, ringId string, ringTargets array<string>",
    )
    standings = spark.createDataFrame(
        [
            (r["id"], (r["asOf"], r["state"], r["previousState"]))
            for r in store.rows("spark/stored_standings")
        ],
        "id string, standing struct<asOf: bigint, state: string, previousState: string>",
    )
    return marks, standings


def _batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    page: list[Any] = []
    for r in rows:
        page.append(r)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def spark_rescore(
    spark: SparkSession,
    store: Store,
    policy: Policy,
    source: EventLog,
    *,
    as_of: int | None = None,
    partitions: int = 4,
    batch_rows: int = 10_000,
    now_ms: int | None = None,
    skew_ms: int = 300_000,
    progress: Callable[[int], object] | None = None,
    on_log: Callable[[LogSummary, int], object] | None = None,
    stages: dict[str, float] | None = None,
) -> SparkRescore | None:
    """Rebuild all derived state of ``store`` as of ``as_of`` (default: the graph's clock, as
    ``rescore``; on a graph without one, the log's latest event) from the event log ``source``
    (event files in log order, or a :class:`~graph_api.spark.events.TopicLog`). ``progress`` is
    called with the number of buyers, shops or hosts written; ``on_log`` with what the log held
    and the as-of, before scoring starts; ``stages`` (if given) is filled with each step's
    seconds as it ends, so that a job cancelled half-way still says where its time went. None
    when the log accepts no event."""
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    started = time.perf_counter()
    now = int(time.time() * 1000) if now_ms is None else now_ms
    logged = read_positions(store).ingested
    clock = store.latest_event_at()
    graph_events = int(store.rows("spark/event_count")[0]["events"])

    stages = {} if stages is None else stages
    mark = [time.perf_counter()]

    def lap(name: str) -> None:
        t = time.perf_counter()
        stages[name] = stages.get(name, 0.0) + t - mark[0]
        mark[0] = t

    # Checkpoints cut the plans: every later stage reads the accepted events several times, and
    # without them each read would carry (and Spark would print, plan and run) the whole
    # validation and acceptance lineage again.
    validated = validated_events(spark, source).localCheckpoint()
    lap("read and validate")
    judged = judged_events(validated, now, skew_ms).localCheckpoint()
    lap("judge")
    log = summarize(judged)
    accepted = accepted_of(judged).drop(*_BOOKKEEPING).localCheckpoint()
    lap("count and accept")
    if log.accepted == 0:
        return None
    at = as_of if as_of is not None else (clock if clock is not None else log.latest_at)
    assert at is not None
    if on_log is not None:
        on_log(log, at)
    summary = RescoreSummary(as_of=at, policy_version=policy.version)

    marks, standings = _graph_state(spark, store)
    order_rows = facts.orders(accepted).localCheckpoint()
    lap("orders")
    buyer_rows = facts.buyer_facts(accepted, order_rows, at, marks).repartition(
        partitions, "buyerId"
    )
    scored = buyer_rows.mapInArrow(
        partial(score_buyer_batches, policy=policy, as_of=at), BUYER_RESULT_SCHEMA
    ).localCheckpoint()
    lap("buyer facts and scoring")

    registered = (
        accepted.filter(F.col("type") == "BUYER_REGISTERED")
        .groupBy("buyerId")
        .agg(F.min("at").alias("registeredAt"))
    )
    buyer_state = (
        scored.filter(F.col("what") == WEIGHT)
        .select("buyerId", "weight", "credibility", "targetCredibility", "shops", "hosts")
        .join(registered, "buyerId", "left")
        .join(marks.select("buyerId", "ringTargets"), "buyerId", "left")
    )
    since, violation_since = facts_since(policy, at)
    evaluated = {}
    for kind in (SHOP, HOST):
        levels = scored.filter(F.col("what") == kind).select("buyerId", "targetId", "level")
        rows = facts.entity_facts(
            accepted, order_rows, kind, at, since, violation_since, buyer_state, levels, standings
        ).repartition(partitions, "id")
        evaluated[kind] = rows.mapInArrow(
            partial(evaluate_entity_batches, kind=kind, policy=policy, as_of=at),
            STANDING_RESULT_SCHEMA,
        )

    compute_done = [0.0]

    def buyer_pages() -> Iterator[list[tuple[str, dict[str, Any]]]]:
        rows = scored.select("what", "buyerId", "level", "weight", "row").toLocalIterator(
            prefetchPartitions=True
        )
        for page in _batched(rows, batch_rows):
            yield [(r["what"], _count_buyer(summary, r)) for r in page]
        compute_done[0] = time.perf_counter()

    with_pairs: set[str] = set()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trustgraph-spark-write") as pool:
        writing: Future[None] | None = None

        def submit(writes: list[tuple[str, list[dict[str, Any]]]], done: int) -> None:
            nonlocal writing
            if writing is not None:
                writing.result()  # one write in flight: the next page is collected meanwhile

            def run() -> None:
                store.write_all(writes)
                if progress is not None and done:
                    progress(done)

            writing = pool.submit(run)

        for page in buyer_pages():
            grouped: dict[str, list[dict[str, Any]]] = {}
            for what, row in page:
                grouped.setdefault(what, []).append(row)
                if what != WEIGHT:
                    with_pairs.add(row["buyerId"])
            weights = grouped.get(WEIGHT, [])
            submit(
                [
                    ("derived/write_buyer_weights", weights),
                    (_WRITE_TRUST[HOST], grouped.get(HOST, [])),
                    (_WRITE_TRUST[SHOP], grouped.get(SHOP, [])),
                ],
                len(weights),
            )
        lap("buyer writes")
        # Standings only after every buyer's weight and trust is in place (like rescore: a
        # reader of the graph sees the shops' standing move after the buyers').
        for kind in (SHOP, HOST):
            standing_rows = evaluated[kind].toLocalIterator(prefetchPartitions=True)
            for standings_page in _batched(standing_rows, max(1, batch_rows // 20)):
                records = [json.loads(r["row"]) for r in standings_page]
                for r in standings_page:
                    summary.standings[kind] += 1
                    for badge in r["badges"]:
                        summary.badges[f"{kind}:{badge}"] += 1
                    summary.tiers[f"{kind}:{r['tier']}"] += 1
                submit([(_WRITE_STANDING[kind], records)], len(records))
            lap(f"{kind.lower()} standings")
        compute_done[0] = max(compute_done[0], time.perf_counter())
        if writing is not None:
            writing.result()
        lap("last write")
    summary.buyers_with_pairs = len(with_pairs)
    for df in (scored, order_rows, accepted, judged):
        df.unpersist()
    if logged and clock is not None and at >= clock:
        advance_derived(store, logged)
    summary.seconds = time.perf_counter() - started
    return SparkRescore(
        summary=summary,
        log=log,
        partitions=partitions,
        compute_seconds=compute_done[0] - started,
        graph_events=graph_events,
        stages=stages,
    )


def _count_buyer(summary: RescoreSummary, r: Any) -> dict[str, Any]:
    """Count one buyer result row in the summary (as ``rescore`` counts its pages) and return its
    write row."""
    if r["what"] == WEIGHT:
        summary.buyers += 1
        if r["weight"] < 1.0:
            summary.reweighted += 1
    else:
        summary.pairs[r["what"]] += 1
        summary.levels.setdefault(r["what"], Counter())[r["level"]] += 1
    return json.loads(r["row"])
