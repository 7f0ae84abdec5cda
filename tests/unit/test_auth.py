"""API keys from configuration: parsing, errors that never show a key, role look-up."""

import pytest

from graph_api.auth import KeyTable, Role, load_keys
from graph_api.errors import ConfigError
from graph_api.settings import load_settings

K1 = "k1-0123456789abcdefgh"
K2 = "k2-0123456789abcdefgh"


def test_keys_from_the_variable_and_a_file(tmp_path):
    f = tmp_path / "keys"
    f.write_text(f"# ops keys\n{K2}:researcher\n\n")
    table = load_keys(
        {"TRUSTGRAPH_API_KEYS": f"{K1}:RECOMMENDER", "TRUSTGRAPH_API_KEYS_FILE": str(f)}
    )
    assert len(table) == 2
    assert table.role_of(K1) is Role.RECOMMENDER and table.role_of(K2) is Role.RESEARCHER
    assert table.role_of("k1-0123456789abcdefgX") is None and table.role_of("") is None
    assert all(K1.encode() not in digest for digest, _ in table.entries)  # only digests are kept


@pytest.mark.parametrize(
    "value, expected",
    [
        ("short:ADMIN", "at least 16 characters"),
        (f"{K1}:KING", "a role among"),
        (f"{K1}:PUBLIC", "a role among"),
        (f"{K1}", "key:ROLE pairs"),
        (f"{K1}:ADMIN,{K1}:INGEST", "each key once"),
    ],
)
def test_bad_keys_are_rejected_without_showing_them(value, expected):
    with pytest.raises(ConfigError) as err:
        load_keys({"TRUSTGRAPH_API_KEYS": value})
    assert expected in str(err.value)
    assert K1 not in str(err.value) and "short" not in str(err.value)


def test_missing_key_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="TRUSTGRAPH_API_KEYS_FILE"):
        load_keys({"TRUSTGRAPH_API_KEYS_FILE": str(tmp_path / "nope")})


def test_no_keys_means_everyone_is_public():
    assert len(KeyTable()) == 0 and KeyTable().role_of(K1) is None


def test_service_settings_are_validated():
    s = load_settings({"TRUSTGRAPH_MAX_PAGE_SIZE": "50", "TRUSTGRAPH_GRAPHIQL": "off"})
    assert s.limits.max_page_size == 50 and s.graphiql is False
    with pytest.raises(ConfigError, match="TRUSTGRAPH_GRAPHIQL"):
        load_settings({"TRUSTGRAPH_GRAPHIQL": "maybe"})
    with pytest.raises(ConfigError, match="TRUSTGRAPH_MAX_DEPTH"):
        load_settings({"TRUSTGRAPH_MAX_DEPTH": "1"})
