"""Kafka fixtures: a real single-node broker for the session, started by the same launcher as
`trustgraph kafka start` (home `.trustgraph/test-kafka`, ports 19092/19093, or free ones when
those are taken, as for the tests' Neo4j). With TRUSTGRAPH_TEST_KAFKA_BOOTSTRAP the tests use
that cluster instead and start nothing."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from graph_api.kafka_local import LocalKafka
from graph_api.settings import KafkaSettings, Settings
from tests.streams import Stream

ROOT = Path(__file__).resolve().parents[2]


def _ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def kafka_settings(neo4j_settings: Settings) -> Iterator[Settings]:
    """The tests' settings (their Neo4j) with the tests' Kafka broker."""
    existing = os.environ.get("TRUSTGRAPH_TEST_KAFKA_BOOTSTRAP")
    if existing:
        yield neo4j_settings.with_overrides(kafka=KafkaSettings(bootstrap=existing))
        return
    home = ROOT / ".trustgraph" / "test-kafka"
    port = int(os.environ.get("TRUSTGRAPH_TEST_KAFKA_PORT", "19092"))
    kafka = KafkaSettings(port=port, controller_port=port + 1, home=home)
    settings = neo4j_settings.with_overrides(kafka=kafka)
    launcher = LocalKafka(settings, log=lambda m: print(f"[kafka] {m}"))
    if not launcher.status().running:
        # A fresh broker every session: topics of earlier runs would only accumulate.
        shutil.rmtree(home / "data", ignore_errors=True)
        if not _ports_free(port, port + 1):
            if "TRUSTGRAPH_TEST_KAFKA_PORT" in os.environ:
                pytest.exit(f"TRUSTGRAPH_TEST_KAFKA_PORT={port} is in use", returncode=2)
            # Another checkout's broker holds the default ports: use free ones.
            settings = settings.with_overrides(
                kafka=replace(kafka, port=_free_port(), controller_port=_free_port())
            )
            launcher = LocalKafka(settings, log=lambda m: print(f"[kafka] {m}"))
    launcher.start()
    try:
        yield settings
    finally:
        if os.environ.get("TRUSTGRAPH_TEST_KEEP_KAFKA") != "1":
            launcher.stop()


@pytest.fixture()
def stream(kafka_settings: Settings, store):
    """A function: partitions -> a new :class:`Stream` over an empty graph."""
    return lambda partitions=2: Stream(kafka_settings, partitions)
