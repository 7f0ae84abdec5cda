"""Commands that run the graph and its data: ``neo4j``, ``kafka``, ``import``, ``seed``,
``stats``, ``rescore``, ``serve`` and ``up``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from graph_api import seed as seedmod
from graph_api.cli.console import buyers_shops_hosts, open_store, progress, say
from graph_api.cli.output import (
    describe_round,
    iso,
    print_bulk,
    print_import,
    print_rescore,
    round_dict,
)
from graph_api.cli.spark import cmd_rescore_spark
from graph_api.derive import BackgroundDrain, LogDeriver, RescoreSummary, Round
from graph_api.errors import (
    EXIT_SOME_REJECTED,
    BadInput,
    ConfigError,
    ImportFileError,
    KafkaUnavailable,
    PortInUse,
)
from graph_api.ingest import ImportSummary, Ingester, import_jsonl, ingest_stream, validated_events
from graph_api.ingest.bulk_load import BULK_WORKERS, BulkLoad, BulkLoadSummary, check_target
from graph_api.kafka_local import LocalKafka, broker_problem
from graph_api.neo4j_local import LocalNeo4j
from graph_api.policy import load_policy
from graph_api.service import ide
from graph_api.settings import Settings
from graph_api.store import Store
from graph_api.usecases import Trustgraph

# The demo platform of `trustgraph up` (README: "The two commands").
DEMO_SEED = 7
DEMO_START = "2021-06-01"
DEMO_DAYS = 180


def _launcher(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(settings, log=say)


# -- Neo4j ---------------------------------------------------------------------------------------


def cmd_neo4j(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.uses_local_neo4j:
        if args.action == "status":
            open_store(settings).close()
            print(f"using the existing Neo4j at {settings.neo4j_uri} (NEO4J_URI is set): reachable")
            return 0
        say(
            f"NEO4J_URI is set ({settings.neo4j_uri}): trustgraph uses that "
            "server and starts or stops nothing"
        )
        return 1
    launcher = _launcher(settings)
    if args.action == "start":
        launcher.start()
        with open_store(settings) as store:
            count = store.apply_schema()
        say(f"schema: {count} constraints and indexes in place")
    elif args.action == "stop":
        launcher.stop()
    else:
        status = launcher.status()
        print(status.describe())
        return 0 if status.running else 3
    return 0


# -- Kafka ---------------------------------------------------------------------------------------


def cmd_kafka(args: argparse.Namespace, settings: Settings) -> int:
    kafka = settings.kafka
    if not kafka.uses_local_broker:
        if args.action == "status":
            problem = broker_problem(kafka.bootstrap_servers, timeout=10)
            if problem is not None:
                raise KafkaUnavailable(kafka.bootstrap_servers, problem)
            print(f"using the existing Kafka at {kafka.bootstrap_servers}: reachable")
            return 0
        say(
            f"TRUSTGRAPH_KAFKA_BOOTSTRAP is set ({kafka.bootstrap}): trustgraph uses that "
            "cluster and starts or stops nothing"
        )
        return 1
    launcher = LocalKafka(settings, log=say)
    if args.action == "start":
        launcher.start()
    elif args.action == "stop":
        launcher.stop()
    else:
        status = launcher.status()
        print(status.describe())
        return 0 if status.running else 3
    return 0


# -- import / seed / stats -----------------------------------------------------------------------


def _ingester(store: Store, settings: Settings, batch_size: int | None = None) -> Ingester:
    """An ingester that only records: derivation follows the ingest log (:func:`_deriving`)."""
    return Ingester(
        store, batch_size or settings.batch_size, max_clock_skew_ms=settings.max_clock_skew_ms
    )


def _deriving(
    store: Store, settings: Settings, derive: str, ingest: Callable[[], ImportSummary]
) -> ImportSummary:
    """Run ``ingest``; with ``--derive incremental``, derive the ingest log in a thread beside
    it (each round coalescing what was logged while the previous one ran) and what is left at the
    end, so the summary's time is until derived state includes every event."""
    if derive != "incremental":
        return ingest()
    started = time.perf_counter()
    deriver = LogDeriver(
        store,
        load_policy(settings),
        lease_seconds=settings.derive_lease_ms / 1000,
        window_orders=settings.derive_window_orders,
    )
    with BackgroundDrain(deriver, settings.derive_poll_ms / 1000) as drain:
        summary = ingest()
    summary.add_derived([r.result for r in drain.rounds])
    summary.seconds = time.perf_counter() - started
    return summary


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    paths = [Path(f) for f in args.files]
    for path in paths:
        if not path.is_file():
            raise ImportFileError(str(path), "no such file")
    if args.rejected and len(paths) > 1:
        raise ConfigError(
            "--rejected", args.rejected, "one FILE (with several, each gets FILE.rejected.jsonl)"
        )
    if args.bulk:
        summaries, loaded, rebuilt = bulk_import(settings, paths, args, replace=False)
    else:
        loaded = None
        with open_store(settings) as store:
            store.apply_schema()
            ingester = _ingester(store, settings, args.batch_size)
            summaries = []
            for path in paths:
                with progress(path.stat().st_size, "B", f"import {path.name}") as bar:
                    summaries.append(
                        _deriving(
                            store,
                            settings,
                            args.derive,
                            lambda p=path, b=bar: import_jsonl(  # type: ignore[misc]
                                ingester, p, args.rejected, progress=b.update
                            ),
                        )
                    )
            accepted = sum(s.accepted for s in summaries)
            rebuilt = rebuild(store, settings) if args.derive == "rebuild" and accepted else None
    if args.json:
        out: dict[str, Any] = summaries[0].to_dict() if len(summaries) == 1 else {}
        if len(summaries) > 1:
            out["files"] = [s.to_dict() for s in summaries]
        out["bulk"] = loaded.to_dict() if loaded else None
        out["rebuild"] = rebuilt.to_dict() if rebuilt else None
        print(json.dumps(out, indent=2))
    else:
        for summary in summaries:
            print_import(summary)
        if loaded:
            print_bulk(loaded)
        if rebuilt:
            print_rescore(rebuilt)
    # Scripts can tell "all in" from "some refused" (README, Import): the accepted ones are
    # recorded either way, the refused ones are in the rejects file.
    return EXIT_SOME_REJECTED if any(s.rejected for s in summaries) else 0


def bulk_import(
    settings: Settings, paths: list[Path], args: argparse.Namespace, *, replace: bool
) -> tuple[list[ImportSummary], BulkLoadSummary, RescoreSummary | None]:
    """``import --bulk``: the files through the bulk writer, the load, then the full rebuild."""
    load = BulkLoad(
        settings,
        check_target(settings, replace=replace, log=say),
        args.batch_size or settings.batch_size,
        log=say,
    )
    summaries: list[ImportSummary] = []
    try:
        for path in paths:
            with progress(path.stat().st_size, "B", f"read {path.name}") as bar:
                summaries.append(
                    import_jsonl(
                        load.writer,
                        path,
                        args.rejected,
                        progress=bar.update,
                        workers=BULK_WORKERS,
                        threaded=False,
                    )
                )
    except BaseException:
        load.abandon()
        raise
    return summaries, *_bulk_finish(settings, load, args.derive)


def _bulk_finish(
    settings: Settings, load: BulkLoad, derive: str
) -> tuple[BulkLoadSummary, RescoreSummary | None]:
    loaded = load.finish()
    if derive == "none":
        return loaded, None
    with open_store(settings) as store:
        return loaded, rebuild(store, settings)


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    config = seedmod.SeedConfig(
        seed=args.seed,
        buyers=args.buyers,
        hosts=args.hosts,
        shops=args.shops,
        start=args.start,
        days=args.days,
        attacks=args.attacks,
        attack_accounts=args.attack_accounts,
        attack_size=args.attack_size,
        attack_adapt=args.attack_adapt,
    )
    if args.out:
        events, report = seedmod.generate(config)
        with progress(None, " events", f"seed -> {args.out}") as bar:
            count = seedmod.write_jsonl(events, args.out, progress=bar.update)
        say(f"wrote {count:,} events to {args.out}")
    else:
        report = seed_graph(settings, config, reset=args.reset, derive=args.derive, bulk=args.bulk)
    if args.truth:
        Path(args.truth).write_text(json.dumps(report.to_dict(), indent=2))
        say(f"ground truth and calibration written to {args.truth}")
    print(report.summary())
    return 0


def seed_graph(
    settings: Settings,
    config: seedmod.SeedConfig,
    *,
    reset: bool,
    derive: str,
    bulk: bool = False,
) -> seedmod.SeedReport:
    """Generate a platform into the graph, print the import's summary, and derive (``derive``:
    ``rebuild`` once at the end, ``incremental`` per batch, or ``none``). ``bulk``: through
    neo4j-admin into an empty database (``reset``: replacing it), then the full rebuild."""
    if bulk:
        return _seed_bulk(settings, config, reset=reset, derive=derive)
    events, report = seedmod.generate(config)
    with open_store(settings) as store:
        store.apply_schema()
        if reset:
            say(f"--reset: deleted {store.wipe():,} nodes")
        ingester = _ingester(store, settings)
        with progress(None, " events", "seed -> Neo4j") as bar:

            def counted(stream: Iterable[Any]) -> Iterator[Any]:
                for item in stream:
                    bar.update(1)
                    yield item

            summary: ImportSummary = _deriving(
                store,
                settings,
                derive,
                lambda: ingest_stream(
                    ingester,
                    counted(validated_events(events)),
                    Path("seed.rejected.jsonl"),
                    f"seed {config.seed}",
                ),
            )
        print_import(summary)
        if derive == "rebuild" and summary.accepted:
            rebuilt = rebuild(store, settings)
            if rebuilt:
                print_rescore(rebuilt)
    clashes = sum(
        summary.rejection_codes.get(c, 0)
        for c in ("EVENT_ID_CONFLICT", "DUPLICATE_ORDER", "DUPLICATE_REPORT")
    )
    if clashes:
        say(
            f"note: {clashes:,} generated events clash with what the graph already "
            "holds (seeded earlier with another --seed or size?); add --reset to "
            "replace the graph with this platform"
        )
    return report


def _seed_bulk(
    settings: Settings, config: seedmod.SeedConfig, *, reset: bool, derive: str
) -> seedmod.SeedReport:
    load = BulkLoad(
        settings, check_target(settings, replace=reset, log=say), settings.batch_size, log=say
    )
    try:
        events, report = seedmod.generate(config)
        with progress(None, " events", "seed -> CSV") as bar:

            def counted(stream: Iterable[Any]) -> Iterator[Any]:
                for item in stream:
                    bar.update(1)
                    yield item

            summary = ingest_stream(
                load.writer,
                counted(validated_events(events)),
                Path("seed.rejected.jsonl"),
                f"seed {config.seed}",
                threaded=False,
            )
    except BaseException:
        load.abandon()
        raise
    print_import(summary)
    loaded, rebuilt = _bulk_finish(settings, load, derive)
    print_bulk(loaded)
    if rebuilt:
        print_rescore(rebuilt)
    return report


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    print_stats(settings, as_json=args.json)
    return 0


def print_stats(settings: Settings, *, as_json: bool) -> None:
    with open_store(settings) as store:
        nodes, rels = store.graph_counts()
    if as_json:
        print(json.dumps({"nodes": nodes, "relationships": rels}, indent=2))
        return
    width = max([len(k) for k in [*nodes, *rels]] + [10])
    print(f"nodes ({sum(nodes.values()):,})")
    for label, n in nodes.items():
        print(f"  {label:<{width}} {n:>12,}")
    print(f"relationships ({sum(rels.values()):,})")
    for kind, n in rels.items():
        print(f"  {kind:<{width}} {n:>12,}")


# -- rescore -------------------------------------------------------------------------------------


def cmd_rescore(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild all derived state from the facts, as of --as-of or, by default, the latest event in
    the graph (not the wall clock: two runs on the same graph agree). ``--engine spark``
    computes the same from the event log with Spark (graph_api/cli/spark.py)."""
    if args.engine == "spark":
        return cmd_rescore_spark(args, settings)
    for name in ("events", "topic", "spark_master"):
        if getattr(args, name) is not None:
            raise BadInput(f"--{name.replace('_', '-')}", "is for --engine spark")
    with open_store(settings) as store:
        summary = rebuild(store, settings, args.as_of, args.batch_buyers)
    if summary is None:
        return 0
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print_rescore(summary)
    return 0


@contextlib.contextmanager
def sigterm_sets(stop: threading.Event) -> Iterator[None]:
    """While the block runs, SIGTERM (a service manager's stop) and Ctrl-C set ``stop``: the
    loop ends after the round in flight instead of in the middle of a transaction."""
    handlers = {
        sig: signal.signal(sig, lambda signum, frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)


def cmd_derive(args: argparse.Namespace, settings: Settings) -> int:
    """Derive what the ingest log holds (once, or following it with --follow until SIGTERM or
    Ctrl-C): the deriver of a deployment whose service runs with TRUSTGRAPH_DERIVE=off."""
    with open_store(settings) as store:
        store.apply_schema()
        deriver = LogDeriver(
            store,
            load_policy(settings),
            lease_seconds=settings.derive_lease_ms / 1000,
            window_orders=settings.derive_window_orders,
        )

        def report(r: Round) -> None:
            if args.quiet:
                return
            if args.json:
                print(json.dumps(round_dict(r, deriver.holder)), flush=True)
            else:
                print(describe_round(r), flush=True)

        stop = threading.Event()
        try:
            with sigterm_sets(stop):
                while not stop.is_set():
                    r = deriver.round()
                    if r is not None and r.batches:
                        report(r)
                    elif not args.follow:
                        break
                    else:  # nothing to derive, or another process holds the lease
                        stop.wait(settings.derive_poll_ms / 1000)
                    if args.parent is not None and os.getppid() != args.parent:
                        say("the service that started this deriver is gone; stopping")
                        break
            if stop.is_set() and not args.quiet:
                say("stopped after the last round")
        finally:
            deriver.release()
        now = deriver.positions()
        if not args.json and not args.quiet:
            say(f"ingest log: position {now.ingested:,}, derived {now.derived:,}, lag {now.lag:,}")
    return 0


def rebuild(
    store: Store, settings: Settings, as_of: int | None = None, batch_buyers: int = 2000
) -> RescoreSummary | None:
    """Run the full rebuild with a progress bar; the RescoreSummary, or None on an empty graph."""
    tg = Trustgraph(store, load_policy(settings), settings.limits, timezone=settings.timezone)
    as_of = as_of if as_of is not None else tg.clock()
    if as_of is None:
        say("the graph holds no events: nothing to score")
        return None
    say(f"rescoring everything as of {iso(as_of)} (policy {tg.policy_version})")
    with progress(buyers_shops_hosts(store), " buyers/shops/hosts", "rescore") as bar:
        return tg.rescore(as_of=as_of, batch_buyers=batch_buyers, progress=bar.update)


# -- serve / up ----------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    serve(
        settings,
        host=args.host,
        port=args.port,
        workers=args.workers,
        start_neo4j=not args.no_neo4j,
    )
    return 0


def serve(settings: Settings, *, host: str, port: int, workers: int, start_neo4j: bool) -> None:
    """Serve the GraphQL API with uvicorn. Each worker process reads the environment once (the
    same settings as this command) and follows the change log for its subscribers."""
    # uvicorn (and, through the app, strawberry) load only for this command: they would double
    # the start-up time of every other one.
    import uvicorn  # noqa: PLC0415

    check_port_free(host, port)
    if settings.uses_local_neo4j and start_neo4j:
        _launcher(settings).start()
    deriver = DeriverProcess() if settings.derive_mode == "async" else None
    if deriver is not None:
        # The workers (this process too, with one worker) read the environment: they answer
        # and wait, the deriver process derives.
        os.environ["TRUSTGRAPH_DERIVE_IN_PROCESS"] = "false"
        deriver.start()
        say("deriving in a process of its own beside the workers (TRUSTGRAPH_DERIVE=async)")
    say(
        f"serving GraphQL on http://{host}:{port}/graphql "
        f"({workers} worker{'s' if workers > 1 else ''}; GraphiQL "
        f"{'on' if settings.graphiql else 'off'}); health: /healthz, /readyz; metrics: /metrics"
    )
    say(f"first query to try:  {ide.one_line(ide.FIRST_QUERY)}")
    say(
        f"the badge widget on a live room, product cards and an order page: http://{host}:{port}/demo"
        " (docs/widget.md)"
    )
    try:
        uvicorn.run(
            "graph_api.service.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            ws="websockets-sansio",
        )
    finally:
        if deriver is not None:
            deriver.stop()


class DeriverProcess:
    """``trustgraph derive --follow`` as a child of ``serve``, restarted if it dies (the lease
    and the derived position in the graph let the new one carry on where the old one stopped)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._supervise, name="deriver-watch", daemon=True)

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "graph_api.cli", "derive", "--follow", "--quiet"),
                *("--parent", str(os.getpid())),
            ]
        )

    def start(self) -> None:
        self._spawn()
        self._watch.start()

    def _supervise(self) -> None:
        while not self._stopping.wait(1.0):
            code = self.proc.poll() if self.proc is not None else 0
            if code:  # (0: it was stopped, with the rest of the process group, by Ctrl-C)
                say(f"the deriver process exited ({code}); starting a new one")
                self._spawn()

    def stop(self) -> None:
        """Stop it after the round in flight. Reached when uvicorn returns (Ctrl-C); a SIGTERMed
        serve dies by the signal, uvicorn raising it again once its shutdown is done, and the
        deriver then stops by itself (``--parent``: it watches this process)."""
        self._stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # it stops after the round in flight
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def check_port_free(host: str, port: int) -> None:
    """Refuse a taken port before anything starts: uvicorn would only fail after the banner,
    in a log line. Bound as uvicorn binds (SO_REUSEADDR), so a port in TIME_WAIT is free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(host, port, exc.strerror or str(exc)) from None


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """Start the local Neo4j (unless NEO4J_URI is set), apply the schema, load demo data into an
    empty graph and score it, print the counts, then serve the GraphQL API (``make run``)."""
    if not args.no_serve:
        check_port_free(args.host, args.port)
    if settings.uses_local_neo4j:
        _launcher(settings).start()
    with open_store(settings) as store:
        store.apply_schema()
        nodes, _ = store.graph_counts()
    if sum(nodes.values()) == 0:
        say(
            "the graph is empty: loading a demo platform "
            f"({args.demo_buyers:,} buyers, seed {DEMO_SEED})"
        )
        config = seedmod.SeedConfig(
            seed=DEMO_SEED, buyers=args.demo_buyers, start=DEMO_START, days=DEMO_DAYS
        )
        print(seed_graph(settings, config, reset=False, derive="rebuild").summary())
    else:
        say("the graph already holds data: not loading the demo")
    print_stats(settings, as_json=False)
    if not args.no_serve:
        serve(settings, host=args.host, port=args.port, workers=1, start_neo4j=False)
    return 0
