"""The read pool's choice of server and its failover, over stand-in drivers (the pool's own logic;
tests/kafka/test_replicas.py runs it over two real Neo4j servers)."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import ServiceUnavailable

from graph_api.errors import StoreUnavailable
from graph_api.store import ReadPool


class Server:
    def __init__(self, name: str) -> None:
        self.name = name
        self.down = False
        self.calls = 0


def pool_of(*names: str, down_seconds: float = 60.0) -> tuple[ReadPool, dict[str, Server]]:
    servers = {n: Server(n) for n in names}
    pool = ReadPool(list(names), lambda uri: servers[uri], down_seconds=down_seconds)  # type: ignore[arg-type,return-value]
    return pool, servers


def read(server: Any) -> str:
    server.calls += 1
    if server.down:
        raise ServiceUnavailable(f"{server.name} is down")
    return server.name


def test_reads_go_round_robin_when_no_server_is_busy():
    pool, servers = pool_of("a", "b", "c")
    answers = [pool.run(read) for _ in range(9)]
    assert sorted(answers) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert [s.reads for s in pool.stats()] == [3, 3, 3]


def test_a_down_server_fails_over_and_is_skipped_until_its_time_is_up():
    pool, servers = pool_of("a", "b")
    servers["b"].down = True
    answers = [pool.run(read) for _ in range(6)]
    assert answers == ["a"] * 6  # no read failed
    assert servers["b"].calls == 1  # tried once, then marked down
    stats = {s.uri: s for s in pool.stats()}
    assert (stats["b"].up, stats["b"].failures, stats["a"].reads) == (False, 1, 6)


def test_a_server_comes_back_after_its_down_time():
    pool, servers = pool_of("a", "b", down_seconds=0.0)
    servers["b"].down = True
    assert {pool.run(read) for _ in range(4)} == {"a"}
    servers["b"].down = False
    assert "b" in {pool.run(read) for _ in range(4)}


def test_every_server_down_is_store_unavailable_naming_them():
    pool, servers = pool_of("a", "b")
    for s in servers.values():
        s.down = True
    with pytest.raises(StoreUnavailable, match="no read server answers") as caught:
        pool.run(read)
    assert "a: a is down" in str(caught.value) and "b: b is down" in str(caught.value)


def test_each_asks_every_server_and_leaves_out_one_that_is_down():
    pool, servers = pool_of("a", "b")
    servers["a"].down = True
    assert pool.each(read) == [("a", None), ("b", "b")]
