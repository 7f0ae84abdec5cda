"""Install, start, stop and inspect the local Neo4j Community server that trustgraph runs itself.

The only reachable download source is Maven Central, so the "distribution" is assembled from
there: ``mvn dependency:copy-dependencies`` puts the runtime jars of ``org.neo4j:neo4j`` (the
DBMS) and ``org.neo4j.app:neo4j-server`` (HTTP) into ``<cache_dir>/neo4j-<version>/lib``. The
server then runs as a plain ``java`` process (``CommunityEntryPoint``) with its own home
directory (``settings.neo4j_home``: conf, data, logs, run), detached from the Python process so
that any later ``trustgraph`` invocation can find it again through ``<home>/run/neo4j.pid``.

All state lives on disk (pid file, marker file); this module keeps no globals.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph_api.errors import Neo4jLaunchError, StoreAuthFailed
from graph_api.settings import NEO4J_VERSION, Settings
from graph_api.store.database import probe

_SUPPORTED_JAVA = (17, 21)  # what Neo4j 5.26 supports
_INSTALL_HINT = "install them with: apt-get install openjdk-17-jre-headless maven"
_MARKER = ".installed"  # written last: a dist without it is incomplete
_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"

# The JVM flags of the 5.26 tarball's defaults. The --add-opens ones are not optional: without
# them the server dies on Java 17 with a LinkageError about java.nio.DirectByteBuffer.
_JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>trustgraph.local</groupId>
  <artifactId>neo4j-dist</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{v}</version></dependency>
    <dependency><groupId>org.neo4j.app</groupId><artifactId>neo4j-server</artifactId><version>{v}</version></dependency>
  </dependencies>
</project>
"""


@dataclass(frozen=True)
class Neo4jStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    http_uri: str
    home: Path
    version: str
    installed: bool

    def describe(self) -> str:
        if self.running:
            return (
                f"Neo4j {self.version} is running (pid {self.pid}): {self.bolt_uri}, "
                f"{self.http_uri}\n"
                f"  home {self.home}"
            )
        state = "installed" if self.installed else "not installed yet"
        return f"Neo4j {self.version} is not running ({state}); home {self.home}"


class LocalNeo4j:
    """The local server described by ``settings``.

    ``env`` is the environment used to find ``java``/``mvn`` (its PATH) and passed to them;
    it defaults to the process environment. Tests pass a PATH without the tools.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        log: Callable[[str], None] = print,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self._log = log
        self._env: dict[str, str] = dict(os.environ if env is None else env)
        # Absolute, canonical paths: the server runs with cwd=home, and the pid-file check
        # compares the --home-dir argument textually across processes.
        self.dist = settings.cache_dir.resolve() / f"neo4j-{NEO4J_VERSION}"
        self.home = settings.neo4j_home.resolve()
        self.bolt_uri = f"bolt://127.0.0.1:{settings.bolt_port}"
        self.http_uri = f"http://127.0.0.1:{settings.http_port}"
        self._pid_file = self.home / "run" / "neo4j.pid"
        self._console_log = self.home / "logs" / "console.log"

    # ------------------------------------------------------------------ install

    @property
    def installed(self) -> bool:
        return (self.dist / _MARKER).is_file()

    def install(self) -> Path:
        """Assemble the jars from Maven Central into ``cache_dir/neo4j-<version>``; idempotent."""
        if self.installed:
            return self.dist
        java = self._java()
        mvn = self._which("mvn")
        self.dist.parent.mkdir(parents=True, exist_ok=True)
        # Two trustgraph processes may install at once; the second waits, then finds it done.
        with _flock(self.dist.parent / f".neo4j-{NEO4J_VERSION}.lock"):
            if self.installed:
                return self.dist
            # Leftovers of an interrupted install are useless: under the lock nobody owns them.
            for stale in self.dist.parent.glob(f".neo4j-{NEO4J_VERSION}.partial-*"):
                shutil.rmtree(stale, ignore_errors=True)
            tmp = self.dist.parent / f".neo4j-{NEO4J_VERSION}.partial-{os.getpid()}"
            tmp.mkdir()
            (tmp / "pom.xml").write_text(_POM.format(v=NEO4J_VERSION))
            self._log(
                f"Installing Neo4j {NEO4J_VERSION} from Maven Central into {self.dist} "
                "(about a minute the first time) ..."
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
            jars = sorted((tmp / "lib").glob("*.jar")) if (tmp / "lib").is_dir() else []
            if result.returncode != 0 or not (tmp / "lib" / f"neo4j-{NEO4J_VERSION}.jar").is_file():
                output = _tail_text(result.stdout + result.stderr, 30)
                shutil.rmtree(tmp, ignore_errors=True)
                raise Neo4jLaunchError(
                    f"Maven could not assemble Neo4j {NEO4J_VERSION} (exit code "
                    f"{result.returncode}); is Maven Central reachable?",
                    output,
                )
            size_mb = sum(j.stat().st_size for j in jars) / 1e6
            (tmp / _MARKER).write_text(f"{NEO4J_VERSION}\n{len(jars)} jars\n")
            if self.dist.exists():  # incomplete (no marker): replace it
                shutil.rmtree(self.dist)
            os.rename(tmp, self.dist)  # atomic: the dist is either absent or complete
            self._log(
                f"Installed {len(jars)} jars ({size_mb:.0f} MB) in "
                f"{time.monotonic() - started:.0f} s."
            )
        return self.dist

    # ------------------------------------------------------------------ start / stop / status

    def start(self, timeout: float = 120) -> str:
        """Start the server (installing first if needed) and return its Bolt URI once it answers."""
        self.install()
        java = self._java()
        for sub in ("conf", "data", "logs", "run", "plugins"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        with _flock(self.home / "run" / "start.lock"):
            pid = self._running_pid()
            if pid is not None:
                # Started earlier (maybe still warming up in another process):
                # wait for it to answer.
                self._wait_for_bolt(pid, None, timeout)
                self._log(f"Neo4j is already running (pid {pid}) at {self.bolt_uri}")
                return self.bolt_uri
            for port, var in (
                (self.settings.bolt_port, "TRUSTGRAPH_NEO4J_BOLT_PORT"),
                (self.settings.http_port, "TRUSTGRAPH_NEO4J_HTTP_PORT"),
            ):
                if not _port_free(port):
                    raise Neo4jLaunchError(
                        f"port {port} on 127.0.0.1 is already in use, so the local "
                        "Neo4j cannot listen on it; stop whatever uses it or choose "
                        f"another port with {var}=<port>"
                    )
            self._write_conf()
            env = dict(self._env, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.home / "conf"))
            if not (self.home / "data" / "databases" / "system").exists():
                self._set_initial_password(java, env)
            if self._console_log.exists():  # keep the previous run's output for post-mortems
                self._console_log.replace(self._console_log.with_suffix(".log.1"))
            cmd = [
                java,
                "-cp", os.pathsep.join(
                    [f"{self.home}/plugins/*", f"{self.home}/conf/*", f"{self.dist}/lib/*"]
                ),
                *_JVM_FLAGS,
                f"-Xms{self.settings.heap_size}", f"-Xmx{self.settings.heap_size}",
                _ENTRY_POINT,
                f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}", "--console-mode",
            ]  # fmt: skip
            self._log(f"Starting Neo4j {NEO4J_VERSION} (home {self.home}) ...")
            started = time.monotonic()
            with open(self._console_log, "wb") as out:
                # A new session: the server outlives this process and Ctrl-C in the terminal.
                proc = subprocess.Popen(
                    cmd, cwd=self.home, env=env, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            _write_atomic(self._pid_file, f"{proc.pid}\n")
            try:
                self._wait_for_bolt(proc.pid, proc, timeout)
            except BaseException:
                # Never leave a half-started server holding the ports.
                self._kill(proc.pid, 20)
                self._pid_file.unlink(missing_ok=True)
                raise
        self._log(
            f"Neo4j is up after {time.monotonic() - started:.0f} s (pid {proc.pid}).\n"
            f"  bolt {self.bolt_uri}  http {self.http_uri}\n"
            f"  home {self.home}  log {self._console_log}"
        )
        return self.bolt_uri

    def stop(self, timeout: float = 60) -> bool:
        """Stop the server: SIGTERM, then SIGKILL after ``timeout``. False if it was not running."""
        self.home.joinpath("run").mkdir(parents=True, exist_ok=True)
        with _flock(self.home / "run" / "start.lock"):
            pid = self._running_pid()
            if pid is None:
                self._log(f"Neo4j is not running (home {self.home}).")
                return False
            self._log(f"Stopping Neo4j (pid {pid}) ...")
            self._kill(pid, timeout)
            self._pid_file.unlink(missing_ok=True)
            self._log("Neo4j stopped.")
            return True

    def status(self) -> Neo4jStatus:
        pid = self._running_pid()
        return Neo4jStatus(
            running=pid is not None,
            pid=pid,
            bolt_uri=self.bolt_uri,
            http_uri=self.http_uri,
            home=self.home,
            version=NEO4J_VERSION,
            installed=self.installed,
        )

    # ------------------------------------------------------------------ helpers

    def _which(self, name: str) -> str:
        found = shutil.which(name, path=self._env.get("PATH", ""))
        if found is None:
            raise Neo4jLaunchError(
                f"'{name}' was not found on PATH; the local Neo4j needs Java (17 or 21) and Maven: "
                f"{_INSTALL_HINT} (or set NEO4J_URI to use an existing Neo4j server)"
            )
        return found

    def _java(self) -> str:
        java = self._which("java")
        result = subprocess.run(
            [java, "-version"], check=False, env=self._env, capture_output=True, text=True
        )
        # "openjdk version "17.0.15" ..." on stderr; old Javas say "1.8.0_392".
        match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
        if match is None:
            raise Neo4jLaunchError(
                f"could not tell the version of {java} from `java -version`: {result.stderr!r}"
            )
        major = int(match.group(1))
        if major == 1 and match.group(2):
            major = int(match.group(2))
        if major not in _SUPPORTED_JAVA:
            raise Neo4jLaunchError(
                f"{java} is Java {major}, but Neo4j {NEO4J_VERSION} needs Java 17 or 21; "
                f"{_INSTALL_HINT} and put that java first on PATH"
            )
        return java

    def _write_conf(self) -> None:
        s = self.settings
        # Strict validation is on: every key must exist in 5.26 and appear once.
        lines = [
            "# Written by trustgraph on every start; edits are overwritten.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{s.http_port}",
            # Advertised ports default to 7687/7474 whatever we listen on: neo4j:// routing and
            # HTTP discovery would then send clients to the wrong (or another) server.
            f"server.bolt.advertised_address=127.0.0.1:{s.bolt_port}",
            f"server.http.advertised_address=127.0.0.1:{s.http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            f"server.memory.heap.initial_size={s.heap_size}",
            f"server.memory.heap.max_size={s.heap_size}",
            f"server.memory.pagecache.size={s.pagecache_size}",
            # The Bolt workers: one per transaction in flight. Sized with the driver's pool
            # (TRUSTGRAPH_NEO4J_POOL_SIZE, at most this: settings.check_pool), with room for the
            # CLI and other processes, so a busy service waits for a pooled connection instead
            # of being refused with NoThreadsAvailable.
            "server.bolt.thread_pool_min_size=2",
            f"server.bolt.thread_pool_max_size={s.neo4j_bolt_threads}",
            # Keep the transaction logs of bulk imports from filling the disk.
            "db.tx_log.rotation.retention_policy=2 files",
            "db.tx_log.rotation.size=128m",
            "server.logs.gc.enabled=false",
            # Netty waits this many idle seconds per Bolt event-loop group (two of them) before it
            # shuts down: 10 s of every stop for nothing. Internal but declared, so strict
            # validation accepts it.
            "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
        ]
        _write_atomic(self.home / "conf" / "neo4j.conf", "\n".join(lines) + "\n")

    def _set_initial_password(self, java: str, env: dict[str, str]) -> None:
        # Must run before the first start: it writes data/dbms/auth.ini, which the server reads
        # when it creates the system database. Auth stays on.
        cmd = [
            java, "-cp", f"{self.dist}/lib/*", *_JVM_FLAGS, _ADMIN_TOOL,
            "dbms", "set-initial-password", self.settings.neo4j_password,
        ]  # fmt: skip
        result = subprocess.run(
            cmd, check=False, cwd=self.home, env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).replace(self.settings.neo4j_password, "***")
            raise Neo4jLaunchError(
                f"could not set the initial Neo4j password (exit code {result.returncode})",
                _tail_text(output, 30),
            )

    def import_full(
        self,
        database: str,
        nodes: Sequence[tuple[str, Path]],
        relationships: Sequence[tuple[str, Path]],
        report: Path,
    ) -> str:
        """Run ``neo4j-admin database import full`` (``AdminTool``, from the import-tool jar of the
        dist) into ``database``, replacing its files; the server must be stopped (the tool refuses
        a database in use). Returns the tool's output; raises with its tail if it fails."""
        self.install()
        java = self._java()
        self._write_conf()
        env = dict(self._env, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.home / "conf"))
        cmd = [
            java, "-cp", f"{self.dist}/lib/*", *_JVM_FLAGS, f"-Xmx{self.settings.heap_size}",
            # The database first: the file options take every argument after them.
            _ADMIN_TOOL, "database", "import", "full", database, "--overwrite-destination=true",
            f"--report-file={report}", "--threads=2",
            # The tool sizes its caches from free memory; the machine is shared, and a history
            # of a few million events needs far less than its default (90% of RAM).
            "--max-off-heap-memory=2g",
            *(f"--nodes={label}={path}" for label, path in nodes),
            *(f"--relationships={kind}={path}" for kind, path in relationships),
        ]  # fmt: skip
        result = subprocess.run(
            cmd, check=False, cwd=self.home, env=env, capture_output=True, text=True
        )
        output = result.stdout + result.stderr
        log = self.home / "logs" / "import.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(output)  # the tool's stages and timings, for a post-mortem
        if result.returncode != 0:
            raise Neo4jLaunchError(
                f"neo4j-admin database import full failed (exit code {result.returncode}); "
                f"its output is in {log}, bad entries in {report}",
                _tail_text(output, 30),
            )
        return output

    def _wait_for_bolt(
        self, pid: int, proc: subprocess.Popen[bytes] | None, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while True:
            exited = proc.poll() if proc is not None else (None if _alive(pid) else -1)
            if exited is not None:
                raise Neo4jLaunchError(
                    f"Neo4j exited during startup (exit code {exited}); see {self._console_log}",
                    self._log_tail(),
                )
            if _port_open(self.settings.bolt_port):
                try:
                    problem = probe(
                        self.bolt_uri, self.settings.neo4j_user, self.settings.neo4j_password
                    )
                except StoreAuthFailed as exc:
                    # Retrying will not help: the data directory holds another password.
                    raise Neo4jLaunchError(
                        f"Neo4j at {self.bolt_uri} rejected user {self.settings.neo4j_user!r}: "
                        f"{exc.detail}. The database in {self.home / 'data'} was created with "
                        "another password; set NEO4J_PASSWORD to it, or stop Neo4j and delete that "
                        "folder to start afresh"
                    ) from None
                if problem is None:
                    return
                last_error = problem  # still starting (e.g. database not ready)
            if time.monotonic() >= deadline:
                raise Neo4jLaunchError(
                    f"Neo4j did not answer on {self.bolt_uri} within {timeout:.0f} s "
                    f"({last_error}); see {self._console_log}",
                    self._log_tail(),
                )
            time.sleep(0.5)

    def _log_tail(self) -> str:
        parts = []
        logs = self.home / "logs"
        # In console mode neo4j.log repeats the console output; show it only if that is empty.
        console_empty = not self._console_log.is_file() or self._console_log.stat().st_size == 0
        user_log = [logs / "neo4j.log"] if console_empty else []
        for path in (self._console_log, *user_log, logs / "debug.log"):
            if path.is_file() and path.stat().st_size > 0:
                parts.append(f"== {path} ==\n{_tail_file(path, 30)}")
        return "\n".join(parts)

    def _running_pid(self) -> int | None:
        """The pid from the pid file if that process is alive and is our server; else None.

        A stale pid file (crash, reboot) is removed quietly."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _alive(pid) and _is_our_server(pid, self.home):
            return pid
        self._pid_file.unlink(missing_ok=True)
        return None

    def _kill(self, pid: int, timeout: float) -> None:
        # The server leads its own process group (start_new_session), so signal the group.
        _signal_group(pid, signal.SIGTERM)
        if _wait_dead(pid, timeout):
            return
        self._log(f"Neo4j did not stop within {timeout:.0f} s; killing it.")
        _signal_group(pid, signal.SIGKILL)
        if not _wait_dead(pid, 10):
            raise Neo4jLaunchError(f"Neo4j (pid {pid}) did not die even after SIGKILL")


# ---------------------------------------------------------------------- process & file helpers


def _alive(pid: int) -> bool:
    try:
        # If we started it, reap it: a zombie would otherwise look alive to kill(pid, 0).
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:  # a zombie child of some other process is dead for our purposes
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_server(pid: int, home: Path) -> bool:
    # Guards against pid reuse after a reboot: the pid must be a Neo4j with our home dir.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the pid file
    return _ENTRY_POINT.encode() in cmdline and f"--home-dir={home}".encode() in cmdline


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same as the server (Netty sets SO_REUSEADDR): lingering TIME_WAIT sockets are no conflict.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _java_home(java: str) -> Path:
    # Maven needs JAVA_HOME or finds java itself; point it at the java we checked.
    return Path(os.path.realpath(java)).parent.parent


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _tail_file(path: Path, lines: int) -> str:
    with open(path, errors="replace") as f:
        return "".join(deque(f, maxlen=lines)).rstrip()


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
