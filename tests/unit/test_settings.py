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


def test_policy_is_chosen_by_configuration(tmp_path):
    assert load_policy(load_settings({})).version == "v3"
    mine = tmp_path / "mine.toml"
    mine.write_text(default_policy_text().replace('version = "v3"', 'version = "v3-strict"', 1))
    assert load_policy(load_settings({"TRUSTGRAPH_POLICY": str(mine)})).version == "v3-strict"
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
