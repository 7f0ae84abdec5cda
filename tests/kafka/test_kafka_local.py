"""The local Kafka launcher: the session's broker answers `trustgraph kafka status`, and the
launcher's errors say what is wrong (no Java, a port taken) instead of hanging or tracing back."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from graph_api.errors import KafkaLaunchError
from graph_api.kafka_local import LocalKafka, broker_problem
from graph_api.settings import Settings

pytestmark = pytest.mark.integration


def _status(settings: Settings) -> subprocess.CompletedProcess[str]:
    k = settings.kafka
    env = settings.child_environment(
        None,
        TRUSTGRAPH_KAFKA_PORT=str(k.port),
        TRUSTGRAPH_KAFKA_CONTROLLER_PORT=str(k.controller_port),
        TRUSTGRAPH_KAFKA_HOME=str(k.home),
    )
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "kafka", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_sessions_broker_is_running_and_answers(kafka_settings):
    if not kafka_settings.kafka.uses_local_broker:
        pytest.skip("TRUSTGRAPH_TEST_KAFKA_BOOTSTRAP: the tests use an existing cluster")
    assert broker_problem(kafka_settings.kafka.bootstrap_servers) is None
    done = _status(kafka_settings)
    assert done.returncode == 0 and "is running" in done.stdout, done.stdout + done.stderr


def test_status_of_a_stopped_broker_exits_3(kafka_settings, tmp_path: Path):
    stopped = kafka_settings.with_overrides(kafka=replace(kafka_settings.kafka, home=tmp_path))
    done = _status(stopped)
    assert done.returncode == 3 and "is not running" in done.stdout, done.stdout + done.stderr


def test_without_java_the_error_says_what_to_install(kafka_settings, tmp_path: Path):
    settings = kafka_settings.with_overrides(kafka=replace(kafka_settings.kafka, home=tmp_path))
    with pytest.raises(KafkaLaunchError) as info:
        LocalKafka(settings, log=lambda m: None, env={"PATH": str(tmp_path)}).start()
    assert "'java' was not found" in str(info.value) and "apt-get install" in str(info.value)


def test_a_port_in_use_is_named_with_its_setting(kafka_settings, tmp_path: Path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        kafka = replace(kafka_settings.kafka, home=tmp_path, port=port, controller_port=port + 1)
        with pytest.raises(KafkaLaunchError) as info:
            LocalKafka(kafka_settings.with_overrides(kafka=kafka), log=lambda m: None).start()
    assert f"port {port}" in str(info.value) and "TRUSTGRAPH_KAFKA_PORT" in str(info.value)
    assert not (tmp_path / "run" / "kafka.pid").exists()
