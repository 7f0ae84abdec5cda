"""Install, start, stop and inspect the local single-node Kafka broker (KRaft) that trustgraph runs
for ``trustgraph consume`` and the tests.

The same pattern as :mod:`graph_api.neo4j_local`: Maven Central is the only download source, so
``mvn dependency:copy-dependencies`` assembles ``org.apache.kafka:kafka_2.13`` (the broker) and a
logging backend into ``<cache_dir>/kafka-<version>/lib``; the broker runs as a plain ``java``
process (``kafka.Kafka``) in its own home (``settings.kafka.home``: conf, data, logs, run),
detached, found again through ``<home>/run/kafka.pid``. One node is broker and controller at once
(KRaft, no ZooKeeper); its storage is formatted on the first start. It listens on 127.0.0.1 only.

All state lives on disk (pid file, marker file, meta.properties); this module keeps no globals.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from graph_api.errors import KafkaLaunchError

# The process and file helpers are the Neo4j launcher's (same layer, same needs).
from graph_api.neo4j_local import (
    _alive,
    _flock,
    _java_home,
    _port_free,
    _port_open,
    _signal_group,
    _tail_file,
    _tail_text,
    _wait_dead,
    _write_atomic,
)
from graph_api.settings import KAFKA_VERSION, Settings


class _OncePerMinute(logging.Filter):
    """librdkafka repeats a refused connection every few milliseconds while it retries: let each
    distinct message through once a minute."""

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # The text after the broker's name is the same on every retry.
        key = record.getMessage().rsplit(": ", 1)[0]
        now = time.monotonic()
        if now - self._last.get(key, -60.0) < 60:
            return False
        self._last[key] = now
        return True


# The clients' own log (librdkafka), through Python logging.
client_log = logging.getLogger("trustgraph.kafka.client")
client_log.addFilter(_OncePerMinute())
_MIN_JAVA = 17  # Kafka 4 brokers need Java 17 or later
_INSTALL_HINT = "install them with: apt-get install openjdk-17-jre-headless maven"
_MARKER = ".installed"  # written last: a dist without it is incomplete
_MAIN_CLASS = "kafka.Kafka"
_STORAGE_TOOL = "kafka.tools.StorageTool"
_NODE_ID = 1
# Kafka's poms pull an old slf4j-api and no binding: the broker would then log nothing at all.
_SLF4J = "2.0.17"
_LOG4J = "2.25.5"  # the log4j-core that kafka_2.13 4.4.0 depends on

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>trustgraph.local</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{v}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>{slf4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

# Warnings and errors only: at INFO the broker prints its whole configuration on every start.
_LOG4J2 = """# Written by trustgraph on every start; edits are overwritten.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
"""


@dataclass(frozen=True)
class KafkaStatus:
    running: bool
    pid: int | None
    bootstrap: str
    home: Path
    version: str
    installed: bool

    def describe(self) -> str:
        if self.running:
            return (
                f"Kafka {self.version} is running (pid {self.pid}): bootstrap {self.bootstrap}\n"
                f"  home {self.home}"
            )
        state = "installed" if self.installed else "not installed yet"
        return f"Kafka {self.version} is not running ({state}); home {self.home}"


class LocalKafka:
    """The local broker described by ``settings.kafka`` (jars in ``settings.cache_dir``).

    ``env`` is the environment used to find ``java``/``mvn`` (its PATH) and passed to them;
    it defaults to the process environment. Tests pass a PATH without the tools."""

    def __init__(
        self,
        settings: Settings,
        *,
        log: Callable[[str], None] = print,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.kafka = settings.kafka
        self._log = log
        self._env: dict[str, str] = dict(os.environ if env is None else env)
        self.dist = settings.cache_dir.resolve() / f"kafka-{KAFKA_VERSION}"
        self.home = (self.kafka.home or settings.cache_dir / "kafka-instance").resolve()
        self.bootstrap = f"127.0.0.1:{self.kafka.port}"
        self._pid_file = self.home / "run" / "kafka.pid"
        self._console_log = self.home / "logs" / "console.log"
        self._properties = self.home / "conf" / "server.properties"

    # ------------------------------------------------------------------ install

    @property
    def installed(self) -> bool:
        return (self.dist / _MARKER).is_file()

    def install(self) -> Path:
        """Assemble the jars from Maven Central into ``cache_dir/kafka-<version>``; idempotent."""
        if self.installed:
            return self.dist
        java = self._java()
        mvn = self._which("mvn")
        self.dist.parent.mkdir(parents=True, exist_ok=True)
        with _flock(self.dist.parent / f".kafka-{KAFKA_VERSION}.lock"):
            if self.installed:
                return self.dist
            for stale in self.dist.parent.glob(f".kafka-{KAFKA_VERSION}.partial-*"):
                shutil.rmtree(stale, ignore_errors=True)
            tmp = self.dist.parent / f".kafka-{KAFKA_VERSION}.partial-{os.getpid()}"
            tmp.mkdir()
            (tmp / "pom.xml").write_text(_POM.format(v=KAFKA_VERSION, slf4j=_SLF4J, log4j=_LOG4J))
            self._log(
                f"Installing Kafka {KAFKA_VERSION} from Maven Central into {self.dist} "
                "(about 20 s the first time) ..."
            )
            started = time.monotonic()
            cmd = [
                mvn, "-q", "-B", "-f", str(tmp / "pom.xml"),
                "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
                "-DincludeScope=runtime", f"-DoutputDirectory={tmp / 'lib'}",
            ]  # fmt: skip
            env = dict(self._env, JAVA_HOME=self._env.get("JAVA_HOME") or str(_java_home(java)))
            result = subprocess.run(
                cmd, check=False, cwd=tmp, env=env, capture_output=True, text=True
            )
            broker_jar = tmp / "lib" / f"kafka_2.13-{KAFKA_VERSION}.jar"
            if result.returncode != 0 or not broker_jar.is_file():
                output = _tail_text(result.stdout + result.stderr, 30)
                shutil.rmtree(tmp, ignore_errors=True)
                raise KafkaLaunchError(
                    f"Maven could not assemble Kafka {KAFKA_VERSION} (exit code "
                    f"{result.returncode}); is Maven Central reachable?",
                    output,
                )
            jars = sorted((tmp / "lib").glob("*.jar"))
            size_mb = sum(j.stat().st_size for j in jars) / 1e6
            (tmp / _MARKER).write_text(f"{KAFKA_VERSION}\n{len(jars)} jars\n")
            if self.dist.exists():
                shutil.rmtree(self.dist)
            os.rename(tmp, self.dist)
            self._log(
                f"Installed {len(jars)} jars ({size_mb:.0f} MB) in "
                f"{time.monotonic() - started:.0f} s."
            )
        return self.dist

    # ------------------------------------------------------------------ start / stop / status

    def start(self, timeout: float = 90) -> str:
        """Start the broker (installing and formatting first if needed); return its bootstrap
        address once it answers a metadata request."""
        self.install()
        java = self._java()
        for sub in ("conf", "data", "logs", "run"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        with _flock(self.home / "run" / "start.lock"):
            pid = self._running_pid()
            if pid is not None:
                self._wait_until_ready(pid, None, timeout)
                self._log(f"Kafka is already running (pid {pid}) at {self.bootstrap}")
                return self.bootstrap
            for port, var in (
                (self.kafka.port, "TRUSTGRAPH_KAFKA_PORT"),
                (self.kafka.controller_port, "TRUSTGRAPH_KAFKA_CONTROLLER_PORT"),
            ):
                if not _port_free(port):
                    raise KafkaLaunchError(
                        f"port {port} on 127.0.0.1 is already in use, so the local Kafka "
                        "cannot listen on it; stop whatever uses it or choose another port "
                        f"with {var}=<port>"
                    )
            self._write_conf()
            if not (self.home / "data" / "meta.properties").is_file():
                self._format_storage(java)
            if self._console_log.exists():  # keep the previous run's output for post-mortems
                self._console_log.replace(self._console_log.with_suffix(".log.1"))
            heap = self.kafka.heap_size
            cmd = [
                java, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.home / 'conf' / 'log4j2.properties'}",
                f"-Dkafka.logs.dir={self.home / 'logs'}",
                "-cp", f"{self.dist}/lib/*", _MAIN_CLASS, str(self._properties),
            ]  # fmt: skip
            self._log(f"Starting Kafka {KAFKA_VERSION} (home {self.home}) ...")
            started = time.monotonic()
            with open(self._console_log, "wb") as out:
                # A new session: the broker outlives this process and Ctrl-C in the terminal.
                proc = subprocess.Popen(
                    cmd, cwd=self.home, env=self._env, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            _write_atomic(self._pid_file, f"{proc.pid}\n")
            try:
                self._wait_until_ready(proc.pid, proc, timeout)
            except BaseException:
                self._kill(proc.pid, 20)  # never leave a half-started broker holding the ports
                self._pid_file.unlink(missing_ok=True)
                raise
        self._log(
            f"Kafka is up after {time.monotonic() - started:.0f} s (pid {proc.pid}).\n"
            f"  bootstrap {self.bootstrap}  home {self.home}  log {self._console_log}"
        )
        return self.bootstrap

    def stop(self, timeout: float = 60) -> bool:
        """Stop the broker: SIGTERM (a controlled shutdown), then SIGKILL after ``timeout``.
        False if it was not running."""
        self.home.joinpath("run").mkdir(parents=True, exist_ok=True)
        with _flock(self.home / "run" / "start.lock"):
            pid = self._running_pid()
            if pid is None:
                self._log(f"Kafka is not running (home {self.home}).")
                return False
            self._log(f"Stopping Kafka (pid {pid}) ...")
            self._kill(pid, timeout)
            self._pid_file.unlink(missing_ok=True)
            self._log("Kafka stopped.")
            return True

    def status(self) -> KafkaStatus:
        pid = self._running_pid()
        return KafkaStatus(
            running=pid is not None,
            pid=pid,
            bootstrap=self.bootstrap,
            home=self.home,
            version=KAFKA_VERSION,
            installed=self.installed,
        )

    # ------------------------------------------------------------------ helpers

    def _which(self, name: str) -> str:
        found = shutil.which(name, path=self._env.get("PATH", ""))
        if found is None:
            raise KafkaLaunchError(
                f"'{name}' was not found on PATH; the local Kafka needs Java (17 or later) and "
                f"Maven: {_INSTALL_HINT} (or set TRUSTGRAPH_KAFKA_BOOTSTRAP to use an existing "
                "Kafka cluster)"
            )
        return found

    def _java(self) -> str:
        java = self._which("java")
        result = subprocess.run(
            [java, "-version"], check=False, env=self._env, capture_output=True, text=True
        )
        match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
        if match is None:
            raise KafkaLaunchError(
                f"could not tell the version of {java} from `java -version`: {result.stderr!r}"
            )
        major = int(match.group(1))
        if major == 1 and match.group(2):
            major = int(match.group(2))
        if major < _MIN_JAVA:
            raise KafkaLaunchError(
                f"{java} is Java {major}, but Kafka {KAFKA_VERSION} needs Java {_MIN_JAVA} or "
                f"later; {_INSTALL_HINT} and put that java first on PATH"
            )
        return java

    def _write_conf(self) -> None:
        k = self.kafka
        lines = [
            "# Written by trustgraph on every start; edits are overwritten.",
            "process.roles=broker,controller",
            f"node.id={_NODE_ID}",
            f"controller.quorum.voters={_NODE_ID}@127.0.0.1:{k.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{k.port},CONTROLLER://127.0.0.1:{k.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{k.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.home / 'data'}",
            "num.partitions=1",
            # One node: every internal topic has one replica, or they would never be created.
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            # A group forms at once: the tests (and a restarted consumer) need not wait 3 s.
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
        ]
        _write_atomic(self._properties, "\n".join(lines) + "\n")
        _write_atomic(self.home / "conf" / "log4j2.properties", _LOG4J2)

    def _format_storage(self, java: str) -> None:
        # KRaft needs its metadata directory formatted once, with a cluster id (a base64url UUID).
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        cmd = [
            java, "-Xmx256m", "-cp", f"{self.dist}/lib/*",
            f"-Dlog4j2.configurationFile={self.home / 'conf' / 'log4j2.properties'}",
            _STORAGE_TOOL, "format", "-t", cluster_id, "-c", str(self._properties),
        ]  # fmt: skip
        self._log(f"Formatting the Kafka storage in {self.home / 'data'} (first start) ...")
        result = subprocess.run(
            cmd, check=False, cwd=self.home, env=self._env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise KafkaLaunchError(
                f"could not format the Kafka storage in {self.home / 'data'} (exit code "
                f"{result.returncode})",
                _tail_text(result.stdout + result.stderr, 30),
            )

    def _wait_until_ready(
        self, pid: int, proc: subprocess.Popen[bytes] | None, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while True:
            exited = proc.poll() if proc is not None else (None if _alive(pid) else -1)
            if exited is not None:
                raise KafkaLaunchError(
                    f"Kafka exited during startup (exit code {exited}); see {self._console_log}",
                    self._log_tail(),
                )
            if _port_open(self.kafka.port):
                problem = broker_problem(self.bootstrap)
                if problem is None:
                    return
                last_error = problem
            if time.monotonic() >= deadline:
                raise KafkaLaunchError(
                    f"Kafka did not answer on {self.bootstrap} within {timeout:.0f} s "
                    f"({last_error}); see {self._console_log}",
                    self._log_tail(),
                )
            time.sleep(0.5)

    def _log_tail(self) -> str:
        if self._console_log.is_file() and self._console_log.stat().st_size > 0:
            return f"== {self._console_log} ==\n{_tail_file(self._console_log, 30)}"
        return ""

    def _running_pid(self) -> int | None:
        """The pid from the pid file if that process is alive and is our broker; else None (a
        stale pid file is removed quietly)."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _alive(pid) and self._is_our_broker(pid):
            return pid
        self._pid_file.unlink(missing_ok=True)
        return None

    def _is_our_broker(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return True  # no /proc: trust the pid file
        return _MAIN_CLASS.encode() in cmdline and str(self._properties).encode() in cmdline

    def _kill(self, pid: int, timeout: float) -> None:
        _signal_group(pid, signal.SIGTERM)
        if _wait_dead(pid, timeout):
            return
        self._log(f"Kafka did not stop within {timeout:.0f} s; killing it.")
        _signal_group(pid, signal.SIGKILL)
        if not _wait_dead(pid, 10):
            raise KafkaLaunchError(f"Kafka (pid {pid}) did not die even after SIGKILL")


def broker_problem(bootstrap: str, timeout: float = 2.0) -> str | None:
    """None when a broker at ``bootstrap`` answers a metadata request, else what went wrong."""
    admin = AdminClient(
        {"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": 2000}
    )
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        return str(exc.args[0]) if exc.args else type(exc).__name__
    return None if metadata.brokers else "no broker in the metadata yet"
