"""Kafka streams for the tests: a topic of one's own with its dead-letter topic and group, consumers
run as `trustgraph consume` processes, small generated platforms as JSONL lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from typing import Any

from graph_api.ingest.kafka import create_topic, produce_lines
from graph_api.seed import SeedConfig, generate
from graph_api.settings import Settings


class Stream:
    """One test's topic (unique name), its dead-letter topic and its consumer group."""

    def __init__(self, settings: Settings, partitions: int) -> None:
        tag = uuid.uuid4().hex[:8]
        self.kafka = replace(
            settings.kafka,
            topics=(f"test.events.{tag}",),
            dlq_topic=f"test.dlq.{tag}",
            group=f"test-group-{tag}",
        )
        self.settings = settings.with_overrides(kafka=self.kafka)
        self.topic = self.kafka.topics[0]
        create_topic(self.kafka, self.topic, partitions)
        create_topic(self.kafka, self.kafka.dlq_topic, 1)

    def produce(self, lines: list[str]) -> int:
        return produce_lines(self.kafka, self.topic, (line.encode() for line in lines))

    def consumer(
        self,
        instance_id: str,
        *args: str,
        graph: Settings | None = None,
        group: str | None = None,
        **env: str,
    ) -> Consumer:
        """Start `trustgraph consume` as member ``instance_id`` of this stream's group (or
        ``group``), recording into the tests' Neo4j (or the server of ``graph``: a replica)."""
        k = self.kafka
        child_env = (graph or self.settings).child_environment(
            None,
            TRUSTGRAPH_KAFKA_BOOTSTRAP=k.bootstrap_servers,
            TRUSTGRAPH_KAFKA_TOPICS=",".join(k.topics),
            TRUSTGRAPH_KAFKA_GROUP=group or k.group,
            TRUSTGRAPH_KAFKA_DLQ_TOPIC=k.dlq_topic,
            TRUSTGRAPH_KAFKA_INSTANCE_ID=instance_id,
            **env,
        )
        return Consumer(
            [sys.executable, "-m", "graph_api.cli", "consume", "--json", *args], child_env
        )


class Consumer:
    """A running `trustgraph consume` process; its stderr lines are collected as they come."""

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        assert self.proc.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True)
        self._reader.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first stderr line matching ``pattern`` (waiting for it)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := regex.search(line):
                    return m
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stderr:\n" + "\n".join(self.lines))

    def finish(self, timeout: float = 120) -> tuple[int, dict[str, Any] | None]:
        """Wait for the exit; (exit status, the JSON summary if one was printed)."""
        # Not communicate(): it would read stderr too, racing the reader thread for its lines.
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return self.proc.returncode, json.loads(out) if out.strip() else None

    def stderr(self) -> str:
        return "\n".join(self.lines)


def seeded_lines(buyers: int = 100, days: int = 30, seed: int = 21) -> list[str]:
    """A small generated platform as JSONL lines, in time order."""
    events, _ = generate(SeedConfig(seed=seed, buyers=buyers, days=days))
    return [json.dumps(e) for e in events]


def graph_events(store) -> int:
    records, _, _ = store.driver.execute_query(
        "MATCH (e:Event) RETURN count(e) AS n", database_=store.database
    )
    return int(records[0]["n"])
