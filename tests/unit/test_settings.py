from pathlib import Path

import pytest

from graph_api.errors import ConfigError
from graph_api.policy import load_policy
from graph_api.settings import load_settings
from scoring.policy import default_policy_text


def test_defaults_use_the_local_neo4j():
    s = load_settings({"HOME": "/home/x"})
    assert s.uses_local_neo4j and s.bolt_uri == "bolt://127.0.0.1:7687"
    assert s.batch_size == 5000 and s.neo4j_database == "neo4j"


def test_existing_server():
    s = load_settings(
        {"NEO4J_URI": "neo4j+s://db.example.com", "NEO4J_PASSWORD": "pw", "NEO4J_DATABASE": "trust"}
    )
    assert not s.uses_local_neo4j and s.bolt_uri == "neo4j+s://db.example.com"
    assert s.neo4j_database == "trust"


def test_paths_and_ports():
    s = load_settings({"TRUSTGRAPH_CACHE_DIR": "/tmp/c", "TRUSTGRAPH_NEO4J_BOLT_PORT": "17000"})
    assert s.cache_dir == Path("/tmp/c") and s.neo4j_home == Path("/tmp/c/instance")
    assert s.bolt_uri == "bolt://127.0.0.1:17000"


@pytest.mark.parametrize(
    "name, value",
    [
        ("NEO4J_URI", "http://localhost:7474"),
        ("TRUSTGRAPH_NEO4J_BOLT_PORT", "seventy"),
        ("TRUSTGRAPH_NEO4J_BOLT_PORT", "70000"),
        ("TRUSTGRAPH_BATCH_SIZE", "0"),
        ("TRUSTGRAPH_NEO4J_HEAP", "lots"),
        ("NEO4J_PASSWORD", "short"),
        ("TRUSTGRAPH_MAX_BODY_BYTES", "12"),
        ("TRUSTGRAPH_MAX_JSON_DEPTH", "1"),
        ("TRUSTGRAPH_MAX_FRAGMENTS", "0"),
        ("TRUSTGRAPH_INTROSPECTION", "sometimes"),
        ("TRUSTGRAPH_DERIVE", "later"),
        ("TRUSTGRAPH_DERIVE_WAIT_MS", "-1"),
        ("TRUSTGRAPH_DERIVE_LEASE_MS", "10"),
        ("TRUSTGRAPH_DERIVE_WINDOW_ORDERS", "-1"),
        ("TRUSTGRAPH_MAX_CLOCK_SKEW", "five minutes"),
        ("TRUSTGRAPH_MAX_CLOCK_SKEW", "30d"),
        ("TRUSTGRAPH_RESEARCH_TIMEOUT", "-1"),
        ("TRUSTGRAPH_NEO4J_POOL_SIZE", "0"),
        ("TRUSTGRAPH_NEO4J_BOLT_THREADS", "1"),
        ("TRUSTGRAPH_TIMEZONE", "Mars/Olympus"),
        ("TRUSTGRAPH_TIMEZONE", "+8"),
    ],
)
def test_bad_settings_name_the_variable(name, value):
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert name in str(info.value)


def test_request_limits_and_introspection():
    s = load_settings({})
    assert s.limits.max_body_bytes == 4 * 1024 * 1024 and s.limits.introspection == "keys"
    assert s.limits.max_json_depth == 64 and s.limits.max_fragments == 50
    assert s.limits.max_anonymous_body_bytes == 64 * 1024
    s = load_settings({"TRUSTGRAPH_MAX_BODY_BYTES": "65536", "TRUSTGRAPH_INTROSPECTION": "Public"})
    assert s.limits.max_body_bytes == 65536 and s.limits.introspection == "public"


def test_derivation_settings():
    s = load_settings({})
    assert (s.derive_mode, s.derive_poll_ms, s.derive_wait_ms) == ("inline", 50, 10_000)
    s = load_settings({"TRUSTGRAPH_DERIVE": "Async", "TRUSTGRAPH_DERIVE_LEASE_MS": "2000"})
    assert (s.derive_mode, s.derive_lease_ms) == ("async", 2000)
    assert load_settings({}).derive_window_orders == 1_000_000
    assert load_settings({"TRUSTGRAPH_DERIVE_WINDOW_ORDERS": "0"}).derive_window_orders == 0


def test_policy_is_chosen_by_configuration(tmp_path):
    assert load_policy(load_settings({})).version == "v5"
    mine = tmp_path / "mine.toml"
    mine.write_text(default_policy_text().replace('version = "v5"', 'version = "v5-strict"', 1))
    assert load_policy(load_settings({"TRUSTGRAPH_POLICY": str(mine)})).version == "v5-strict"
    with pytest.raises(ConfigError, match="TRUSTGRAPH_POLICY"):
        load_policy(load_settings({"TRUSTGRAPH_POLICY": str(tmp_path / "missing.toml")}))
    mine.write_text("version = 'x'\n")
    with pytest.raises(ConfigError, match="trust"):
        load_policy(load_settings({"TRUSTGRAPH_POLICY": str(mine)}))


def test_a_child_process_gets_the_connection_and_nothing_else():
    s = load_settings({"NEO4J_URI": "bolt://db:7687", "NEO4J_PASSWORD": "pw"})
    parent = {"PATH": "/bin", "TRUSTGRAPH_POLICY": "mine.toml", "NEO4J_USER": "someone"}
    assert s.child_environment(parent, TRUSTGRAPH_API_KEYS="k" * 16 + ":ADMIN") == {
        "PATH": "/bin",
        "NEO4J_URI": "bolt://db:7687",
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": "pw",
        "NEO4J_DATABASE": "neo4j",
        "TRUSTGRAPH_API_KEYS": "k" * 16 + ":ADMIN",
    }


def test_clock_skew_research_timeout_and_time_zone():
    s = load_settings({})
    assert s.max_clock_skew_ms == 300_000 and s.limits.research_timeout_s == 60.0
    assert s.timezone == "Asia/Shanghai"
    s = load_settings(
        {
            "TRUSTGRAPH_MAX_CLOCK_SKEW": "90s",
            "TRUSTGRAPH_RESEARCH_TIMEOUT": "1500ms",
            "TRUSTGRAPH_TIMEZONE": "+05:30",
        }
    )
    assert s.max_clock_skew_ms == 90_000 and s.limits.research_timeout_s == 1.5
    assert s.timezone == "+05:30"
    assert load_settings({"TRUSTGRAPH_MAX_CLOCK_SKEW": "2"}).max_clock_skew_ms == 2000
    assert load_settings({"TRUSTGRAPH_TIMEZONE": "UTC"}).timezone == "UTC"


def test_the_driver_pool_is_sized_with_the_local_servers_bolt_threads():
    s = load_settings({})
    assert (s.neo4j_pool_size, s.neo4j_bolt_threads) == (8, 32)
    ok = load_settings({"TRUSTGRAPH_NEO4J_POOL_SIZE": "16", "TRUSTGRAPH_NEO4J_BOLT_THREADS": "16"})
    assert ok.neo4j_pool_size == 16
    with pytest.raises(ConfigError, match="TRUSTGRAPH_NEO4J_BOLT_THREADS") as info:
        load_settings({"TRUSTGRAPH_NEO4J_POOL_SIZE": "40"})
    assert "TRUSTGRAPH_NEO4J_POOL_SIZE=40" in str(info.value) and "NoThreadsAvailable" in str(
        info.value
    )
    # A server of one's own has its own thread pool (docs/operations.md): not checked here.
    own = load_settings(
        {"NEO4J_URI": "bolt://db:7687", "TRUSTGRAPH_NEO4J_POOL_SIZE": "40", "NEO4J_PASSWORD": "x"}
    )
    assert own.neo4j_pool_size == 40


def test_kafka_is_off_by_default_and_points_at_the_local_broker():
    k = load_settings({"TRUSTGRAPH_CACHE_DIR": "/tmp/c"}).kafka
    assert k.uses_local_broker and k.bootstrap_servers == "127.0.0.1:9092"
    assert k.topics == ("trustgraph.events",) and k.dlq_topic == "trustgraph.events.dlq"
    assert k.home == Path("/tmp/c/kafka-instance") and k.client_config == ()
    assert k.crash_after_batches is None and k.metrics_port is None


def test_kafka_settings_from_the_environment():
    k = load_settings(
        {
            "TRUSTGRAPH_KAFKA_BOOTSTRAP": "k1.example.com:9093,k2.example.com:9093",
            "TRUSTGRAPH_KAFKA_TOPICS": "orders, rooms,orders",
            "TRUSTGRAPH_KAFKA_GROUP": "trust-a",
            "TRUSTGRAPH_KAFKA_DLQ_TOPIC": "trust.dead",
            "TRUSTGRAPH_KAFKA_INSTANCE_ID": "trust-a-0",
            "TRUSTGRAPH_KAFKA_CONFIG_SECURITY_PROTOCOL": "SASL_SSL",
            "TRUSTGRAPH_KAFKA_CONFIG_SASL_MECHANISM": "PLAIN",
            "TRUSTGRAPH_KAFKA_METRICS_PORT": "9464",
        }
    ).kafka
    assert not k.uses_local_broker and k.bootstrap_servers.startswith("k1.example.com:9093")
    assert k.topics == ("orders", "rooms") and k.group == "trust-a" and k.dlq_topic == "trust.dead"
    assert k.instance_id == "trust-a-0" and k.metrics_port == 9464
    assert dict(k.client_config) == {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}


@pytest.mark.parametrize(
    "name, value",
    [
        ("TRUSTGRAPH_KAFKA_BOOTSTRAP", "kafka.example.com"),
        ("TRUSTGRAPH_KAFKA_TOPICS", "a topic with spaces"),
        ("TRUSTGRAPH_KAFKA_GROUP", "g/1"),
        ("TRUSTGRAPH_KAFKA_DLQ_TOPIC", "trustgraph.events"),  # the topic it reads
        ("TRUSTGRAPH_KAFKA_PORT", "0"),
        ("TRUSTGRAPH_KAFKA_SESSION_TIMEOUT_MS", "10"),
        ("TRUSTGRAPH_KAFKA_HEAP", "big"),
        ("TRUSTGRAPH_KAFKA_CONFIG_GROUP_ID", "other"),  # trustgraph's own setting
        ("TRUSTGRAPH_KAFKA_CONFIG_ENABLE_AUTO_COMMIT", "true"),
    ],
)
def test_bad_kafka_settings_name_the_variable(name, value):
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert name in str(info.value)
    assert "secret" not in str(info.value)


def test_cors_is_off_by_default_and_takes_an_allow_list_of_origins():
    s = load_settings({})
    assert s.cors_origins == () and s.cors_credentials is False
    s = load_settings(
        {
            "TRUSTGRAPH_CORS_ORIGINS": " https://Shop.example.com , http://127.0.0.1:3000,",
            "TRUSTGRAPH_CORS_CREDENTIALS": "yes",
        }
    )
    assert s.cors_origins == ("https://shop.example.com", "http://127.0.0.1:3000")
    assert s.cors_credentials is True
    assert load_settings({"TRUSTGRAPH_CORS_ORIGINS": "*"}).cors_origins == ("*",)
    assert load_settings({"TRUSTGRAPH_CORS_ORIGINS": "http://[::1]:8080"}).cors_origins == (
        "http://[::1]:8080",
    )


@pytest.mark.parametrize(
    "env, name, named",
    [
        ({"TRUSTGRAPH_CORS_ORIGINS": "https://shop.example.com/"}, "TRUSTGRAPH_CORS_ORIGINS", "/'"),
        ({"TRUSTGRAPH_CORS_ORIGINS": "shop.example.com"}, "TRUSTGRAPH_CORS_ORIGINS", "shop"),
        ({"TRUSTGRAPH_CORS_ORIGINS": "https://a.com,*"}, "TRUSTGRAPH_CORS_ORIGINS", "'*'"),
        (
            {"TRUSTGRAPH_CORS_ORIGINS": "*", "TRUSTGRAPH_CORS_CREDENTIALS": "true"},
            "TRUSTGRAPH_CORS_CREDENTIALS",
            "list the origins",
        ),
        ({"TRUSTGRAPH_CORS_CREDENTIALS": "maybe"}, "TRUSTGRAPH_CORS_CREDENTIALS", "true or false"),
    ],
)
def test_bad_cors_settings_say_which_and_why(env, name, named):
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert info.value.name == name and named in str(info.value)


def test_read_uris_are_a_validated_list():
    assert load_settings({}).read_uris == ()
    s = load_settings({"TRUSTGRAPH_READ_URIS": " bolt://a:7687, neo4j+s://b.example.com "})
    assert s.read_uris == ("bolt://a:7687", "neo4j+s://b.example.com")
    for raw, problem in (
        ("bolt://a:7687,,bolt://b:7687", "entry 2 is empty"),
        ("bolt://a:7687,http://b:7474", "entry 2 'http://b:7474' is not a bolt:// or neo4j://"),
        ("bolt://a:7687,bolt://a:7687", "listed twice"),
    ):
        with pytest.raises(ConfigError, match="TRUSTGRAPH_READ_URIS") as caught:
            load_settings({"TRUSTGRAPH_READ_URIS": raw})
        assert problem in str(caught.value)


def test_kafka_out_is_a_mode_with_its_topic_and_timeout():
    s = load_settings({})
    assert s.ingest_mode == "graph" and s.kafka.topic_out == "trustgraph.events"
    s = load_settings(
        {
            "TRUSTGRAPH_INGEST": "Kafka",
            "TRUSTGRAPH_KAFKA_PRODUCE_TOPIC": "orders.events",
            "TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT": "3s",
        }
    )
    assert s.ingest_mode == "kafka" and s.kafka.topic_out == "orders.events"
    assert s.kafka.produce_timeout_ms == 3000
    with pytest.raises(ConfigError, match="TRUSTGRAPH_INGEST.*one of graph, kafka"):
        load_settings({"TRUSTGRAPH_INGEST": "stream"})
    with pytest.raises(ConfigError, match="kafka when TRUSTGRAPH_KAFKA_PRODUCE_TOPIC is set"):
        load_settings({"TRUSTGRAPH_KAFKA_PRODUCE_TOPIC": "orders.events"})
    with pytest.raises(ConfigError, match="not the dead-letter topic"):
        load_settings(
            {
                "TRUSTGRAPH_INGEST": "kafka",
                "TRUSTGRAPH_KAFKA_PRODUCE_TOPIC": "trustgraph.events.dlq",
            }
        )
    with pytest.raises(ConfigError, match="TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT"):
        load_settings({"TRUSTGRAPH_KAFKA_PRODUCE_TIMEOUT": "10 minutes"})
