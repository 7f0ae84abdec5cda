"""``--bulk``: an initial load through ``neo4j-admin database import full`` instead of
transactions (``trustgraph import --bulk FILE...``, ``trustgraph seed --bulk``).

1. Refuse early, before reading anything, where the tool cannot be run: a server trustgraph does
   not run itself (NEO4J_URI: the tool writes the database's files, on that server's machine, with
   the server stopped), or a database that holds data (the tool replaces the database whole);
   ``replace`` (``seed --bulk --reset``) allows the latter.
2. The events go through :class:`graph_api.ingest.bulk.BulkWriter`, which applies what the
   transactional import would write (same validation, batches, rejections) and writes CSV files;
   the server is stopped meanwhile, in a thread.
3. The tool imports the files into the database; the server starts again; the schema
   (``cypher/schema/constraints``) is applied and the few values CSV cannot carry are put back
   (``cypher/ingest/bulk_empty_lists``). The graph then equals what the transactional import
   leaves, ingest log and clocks included, so transactional ingestion and the deriver carry on
   from it; derivation (the full rebuild) is the caller's next step.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph_api.errors import BulkLoadRefused
from graph_api.ingest.bulk import BulkWriter, CsvFiles
from graph_api.neo4j_local import LocalNeo4j
from graph_api.settings import Settings
from graph_api.store import Store

# Processes that parse and validate a file's lines for the bulk path, beside the one that applies
# them (graph_api.ingest.files.validated_lines_parallel): the tool and the server wait meanwhile.
BULK_WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass
class BulkLoadSummary:
    """What the load after the events took: the CSV files, the tool, the restart, the schema."""

    nodes: int = 0
    relationships: int = 0
    csv_seconds: float = 0.0
    stop_seconds: float = 0.0  # waited for the server to stop, beyond the reading
    import_seconds: float = 0.0
    start_seconds: float = 0.0
    schema_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return (
            self.csv_seconds
            + self.stop_seconds
            + self.import_seconds
            + self.start_seconds
            + self.schema_seconds
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "relationships": self.relationships,
            "seconds": round(self.seconds, 3),
            "csvSeconds": round(self.csv_seconds, 3),
            "stopSeconds": round(self.stop_seconds, 3),
            "importSeconds": round(self.import_seconds, 3),
            "startSeconds": round(self.start_seconds, 3),
            "schemaSeconds": round(self.schema_seconds, 3),
        }


def check_target(
    settings: Settings, *, replace: bool, log: Callable[[str], None] = print
) -> LocalNeo4j:
    """The local server to load into, or :class:`BulkLoadRefused` saying why there is none.
    Starts the server if needed to look at the database (it is stopped again for the tool)."""
    if not settings.uses_local_neo4j:
        raise BulkLoadRefused(
            f"--bulk cannot load into the Neo4j at {settings.neo4j_uri} (NEO4J_URI is set): "
            "neo4j-admin database import full writes the database's files, with that server "
            "stopped, on its own machine; trustgraph runs it only for the local server it starts "
            "itself. Import through transactions instead (the same command without --bulk)"
        )
    launcher = LocalNeo4j(settings, log=log)
    if not replace:
        launcher.start()
        with Store(settings) as store:
            nodes, _ = store.graph_counts()
        held = sum(nodes.values())
        if held:
            raise BulkLoadRefused(
                f"--bulk loads only an empty database, and {settings.neo4j_database!r} holds "
                f"{held:,} nodes (neo4j-admin database import full replaces a database whole). "
                "Add to it through transactions (the same command without --bulk), or replace "
                "it: `trustgraph seed --bulk --reset`, or `trustgraph neo4j stop` and delete "
                f"{launcher.home / 'data'}"
            )
    return launcher


class BulkLoad:
    """One bulk load: :attr:`writer` takes the events; :meth:`finish` loads them."""

    def __init__(
        self,
        settings: Settings,
        launcher: LocalNeo4j,
        batch_size: int,
        *,
        log: Callable[[str], None] = print,
    ) -> None:
        self.settings = settings
        self.launcher = launcher
        self.log = log
        self.directory = launcher.home / "import" / "bulk"
        shutil.rmtree(self.directory, ignore_errors=True)  # a failed load's files
        self.writer = BulkWriter(
            self.directory, batch_size, max_clock_skew_ms=settings.max_clock_skew_ms
        )
        self._stopping = threading.Thread(
            target=launcher.stop, name="trustgraph-bulk-stop", daemon=True
        )
        self._stopping.start()  # the tool needs the server stopped; meanwhile the events are read

    def finish(self) -> BulkLoadSummary:
        summary = BulkLoadSummary()
        started = time.perf_counter()
        files: CsvFiles = self.writer.graph.write_csv()
        summary.nodes, summary.relationships = files.node_count, files.relationship_count
        summary.csv_seconds = time.perf_counter() - started

        started = time.perf_counter()
        self._stopping.join()
        if self.launcher.status().running:  # the stop failed (its error was printed)
            self.launcher.stop()
        summary.stop_seconds = time.perf_counter() - started

        started = time.perf_counter()
        self.log(
            f"neo4j-admin database import full: {files.node_count:,} nodes and "
            f"{files.relationship_count:,} relationships into {self.settings.neo4j_database!r} ..."
        )
        self.launcher.import_full(
            self.settings.neo4j_database,
            files.nodes,
            files.relationships,
            self.directory / "import.report",
        )
        summary.import_seconds = time.perf_counter() - started

        started = time.perf_counter()
        self.launcher.start()
        summary.start_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with Store(self.settings) as store:
            store.apply_schema()
            store.transact(lambda tx: tx.run("ingest/bulk_empty_lists"))
        summary.schema_seconds = time.perf_counter() - started
        shutil.rmtree(self.directory, ignore_errors=True)
        return summary

    def abandon(self) -> None:
        """After a failure before :meth:`finish`: close the files, leave the server running."""
        self.writer.graph.close()
        self._stopping.join()
        self.launcher.start()
