"""Prometheus metrics of one service process (``/metrics``). With several workers each process
reports its own; scrape each, or sum in Prometheus."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from graph_api.derive import Round
from graph_api.store.pool import MemberStats
from graph_api.usecases.cards import CardCache
from schema.responses import ResponseCache

_KNOWN_PATHS = ("/graphql", "/healthz", "/readyz", "/metrics")


class _CardCacheCollector(Collector):
    """The badge-card cache's counters, read from it at each scrape."""

    def __init__(self, cards: CardCache, answers: ResponseCache | None) -> None:
        self.cards = cards
        self.answers = answers

    def collect(self) -> Iterator[Metric]:
        c = self.cards
        yield CounterMetricFamily(
            "trustgraph_card_cache_hits", "Badge cards answered from this process's cache", c.hits
        )
        yield CounterMetricFamily(
            "trustgraph_card_cache_misses", "Badge cards read from Neo4j", c.misses
        )
        yield CounterMetricFamily(
            "trustgraph_card_cache_dropped",
            "Cached badge cards dropped because derivation rewrote them",
            c.dropped,
        )
        yield GaugeMetricFamily("trustgraph_card_cache_entries", "Badge cards held", len(c))
        yield GaugeMetricFamily(
            "trustgraph_card_cache_fresh",
            "1 while the cache serves (its follower looked at the graph recently), else 0",
            int(c.fresh()),
        )
        if self.answers is not None:
            yield CounterMetricFamily(
                "trustgraph_answer_cache_hits",
                "Badge reads answered whole from this process's response cache",
                self.answers.hits,
            )
            yield GaugeMetricFamily(
                "trustgraph_answer_cache_entries", "Answers held", len(self.answers)
            )


class ReadServers(Collector):
    """The read pool's servers (TRUSTGRAPH_READ_URIS), read from the pool at each scrape."""

    def __init__(self, stats: Callable[[], Sequence[MemberStats]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        reads = CounterMetricFamily(
            "trustgraph_read_server_reads", "Reads each read server answered", labels=["uri"]
        )
        failures = CounterMetricFamily(
            "trustgraph_read_server_failovers",
            "Reads that failed over from a read server (connection errors)",
            labels=["uri"],
        )
        up = GaugeMetricFamily(
            "trustgraph_read_server_up", "1 unless the read server is marked down", labels=["uri"]
        )
        for m in self.stats():
            reads.add_metric([m.uri], m.reads)
            failures.add_metric([m.uri], m.failures)
            up.add_metric([m.uri], 1 if m.up else 0)
        yield from (reads, failures, up)


class Metrics:
    def __init__(
        self,
        read_servers: Callable[[], Sequence[MemberStats]] | None = None,
        cards: CardCache | None = None,
        answers: ResponseCache | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        if read_servers is not None:
            self.registry.register(ReadServers(read_servers))
        if cards is not None:
            self.registry.register(_CardCacheCollector(cards, answers))
        self.requests = Counter(
            "trustgraph_http_requests_total",
            "HTTP requests",
            ["path", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "trustgraph_http_request_seconds",
            "HTTP request duration",
            ["path"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "trustgraph_graphql_errors_total",
            "GraphQL errors by code",
            ["code"],
            registry=self.registry,
        )
        self.events = Counter(
            "trustgraph_events_total",
            "Events received by recordEvents, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.derive_rounds = Counter(
            "trustgraph_derive_rounds_total",
            "Rounds of derivation this process ran (each covers one or more logged batches)",
            registry=self.registry,
        )
        self.derive_batches = Counter(
            "trustgraph_derive_batches_total",
            "Logged ingest batches this process derived",
            registry=self.registry,
        )
        self.derive_seconds = Histogram(
            "trustgraph_derive_round_seconds",
            "Duration of a round of derivation",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.derived_position = Gauge(
            "trustgraph_derived_position",
            "Ingest log position derived state includes, after this process's last round",
            registry=self.registry,
        )
        self.subscriptions = Gauge(
            "trustgraph_subscriptions", "Open subscriptions in this process", registry=self.registry
        )

    def observe_round(self, r: Round) -> None:
        self.derive_rounds.inc()
        self.derive_batches.inc(r.batches)
        self.derive_seconds.observe(r.result.seconds)
        self.derived_position.set(r.last)

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        label = path if path in _KNOWN_PATHS else "other"  # bounded label values
        self.requests.labels(label, method, str(status)).inc()
        self.latency.labels(label).observe(seconds)

    def render(self, subscriptions: int) -> tuple[bytes, str]:
        self.subscriptions.set(subscriptions)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
