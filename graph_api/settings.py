"""Settings, read once from the environment into a frozen object.

Nothing else in trustgraph reads ``os.environ``: the CLI and the app factory call
:func:`load_settings` once and pass the result on, so tests inject their own values.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from graph_api.auth import KeyTable, load_keys
from graph_api.errors import ConfigError

NEO4J_VERSION = "5.26.30"  # pinned LTS patch; 2025.x needs Java 21, these machines have 17
KAFKA_VERSION = "4.4.0"  # the local KRaft broker of `trustgraph kafka start` (Maven Central)

_SIZE = re.compile(r"^\d+[kmgKMG]?$")
_DURATION = re.compile(r"^(\d+)(ms|s|m|h)?$")
_DURATION_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):(\d{2})$")

# Who may introspect the schema (``__schema``, ``__type``): callers with a key (any role), anyone,
# or nobody.
INTROSPECTION_MODES = ("keys", "public", "off")
DERIVE_MODES = ("async", "inline", "off")
# Where recordEvents writes (issue 14): "graph", the ingestion path into Neo4j; "kafka", onto
# the event topic, acknowledged when Kafka has the events (consumers record them in the graph).
INGEST_MODES = ("graph", "kafka")
_NEO4J_URI = re.compile(r"^(bolt|neo4j)(\+s|\+ssc)?://[^\s,]+$")
MAX_READ_URIS = 16


@dataclass(frozen=True)
class Limits:
    """What one GraphQL request may ask for (rejections carry QUERY_TOO_COMPLEX, BAD_USER_INPUT,
    BAD_REQUEST or PAYLOAD_TOO_LARGE; docs/api.md, Limits)."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_fragments: int = 50
    max_body_bytes: int = 4 * 1024 * 1024
    max_anonymous_body_bytes: int = 64 * 1024
    max_json_depth: int = 64
    introspection: str = "keys"  # one of INTROSPECTION_MODES
    max_page_size: int = 100
    max_batch_targets: int = 1000
    max_events_per_call: int = 1000
    max_badge_ids: int = 200
    # A research call (funnel, ranking, rings, export, simulate...) may run this long in all, its
    # Neo4j queries included (each gets what is left as its transaction timeout): QUERY_TIMEOUT.
    research_timeout_s: float = 60.0


# Kafka client settings that trustgraph sets itself: TRUSTGRAPH_KAFKA_CONFIG_* may not override
# them (the offsets are committed by hand after each graph transaction; the group is configured).
_KAFKA_OWNED = (
    "bootstrap.servers",
    "group.id",
    "group.instance.id",
    "enable.auto.commit",
    "enable.auto.offset.store",
)
_KAFKA_CONFIG_PREFIX = "TRUSTGRAPH_KAFKA_CONFIG_"
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


@dataclass(frozen=True)
class KafkaSettings:
    """The event stream of ``trustgraph consume`` and the local broker of ``trustgraph kafka``.
    Nothing else uses them: without Kafka configured every other command works as before."""

    # An existing cluster ("host:port,host:port"). None: the local broker on 127.0.0.1:port.
    bootstrap: str | None = None
    topics: tuple[str, ...] = ("trustgraph.events",)
    group: str = "trustgraph"
    # Static group membership (group.instance.id): a restarted consumer takes its old place at
    # once instead of waiting for the session timeout. None: "<group>-<hostname>".
    instance_id: str | None = None
    dlq_topic: str = "trustgraph.events.dlq"
    # Passed through to the client (security settings: security.protocol, sasl.*, ssl.*).
    client_config: tuple[tuple[str, str], ...] = ()
    session_timeout_ms: int = 45_000
    # The consumer's own Prometheus endpoint (lag, throughput); None: none.
    metrics_port: int | None = None
    # The local broker: ports on 127.0.0.1, home (None: <cache_dir>/kafka-instance), JVM heap.
    port: int = 9092
    controller_port: int = 9093
    home: Path | None = None
    heap_size: str = "512m"
    # Test hook (TRUSTGRAPH_TEST_KAFKA_CRASH_AFTER_BATCHES): the consumer exits abruptly right
    # after this many graph commits, before their offsets are committed: the crash that
    # at-least-once delivery must survive.
    crash_after_batches: int | None = None
    # recordEvents in TRUSTGRAPH_INGEST=kafka: the topic it produces to (None: the first of
    # ``topics``) and how long it waits for Kafka's acknowledgement before SERVICE_UNAVAILABLE.
    produce_topic: str | None = None
    produce_timeout_ms: int = 10_000

    @property
    def topic_out(self) -> str:
        """The topic recordEvents produces to in TRUSTGRAPH_INGEST=kafka."""
        return self.produce_topic or self.topics[0]

    @property
    def bootstrap_servers(self) -> str:
        return self.bootstrap or f"127.0.0.1:{self.port}"

    @property
    def uses_local_broker(self) -> bool:
        return self.bootstrap is None


@dataclass(frozen=True)
class Settings:
    # An existing server. When ``neo4j_uri`` is None trustgraph runs its own local Neo4j.
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    # The local Neo4j that trustgraph installs (jars in cache_dir) and runs (in neo4j_home).
    cache_dir: Path
    neo4j_home: Path
    bolt_port: int
    http_port: int
    heap_size: str
    pagecache_size: str
    # Ingestion
    batch_size: int
    # Scoring: a policy file of one's own (None: the policy shipped with the package)
    policy_path: Path | None = None
    # The GraphQL service
    api_keys: KeyTable = field(default_factory=KeyTable)
    graphiql: bool = True
    limits: Limits = field(default_factory=lambda: Limits())
    change_poll_ms: int = 250  # how often each process reads the change log for subscribers
    # Badge cards kept per process (graph_api.usecases.cards); 0 turns the cache off.
    card_cache_size: int = 100_000
    # Derivation (issue 12): "inline" (the default) derives before recordEvents answers;
    # "async" acknowledges ingested events when they are durable and derives right after, in
    # the background; "off" leaves it to another process (`trustgraph derive --follow`).
    derive_mode: str = "inline"
    derive_poll_ms: int = 50  # how often an idle deriver looks at the ingest log
    derive_wait_ms: int = 10_000  # how long recordEvents(waitForDerived: true) waits at most
    derive_lease_ms: int = 15_000  # how long a deriver's lease outlives its last round
    # Shop and host window orders a log deriver keeps between rounds (graph_api.derive.windows;
    # about 0.7 GB at the default, LogDeriver's own); 0 reads every record in full each round.
    derive_window_orders: int = 1_000_000
    # False in the workers of `trustgraph serve`, which runs the deriver as a process of its own
    # beside them (scoring in a worker's thread would hold the interpreter the requests need).
    derive_in_process: bool = True
    # `trustgraph rescore --engine spark`: the Spark master (local[N] runs in this process's JVM)
    spark_master: str = "local[2]"
    # The clock rule: an event dated later than the wall clock plus this is refused (FUTURE_EVENT),
    # so one event cannot move the graph's clock (and every default asOf) into the future.
    max_clock_skew_ms: int = 5 * 60_000
    # The driver's connection pool, and the Bolt worker threads of the local Neo4j: a pool larger
    # than the server's threads gets NoThreadsAvailable under load, so they are checked together.
    neo4j_pool_size: int = 8
    neo4j_bolt_threads: int = 32
    # The zone in which periods and times are shown (funnel periods start at its midnight).
    timezone: str = "Asia/Shanghai"
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    # Browser pages of other origins that may call the API (CORS and WebSocket handshakes):
    # empty, none but the service's own pages; "*" any origin.
    cors_origins: tuple[str, ...] = ()
    cors_credentials: bool = False  # Access-Control-Allow-Credentials (cookies, HTTP auth)
    # How long a browser or a CDN may keep a successful GET read made without a key (seconds);
    # after that it revalidates with If-None-Match (304 when nothing changed).
    get_max_age: int = 5
    # "graph" (the default): recordEvents records in Neo4j; "kafka": it produces to the topic.
    ingest_mode: str = "graph"
    # Neo4j servers the service spreads its reads over (TRUSTGRAPH_READ_URIS, the same user and
    # password as NEO4J_URI): replicas fed by consumer groups of their own. Empty: reads go to
    # the one server of NEO4J_URI (or the local one), as writes do.
    read_uris: tuple[str, ...] = ()

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def child_environment(
        self, base: Mapping[str, str] | None = None, **extra: str
    ) -> dict[str, str]:
        """The environment of a child process (a ``trustgraph`` command, a benchmark worker) that
        uses the same Neo4j as these settings and nothing else of this configuration: ``base``
        (default: this process's environment) without its ``NEO4J_*`` and ``TRUSTGRAPH_*``
        variables, then the connection, then ``extra`` (``TRUSTGRAPH_API_KEYS=...``, say)."""
        env = {
            k: v
            for k, v in (os.environ if base is None else base).items()
            if not k.startswith(("NEO4J_", "TRUSTGRAPH_"))
        }
        env.update(
            NEO4J_URI=self.bolt_uri,
            NEO4J_USER=self.neo4j_user,
            NEO4J_PASSWORD=self.neo4j_password,
            NEO4J_DATABASE=self.neo4j_database,
        )
        env.update(extra)
        return env


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, raw, f"an integer between {lo} and {hi}") from None
    if not lo <= value <= hi:
        raise ConfigError(name, raw, f"an integer between {lo} and {hi}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, raw, "true or false (1/0, yes/no, on/off)")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ConfigError(name, raw, "one of " + ", ".join(choices))
    return value


def _size(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    if not _SIZE.match(raw):
        raise ConfigError(name, raw, "a memory size such as 512m or 2g")
    return raw.lower()


def _duration_ms(env: Mapping[str, str], name: str, default: str, hi_ms: int) -> int:
    """A duration such as 300ms, 30s, 5m or 1h (a bare number is seconds), in milliseconds."""
    raw = env.get(name) or default
    m = _DURATION.match(raw.strip())
    expected = f"a duration such as 30s, 5m or 1h, at most {hi_ms // 1000:,}s"
    if m is None:
        raise ConfigError(name, raw, expected)
    value = int(m.group(1)) * _DURATION_MS[m.group(2) or "s"]
    if value > hi_ms:
        raise ConfigError(name, raw, expected)
    return value


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    """An IANA zone name (Asia/Shanghai, UTC) or a fixed offset (+08:00)."""
    raw = (env.get(name) or default).strip()
    if _OFFSET.match(raw):
        return raw.removeprefix("UTC")
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            name, raw, "a time zone name such as Asia/Shanghai or UTC, or an offset such as +08:00"
        ) from None
    return raw


def zone(name: str) -> tzinfo:
    """The tzinfo of a validated TRUSTGRAPH_TIMEZONE value (a fixed offset or an IANA name)."""
    m = _OFFSET.match(name)
    if m is None:
        return zoneinfo.ZoneInfo(name)
    sign = 1 if m.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))


def check_pool(pool_size: int, bolt_threads: int, local: bool) -> None:
    """The driver's pool must not be larger than the local server's Bolt threads: the extra
    connections would only be refused with NoThreadsAvailable under load. (A server of one's own
    has its own ``server.bolt.thread_pool_max_size``; docs/operations.md.)"""
    if local and pool_size > bolt_threads:
        raise ConfigError(
            "TRUSTGRAPH_NEO4J_POOL_SIZE",
            pool_size,
            f"at most TRUSTGRAPH_NEO4J_BOLT_THREADS ({bolt_threads}), the local Neo4j's Bolt "
            "threads: a larger pool only gets NoThreadsAvailable under load",
        )


def _kafka_topics(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    topics = tuple(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))
    if not topics or not all(_TOPIC.match(t) for t in topics):
        raise ConfigError(name, raw, "topic names (letters, digits, . _ -), comma-separated")
    return topics


def _kafka_name(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not _TOPIC.match(raw):
        raise ConfigError(name, raw, "a name of letters, digits, . _ - (at most 249)")
    return raw


def _kafka_client_config(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """TRUSTGRAPH_KAFKA_CONFIG_SASL_MECHANISM=PLAIN -> ("sasl.mechanism", "PLAIN"), sorted."""
    out: dict[str, str] = {}
    for name, value in env.items():
        if not name.startswith(_KAFKA_CONFIG_PREFIX):
            continue
        key = name[len(_KAFKA_CONFIG_PREFIX) :].lower().replace("_", ".")
        if not re.match(r"^[a-z][a-z0-9.]*[a-z0-9]$", key):
            raise ConfigError(
                name, "***", "a client setting such as TRUSTGRAPH_KAFKA_CONFIG_SASL_MECHANISM"
            )
        if key in _KAFKA_OWNED:
            raise ConfigError(
                name, "***", f"no {key}: trustgraph sets it (TRUSTGRAPH_KAFKA_BOOTSTRAP, _GROUP...)"
            )
        out[key] = value
    return tuple(sorted(out.items()))


def load_kafka_settings(env: Mapping[str, str], cache_dir: Path) -> KafkaSettings:
    bootstrap = env.get("TRUSTGRAPH_KAFKA_BOOTSTRAP") or None
    if bootstrap is not None and not all(_HOST_PORT.match(b.strip()) for b in bootstrap.split(",")):
        raise ConfigError("TRUSTGRAPH_KAFKA_BOOTSTRAP", bootstrap, "host:port[,host:port...]")
    metrics_port = _int(env, "TRUSTGRAPH_KAFKA_METRICS_PORT", 0, 0, 65535)
    crash_after = _int(env, "TRUSTGRAPH_TEST_KAFKA_CRASH_AFTER_BATCHES", 0, 0, 1_000_000)
    instance_id = env.get("TRUSTGRAPH_KAFKA_INSTANCE_ID") or None
    if instance_id is not None:
        instance_id = _kafka_name(env, "TRUSTGRAPH_KAFKA_INSTANCE_ID", instance_id)
    topics = _kafka_topics(env, "TRUSTGRAPH_KAFKA_TOPICS", KafkaSettings.topics)
    dlq = _kafka_name(env, "TRUSTGRAPH_KAFKA_DLQ_TOPIC", KafkaSettings.dlq_topic)
    if dlq in topics:
        raise ConfigError(
            "TRUSTGRAPH_KAFKA_DLQ_TOPIC", dlq, "a topic that is not one of TRUSTGRAPH_KAFKA_TOPICS"
        )
    produce_topic = env.get("TRUSTGRAPH_KAFKA_PRODUCE_TOPIC") or None
    if produce_topic is not None:
        produce_topic = _kafka_name(env, "TRUSTGRAPH_KAFKA_PRODUCE_TOPIC", produce_topic)
        if produce_topic == dlq:
            raise ConfigError(
                "TRUSTGRAPH_KAFKA_PRODUCE_TOPIC",
                produce_topic,
                "an event topic, not the dead-letter topic TRUSTGRAPH_KAFKA_DLQ_TOPIC",
            )
    return KafkaSettings(
        bootstrap=bootstrap,
        topics=topics,
        group=_kafka_name(env, "TRUSTGRAPH_KAFKA_GROUP", KafkaSettings.group),
        instance_id=instance_id,
        dlq_topic=dlq,
        client_config=_kafka_client_config(env),
        session_timeout_ms=_int(env, "TRUSTGRAPH_KAFKA_SESSION_TIMEOUT_MS", 45_000, 6000, 300_000),
        metrics_port=metrics_port or None,
        port=_int(env, "TRUSTGRAPH_KAFKA_PORT", 9092, 1, 65535),
        controller_port=_int(env, "TRUSTGRAPH_KAFKA_CONTROLLER_PORT", 9093, 1, 65535),
        home=Path(env.get("TRUSTGRAPH_KAFKA_HOME") or cache_dir / "kafka-instance").expanduser(),
        heap_size=_size(env, "TRUSTGRAPH_KAFKA_HEAP", "512m"),
        crash_after_batches=crash_after or None,
        produce_topic=produce_topic,
        produce_timeout_ms=_duration_ms(env, "TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT", "10s", 300_000),
    )


def _ingest_mode(env: Mapping[str, str], kafka: KafkaSettings) -> str:
    mode = _choice(env, "TRUSTGRAPH_INGEST", "graph", INGEST_MODES)
    if mode != "kafka" and kafka.produce_topic is not None:
        # A produce topic without the mode would silently write to the graph instead.
        raise ConfigError(
            "TRUSTGRAPH_INGEST",
            env.get("TRUSTGRAPH_INGEST", ""),
            "kafka when TRUSTGRAPH_KAFKA_PRODUCE_TOPIC is set (or unset the topic)",
        )
    return mode


def _read_uris(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of bolt:// or neo4j:// URIs, each named in the error if malformed."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return ()
    uris = [u.strip() for u in raw.split(",")]
    expected = (
        "Neo4j URIs such as bolt://10.0.0.5:7687,bolt://10.0.0.6:7687 separated by commas "
        f"(at most {MAX_READ_URIS}, each once; the same user and password as NEO4J_URI)"
    )
    for position, uri in enumerate(uris, 1):
        if not _NEO4J_URI.match(uri):
            problem = "is empty" if uri == "" else f"{uri!r} is not a bolt:// or neo4j:// URI"
            raise ConfigError(name, raw, f"{expected}; entry {position} {problem}")
    if len(set(uris)) != len(uris):
        raise ConfigError(name, raw, f"{expected}; a URI is listed twice")
    if len(uris) > MAX_READ_URIS:
        raise ConfigError(name, raw, expected)
    return tuple(uris)


# scheme://host[:port], the host a name or an IPv4 address, or an IPv6 address in brackets
_ORIGIN = re.compile(r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated allow-list of origins as browsers send them (scheme, host and port,
    nothing else), or "*" alone."""
    raw = env.get(name) or ""
    origins = tuple(o.strip() for o in raw.split(",") if o.strip())
    if origins == ("*",):
        return origins
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ConfigError(
                name,
                raw,
                f"origins such as https://shop.example.com or http://127.0.0.1:3000 separated by "
                f"commas (scheme, host and optional port; no path or trailing slash), or * alone; "
                f"{origin!r} is not one",
            )
    return tuple(o.lower() for o in origins)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from ``environ`` (default: the process environment) and validate it."""
    env = os.environ if environ is None else environ
    cache_dir = Path(
        env.get("TRUSTGRAPH_CACHE_DIR") or Path.home() / ".cache" / "trustgraph"
    ).expanduser()
    home = Path(env.get("TRUSTGRAPH_NEO4J_HOME") or cache_dir / "instance").expanduser()
    uri = env.get("NEO4J_URI") or None
    if uri is not None and not _NEO4J_URI.match(uri):
        raise ConfigError("NEO4J_URI", uri, "a URI such as bolt://host:7687 or neo4j+s://host")
    password = env.get("NEO4J_PASSWORD", "trustgraph")
    if uri is None and len(password) < 8:
        # Neo4j 5 refuses initial passwords shorter than 8 characters.
        raise ConfigError("NEO4J_PASSWORD", "***", "at least 8 characters for the local Neo4j")
    pool_size = _int(env, "TRUSTGRAPH_NEO4J_POOL_SIZE", 8, 1, 1000)
    bolt_threads = _int(env, "TRUSTGRAPH_NEO4J_BOLT_THREADS", 32, 2, 10_000)
    check_pool(pool_size, bolt_threads, uri is None)
    origins = _origins(env, "TRUSTGRAPH_CORS_ORIGINS")
    credentials = _bool(env, "TRUSTGRAPH_CORS_CREDENTIALS", False)
    if credentials and origins == ("*",):
        # Browsers refuse credentials with a wildcard; echoing any origin with credentials would
        # let every site act with a visitor's cookies.
        raise ConfigError(
            "TRUSTGRAPH_CORS_CREDENTIALS",
            env.get("TRUSTGRAPH_CORS_CREDENTIALS"),
            "false when TRUSTGRAPH_CORS_ORIGINS is *: list the origins that may send credentials",
        )
    kafka = load_kafka_settings(env, cache_dir)
    return Settings(
        neo4j_uri=uri,
        neo4j_user=env.get("NEO4J_USER", "neo4j"),
        neo4j_password=password,
        neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
        cache_dir=cache_dir,
        neo4j_home=home,
        bolt_port=_int(env, "TRUSTGRAPH_NEO4J_BOLT_PORT", 7687, 1, 65535),
        http_port=_int(env, "TRUSTGRAPH_NEO4J_HTTP_PORT", 7474, 1, 65535),
        heap_size=_size(env, "TRUSTGRAPH_NEO4J_HEAP", "2g"),
        pagecache_size=_size(env, "TRUSTGRAPH_NEO4J_PAGECACHE", "2g"),
        batch_size=_int(env, "TRUSTGRAPH_BATCH_SIZE", 5000, 1, 100_000),
        policy_path=Path(env["TRUSTGRAPH_POLICY"]).expanduser()
        if env.get("TRUSTGRAPH_POLICY")
        else None,
        api_keys=load_keys(env),
        graphiql=_bool(env, "TRUSTGRAPH_GRAPHIQL", True),
        limits=Limits(
            max_depth=_int(env, "TRUSTGRAPH_MAX_DEPTH", 12, 2, 100),
            max_aliases=_int(env, "TRUSTGRAPH_MAX_ALIASES", 30, 1, 1000),
            max_tokens=_int(env, "TRUSTGRAPH_MAX_TOKENS", 5000, 100, 1_000_000),
            max_fragments=_int(env, "TRUSTGRAPH_MAX_FRAGMENTS", 50, 1, 10_000),
            max_body_bytes=_int(
                env, "TRUSTGRAPH_MAX_BODY_BYTES", 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024
            ),
            max_anonymous_body_bytes=_int(
                env, "TRUSTGRAPH_MAX_ANONYMOUS_BODY_BYTES", 64 * 1024, 1024, 1024 * 1024 * 1024
            ),
            max_json_depth=_int(env, "TRUSTGRAPH_MAX_JSON_DEPTH", 64, 4, 512),
            introspection=_choice(env, "TRUSTGRAPH_INTROSPECTION", "keys", INTROSPECTION_MODES),
            max_page_size=_int(env, "TRUSTGRAPH_MAX_PAGE_SIZE", 100, 1, 10_000),
            max_batch_targets=_int(env, "TRUSTGRAPH_MAX_BATCH_TARGETS", 1000, 1, 100_000),
            max_events_per_call=_int(env, "TRUSTGRAPH_MAX_EVENTS_PER_CALL", 1000, 1, 100_000),
            max_badge_ids=_int(env, "TRUSTGRAPH_MAX_BADGE_IDS", 200, 1, 10_000),
            research_timeout_s=_duration_ms(env, "TRUSTGRAPH_RESEARCH_TIMEOUT", "60s", 86_400_000)
            / 1000,
        ),
        change_poll_ms=_int(env, "TRUSTGRAPH_CHANGE_POLL_MS", 250, 10, 60_000),
        card_cache_size=_int(env, "TRUSTGRAPH_CARD_CACHE_SIZE", 100_000, 0, 10_000_000),
        derive_mode=_choice(env, "TRUSTGRAPH_DERIVE", "inline", DERIVE_MODES),
        derive_poll_ms=_int(env, "TRUSTGRAPH_DERIVE_POLL_MS", 50, 5, 60_000),
        derive_wait_ms=_int(env, "TRUSTGRAPH_DERIVE_WAIT_MS", 10_000, 10, 600_000),
        derive_lease_ms=_int(env, "TRUSTGRAPH_DERIVE_LEASE_MS", 15_000, 1_000, 600_000),
        derive_window_orders=_int(
            env, "TRUSTGRAPH_DERIVE_WINDOW_ORDERS", 1_000_000, 0, 100_000_000
        ),
        derive_in_process=_bool(env, "TRUSTGRAPH_DERIVE_IN_PROCESS", True),
        spark_master=env.get("TRUSTGRAPH_SPARK_MASTER", "").strip() or "local[2]",
        max_clock_skew_ms=_duration_ms(env, "TRUSTGRAPH_MAX_CLOCK_SKEW", "5m", 7 * 86_400_000),
        neo4j_pool_size=pool_size,
        neo4j_bolt_threads=bolt_threads,
        timezone=_timezone(env, "TRUSTGRAPH_TIMEZONE", "Asia/Shanghai"),
        kafka=kafka,
        ingest_mode=_ingest_mode(env, kafka),
        read_uris=_read_uris(env, "TRUSTGRAPH_READ_URIS"),
        cors_origins=origins,
        cors_credentials=credentials,
        get_max_age=_int(env, "TRUSTGRAPH_GET_MAX_AGE", 5, 0, 86_400),
    )
