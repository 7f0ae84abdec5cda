"""A Spark session for the rebuild, with the settings this project needs and clear errors.

``local[N]`` (the default, ``local[2]``) runs Spark inside this process's JVM with N worker
threads; any other master (``spark://...``, ``yarn``, ``k8s://...``) is passed through. The Python
workers run this interpreter (``PYSPARK_PYTHON``: the venv's, which has pyarrow and trustgraph)
with the project root on their path, so they import the same ``scoring/`` and ``graph_api``.

pyspark is imported here, inside :func:`open_session`, and nowhere at module level: it costs about
a second of start-up that every other ``trustgraph`` command would pay otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph_api.errors import SparkUnavailable, TrustgraphError

ROOT = Path(__file__).resolve().parents[2]  # the project root (graph_api's parent)
DEFAULT_MASTER = "local[2]"


def _java_version(master: str) -> str:
    java = shutil.which("java", path=os.environ.get("PATH"))
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        java = str(Path(home) / "bin" / "java")
    if java is None:
        raise SparkUnavailable(
            master, "no Java found (Spark needs Java 17 or 21; scripts/bootstrap.sh installs it)"
        )
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise SparkUnavailable(master, f"cannot run {java}: {exc}") from exc
    return (out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else java


def spark_conf(partitions: int, driver_memory: str = "2g") -> dict[str, str]:
    """The settings every session gets (docs/scale-out.md, "Spark rebuild", says why)."""
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.driver.memory": driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.executorEnv.PYTHONPATH": str(ROOT),
        "spark.executorEnv.PYSPARK_PYTHON": sys.executable,
        "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
        # The scoring runs in Python; Spark's own adaptive re-partitioning would merge the
        # buyer partitions back into one on a small platform.
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    }


@contextmanager
def open_session(
    master: str = DEFAULT_MASTER, partitions: int = 4, conf: dict[str, str] | None = None
) -> Iterator[Any]:
    """A SparkSession (stopped at the end), or :class:`SparkUnavailable` saying why not."""
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 (start-up time: see module doc)
    except ImportError as exc:
        raise SparkUnavailable(
            master, f"pyspark is not installed ({exc}); run `make install`"
        ) from exc
    if master.startswith("local"):
        _java_version(master)  # a clear error before Spark's own launcher fails obscurely
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName("trustgraph-rescore")
    for key, value in {**spark_conf(partitions), **(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: Py4J or Spark says why, in its words
        raise SparkUnavailable(master, f"the session did not start: {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    except Exception as exc:
        # A job that failed inside Spark (an executor lost, a Python worker's error, the JVM
        # gone) arrives as a Py4J or pyspark error with pages of JVM stack: say what failed in
        # one line. trustgraph's own errors (Neo4j down, a bad file) pass as they are.
        if isinstance(exc, TrustgraphError) or not _from_spark(exc):
            raise
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise SparkUnavailable(master, f"the job failed: {first[:300]}") from exc
    finally:
        spark.stop()


def _from_spark(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("pyspark", "py4j"))
