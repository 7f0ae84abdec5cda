"""API keys from configuration: parsing, errors that never show a key, role look-up, and the
shops and hosts a MERCHANT key is bound to."""

import pytest

from graph_api.auth import PUBLIC_CALLER, Caller, KeyTable, Role, load_keys
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


def test_a_merchant_key_is_bound_to_its_shops_and_hosts(tmp_path):
    f = tmp_path / "keys"
    f.write_text(f"{K2}:merchant=Shop/s2\n")
    table = load_keys(
        {
            "TRUSTGRAPH_API_KEYS": f"{K1}:MERCHANT=shop/s00012+host/h00031+shop/a.b@c/d-e",
            "TRUSTGRAPH_API_KEYS_FILE": str(f),
        }
    )
    one, two = table.caller_of(K1), table.caller_of(K2)
    assert one == Caller(Role.MERCHANT, frozenset({"s00012", "a.b@c/d-e"}), frozenset({"h00031"}))
    assert two == Caller(Role.MERCHANT, frozenset({"s2"}), frozenset())
    assert table.role_of(K1) is Role.MERCHANT
    # The kind is part of the binding: shop s00012 is not host s00012.
    assert one.owns("SHOP", "s00012") and not one.owns("HOST", "s00012")
    assert one.owns("HOST", "h00031") and not one.owns("SHOP", "h00031")


def test_a_key_may_contain_colons_and_equals_signs():
    """The role (and a MERCHANT's ids) is what follows the last ':', as before MERCHANT existed:
    a base64 key's '=' padding, or a ':' in a key, is part of the key."""
    k3, k4 = "abc:def=0123456789==", "xyz=MERCHANT=0123456789"
    table = load_keys({"TRUSTGRAPH_API_KEYS": f"{k3}:ADMIN,{k4}:MERCHANT=host/h1"})
    assert table.caller_of(k3) == Caller(Role.ADMIN)
    assert table.caller_of(k4) == Caller(Role.MERCHANT, hosts=frozenset({"h1"}))


def test_who_sees_exact_hints():
    merchant = Caller(Role.MERCHANT, shops=frozenset({"s1"}), hosts=frozenset({"h1"}))
    assert merchant.sees_exact_hints("SHOP", "s1") and merchant.sees_exact_hints("HOST", "h1")
    assert not merchant.sees_exact_hints("SHOP", "s2")
    assert not merchant.sees_exact_hints("HOST", "s1")
    assert Caller(Role.ADMIN).sees_exact_hints("SHOP", "s2")
    for role in (Role.PUBLIC, Role.RECOMMENDER, Role.RESEARCHER, Role.INGEST):
        assert not Caller(role).sees_exact_hints("SHOP", "s1"), role
    assert PUBLIC_CALLER == Caller(Role.PUBLIC)


@pytest.mark.parametrize(
    "value, expected, shown",
    [
        (f"{K1}:MERCHANT", "a MERCHANT key names the shops and hosts", "MERCHANT without ids"),
        (f"{K1}:MERCHANT=", "a MERCHANT key names the shops and hosts", "MERCHANT without ids"),
        (f"{K1}:MERCHANT= ", "a MERCHANT key names the shops and hosts", "entry 1"),
        (f"{K1}:ADMIN=shop/s1", "ids only for MERCHANT keys", "role ADMIN with ids"),
        (f"{K1}:RECOMMENDER=", "ids only for MERCHANT keys", "role RECOMMENDER with ids"),
        (f"{K1}:MERCHANT=s00012", "shop/<id> or host/<id>", "binding 1, 's00012'"),
        (f"{K1}:MERCHANT=shop/s1+", "shop/<id> or host/<id>", "binding 2, ''"),
        (f"{K1}:MERCHANT=buyer/b1", "shop/<id> or host/<id>", "binding 1"),
        (f"{K1}:MERCHANT=shop/", "a valid id (id must not be empty)", "binding 1"),
        (f"{K1}:MERCHANT=shop/-x", "a valid id", "binding 1, 'shop/-x'"),
        # An id with ':' cannot be bound: the role is what follows the entry's last ':'.
        (f"{K1}:MERCHANT=shop/a:b", "ids without ':'", "role 'B'"),
        (f"{K1}:ADMIN,k2:MERCHANT=shop/s1", "at least 16 characters", "entry 2"),
    ],
)
def test_bad_merchant_entries_are_rejected_without_showing_the_key(value, expected, shown):
    with pytest.raises(ConfigError) as err:
        load_keys({"TRUSTGRAPH_API_KEYS": value})
    message = str(err.value)
    assert "TRUSTGRAPH_API_KEYS" in message and expected in message and shown in message
    assert K1 not in message and "k2:" not in message


def test_bad_merchant_lines_of_the_key_file_are_named_by_line(tmp_path):
    f = tmp_path / "keys"
    f.write_text(f"# merchants\n{K1}:MERCHANT\n")
    with pytest.raises(ConfigError) as err:
        load_keys({"TRUSTGRAPH_API_KEYS_FILE": str(f)})
    assert "TRUSTGRAPH_API_KEYS_FILE line 2: MERCHANT without ids" in str(err.value)
    assert K1 not in str(err.value)


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
