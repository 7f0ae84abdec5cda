"""The ``trustgraph`` command line's flags: one sub-parser per command, values checked as they are
parsed (argparse answers a bad flag with exit status 2 and a message naming it)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from graph_api.cli import data, research, spark, stream
from graph_api.errors import InvalidField
from graph_api.events import parse_at
from graph_api.seed.config import ATTACK_ADAPTATIONS, ATTACK_FAMILIES, ATTACK_SIZES

DESCRIPTION = "The ``trustgraph`` command line."
DERIVE_MODES = ("incremental", "rebuild", "none")
ENGINES = ("python", "spark")  # rescore --engine


def _names_among(known: tuple[str, ...], what: str) -> Callable[[str], tuple[str, ...]]:
    """A parser of ``a,b`` lists of ``known`` names, each kept once (``what`` names one in the
    error: "attack family", "adaptation")."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(n.strip() for n in text.split(",") if n.strip())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {unknown[0]!r}; known: {', '.join(known)}"
            )
        return tuple(dict.fromkeys(names))

    return parse


_families = _names_among(ATTACK_FAMILIES, "attack family")  # --attacks
_adaptations = _names_among(ATTACK_ADAPTATIONS, "adaptation")  # --attack-adapt


def _bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside {lo}..{hi}")
        return value

    return parse


def _as_of(text: str) -> int:
    try:
        return parse_at(text)
    except InvalidField as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _bulk_flag(p: argparse.ArgumentParser, into: str) -> None:
    p.add_argument(
        "--bulk",
        action="store_true",
        help=f"an initial load into {into} of the local server with neo4j-admin database import "
        "full (stops and restarts it), then the full rebuild unless --derive none: the same graph "
        "as through transactions, faster the larger the file (docs/benchmarks.md)",
    )


def _json_flag(p: argparse.ArgumentParser, what: str = "") -> None:
    p.add_argument("--json", action="store_true", help=f"print {what + ' as ' if what else ''}JSON")


def _window_flags(p: argparse.ArgumentParser, *, since: str, until: str) -> None:
    """--since, --until (times with an offset) and --category: the filters of research output."""
    p.add_argument("--since", type=_as_of, default=None, help=since)
    p.add_argument("--until", type=_as_of, default=None, help=until)
    p.add_argument("--category", default=None, help="only hosts and shops of this category")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trustgraph", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("neo4j", help="start, stop or inspect the local Neo4j")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=data.cmd_neo4j)

    p = sub.add_parser("kafka", help="start, stop or inspect the local Kafka broker (KRaft)")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=data.cmd_kafka)

    p = sub.add_parser("import", help="record the events of JSONL files")
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="files with one JSON event per line, in order"
    )
    _bulk_flag(p, "an empty database")
    p.add_argument(
        "--batch-size",
        type=_bounded_int(1, 100_000),
        default=None,
        help="events per transaction (default: TRUSTGRAPH_BATCH_SIZE or 5000)",
    )
    p.add_argument(
        "--rejected",
        default=None,
        help="where to write rejected events (one FILE only; default FILE.rejected.jsonl)",
    )
    _json_flag(p, "the summary")
    p.add_argument(
        "--derive",
        choices=DERIVE_MODES,
        default="incremental",
        help="keep trust and standings current: derive the ingest log beside the import, each "
        "buyer, shop and host once per round however many batches touched it (incremental, the "
        "default), rebuild everything once at the end (rebuild: faster for a first bulk load), "
        "or leave it to `trustgraph derive` or `rescore` (none)",
    )
    p.set_defaults(func=data.cmd_import)

    p = sub.add_parser(
        "consume",
        help="record events from Kafka topics (TRUSTGRAPH_KAFKA_*), committing offsets after "
        "each graph transaction",
    )
    p.add_argument(
        "--batch-size",
        type=_bounded_int(1, 100_000),
        default=None,
        help="messages per transaction (default: TRUSTGRAPH_BATCH_SIZE or 5000)",
    )
    p.add_argument(
        "--derive",
        choices=("incremental", "none"),
        default="incremental",
        help="rescore what each batch touched (incremental, the default) or leave it to "
        "`trustgraph rescore` (none)",
    )
    p.add_argument(
        "--instance-id",
        default=None,
        help="static group member id (default TRUSTGRAPH_KAFKA_INSTANCE_ID or <group>-<host>); "
        "each consumer of a group needs its own",
    )
    p.add_argument(
        "--until-idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop once no message has arrived for this long (default: run until SIGTERM)",
    )
    p.add_argument(
        "--metrics-port",
        type=_bounded_int(0, 65535),
        default=None,
        help="serve the consumer's Prometheus metrics on 127.0.0.1:PORT/metrics "
        "(default TRUSTGRAPH_KAFKA_METRICS_PORT; none when unset)",
    )
    _json_flag(p, "the summary")
    p.set_defaults(func=stream.cmd_consume)

    p = sub.add_parser("produce", help="send the events of a JSONL file to a Kafka topic")
    p.add_argument("file", help="a file with one JSON event per line")
    p.add_argument(
        "--topic", default=None, help="the topic (default: the first of TRUSTGRAPH_KAFKA_TOPICS)"
    )
    p.add_argument(
        "--partitions",
        type=_bounded_int(1, 1000),
        default=None,
        help="create the topic with this many partitions first, if it does not exist",
    )
    p.set_defaults(func=stream.cmd_produce)

    p = sub.add_parser("seed", help="generate a realistic platform into the graph or a file")
    p.add_argument(
        "--seed", type=_bounded_int(0, 2**31 - 1), default=7, help="random seed (default 7)"
    )
    p.add_argument(
        "--buyers",
        type=_bounded_int(1, 10_000_000),
        default=2000,
        help="number of buyers (default 2000)",
    )
    p.add_argument(
        "--hosts",
        type=_bounded_int(1, 1_000_000),
        default=None,
        help="number of hosts (default: from buyers)",
    )
    p.add_argument(
        "--shops",
        type=_bounded_int(1, 1_000_000),
        default=None,
        help="number of shops (default: from buyers)",
    )
    p.add_argument(
        "--start", default="2021-06-01", help="first day, YYYY-MM-DD (default 2021-06-01)"
    )
    p.add_argument(
        "--days", type=_bounded_int(1, 3650), default=180, help="days of activity (default 180)"
    )
    p.add_argument("--out", default=None, help="write JSONL here instead of into the graph")
    p.add_argument("--reset", action="store_true", help="delete everything in the graph first")
    _bulk_flag(p, "an empty database (or, with --reset, replace the database)")
    p.add_argument(
        "--truth", default=None, help="write the planted bad actors and calibration as JSON here"
    )
    p.add_argument(
        "--attacks",
        type=_families,
        default=(),
        help="plant these red-team attack families, comma-separated: "
        + ", ".join(ATTACK_FAMILIES)
        + " (default none)",
    )
    p.add_argument(
        "--attack-accounts",
        type=_bounded_int(1, 10_000),
        default=None,
        help="accounts per attack family (default: from --attack-size)",
    )
    p.add_argument(
        "--attack-size",
        choices=tuple(ATTACK_SIZES),
        default="small",
        help="small (12 accounts per family, 6 review bombers; default) or large (40 and 15)",
    )
    p.add_argument(
        "--attack-adapt",
        type=_adaptations,
        default=(),
        help="adapt every attack family to a published defence, comma-separated: "
        + ", ".join(ATTACK_ADAPTATIONS)
        + " (in_room: every attack order placed while watching its live room; history: every"
        " attack account browses its room on three distinct days; default none)",
    )
    p.add_argument(
        "--derive",
        choices=DERIVE_MODES,
        default="rebuild",
        help="into the graph: rebuild derived state once at the end (default), derive the ingest "
        "log beside the load (incremental) or not at all (none)",
    )
    p.set_defaults(func=data.cmd_seed)

    p = sub.add_parser("stats", help="node counts by label, relationship counts by type")
    _json_flag(p)
    p.set_defaults(func=data.cmd_stats)

    p = sub.add_parser(
        "rescore", help="rebuild all derived state (trust, weights, badges, boosts) from the facts"
    )
    p.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        help="evaluation time, ISO-8601 with offset (default: the latest event in the graph)",
    )
    p.add_argument(
        "--batch-buyers",
        type=_bounded_int(1, 100_000),
        default=2000,
        help="buyers read and written per transaction (default 2000)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="python",
        help="python: read the facts from the graph page by page (default); spark: compute "
        "from the event log (--events or --topic) with Spark, then write the same state back",
    )
    log = p.add_mutually_exclusive_group()
    log.add_argument(
        "--events",
        nargs="+",
        metavar="PATH",
        default=None,
        help="--engine spark: the event log, JSONL or Parquet files (or folders of them), in "
        "log order",
    )
    log.add_argument(
        "--topic",
        default=None,
        metavar="NAME",
        help="--engine spark: the event log as a Kafka topic (TRUSTGRAPH_KAFKA_BOOTSTRAP and "
        "TRUSTGRAPH_KAFKA_CONFIG_*), every message it holds when the job starts",
    )
    p.add_argument(
        "--spark-master",
        default=None,
        help="--engine spark: the Spark master (default TRUSTGRAPH_SPARK_MASTER, or local[2])",
    )
    p.add_argument(
        "--partitions",
        type=_bounded_int(1, 10_000),
        default=4,
        help="--engine spark: partitions of the buyers and of the shuffles (default 4)",
    )
    _json_flag(p, "the summary")
    p.set_defaults(func=data.cmd_rescore)

    p = sub.add_parser(
        "export-events",
        help="write the event log (JSONL files) as one Parquet file, for Spark and research",
    )
    p.add_argument("files", nargs="+", metavar="FILE.jsonl", help="the event files, in log order")
    p.add_argument("--out", required=True, help="the Parquet file to write (e.g. events.parquet)")
    _json_flag(p, "the summary")
    p.set_defaults(func=spark.cmd_export_events)

    p = sub.add_parser(
        "derive",
        help="derive what the ingest log holds (the deriver of a service run with "
        "TRUSTGRAPH_DERIVE=off)",
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep following the log until SIGTERM or Ctrl-C (one process at a time derives: "
        "a lease in the graph)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="print nothing but errors (under `trustgraph serve`)"
    )
    # Under `trustgraph serve`: stop after the round in flight once that process is gone (uvicorn
    # ends a SIGTERMed server by raising the signal again, so serve's own cleanup never runs).
    p.add_argument("--parent", type=_bounded_int(1, 2**22), default=None, help=argparse.SUPPRESS)
    _json_flag(p, "one line per round")
    p.set_defaults(func=data.cmd_derive)

    p = sub.add_parser(
        "simulate",
        help="what a candidate policy would change (levels, badges, tiers), writing nothing",
    )
    p.add_argument(
        "--policy",
        required=True,
        help="the candidate policy file (TOML, like scoring/policies/v1.toml)",
    )
    p.add_argument(
        "--as-of", type=_as_of, default=None, help="evaluation time (default: the latest event)"
    )
    p.add_argument(
        "--examples",
        type=_bounded_int(0, 100),
        default=5,
        help="examples per kind of change (default 5)",
    )
    _json_flag(p)
    p.set_defaults(func=research.cmd_simulate)

    p = sub.add_parser(
        "report", help="the stranger -> regular funnel as PNG charts and a Markdown summary"
    )
    p.add_argument("--out", default="report", help="the directory to write (default ./report)")
    p.add_argument(
        "--period",
        choices=["day", "week", "month"],
        default="month",
        help="period length (default month)",
    )
    _window_flags(
        p,
        since="window start, ISO-8601 with offset (default: first fact)",
        until="window end (default: the latest event)",
    )
    p.add_argument(
        "--kind",
        choices=["host", "shop"],
        default=None,
        help="only buyer -> host or buyer -> shop pairs",
    )
    p.add_argument(
        "--horizon-days",
        type=_bounded_int(1, 365),
        default=90,
        help=(
            "conversion counts levels reached within this many days of a "
            "pair's first fact (default 90)"
        ),
    )
    p.set_defaults(func=research.cmd_report)

    p = sub.add_parser(
        "propagate",
        help="hosts and shops ranked by trust propagated over buyers' trust (EigenTrust)",
    )
    p.add_argument(
        "--pretrusted",
        nargs="+",
        default=None,
        metavar="KIND:ID",
        help=(
            "anchors, HOST:<id> or SHOP:<id> (default: shops whose inspections pass, "
            "hosts with a long clean record)"
        ),
    )
    p.add_argument(
        "--from-buyer", default=None, help="personalized: what buyers like this one trust"
    )
    p.add_argument(
        "--include-known",
        action="store_true",
        help="with --from-buyer: keep what the buyer already knows",
    )
    p.add_argument(
        "--kind", choices=["host", "shop"], default=None, help="rank only hosts or only shops"
    )
    p.add_argument(
        "--top", type=_bounded_int(1, 1_000_000), default=20, help="how many to list (default 20)"
    )
    p.add_argument(
        "--alpha", type=float, default=0.15, help="restart probability, in (0, 1) (default 0.15)"
    )
    _json_flag(p)
    p.set_defaults(func=research.cmd_propagate)

    p = sub.add_parser(
        "rings", help="find brushing rings; --truth to score them, --apply to weigh them down"
    )
    p.add_argument(
        "--truth",
        default=None,
        help="a seed's ground truth (trustgraph seed --truth FILE) to score against",
    )
    p.add_argument(
        "--apply", action="store_true", help="mark the members (the next rescore caps their weight)"
    )
    _json_flag(p)
    p.set_defaults(func=research.cmd_rings)

    p = sub.add_parser(
        "export", help="export the trust graph as GraphML, JSON (networkx node-link) or CSV"
    )
    p.add_argument("--format", choices=["graphml", "json", "csv"], default="graphml")
    p.add_argument("--out", required=True, help="the file to write (a directory for csv)")
    _window_flags(
        p,
        since="orders placed at or after this time (ISO-8601 with offset)",
        until="orders placed at or before this time",
    )
    p.add_argument(
        "--center",
        default=None,
        help="only the neighbourhood of HOST:<id>, SHOP:<id> or BUYER:<id>",
    )
    p.add_argument(
        "--depth", type=_bounded_int(1, 6), default=2, help="hops around --center (default 2)"
    )
    p.add_argument(
        "--max-nodes",
        type=_bounded_int(1, 10_000_000),
        default=100_000,
        help="at most this many nodes around --center (default 100,000)",
    )
    p.set_defaults(func=research.cmd_export)

    p = sub.add_parser(
        "serve", help="serve the GraphQL API (starts the local Neo4j unless NEO4J_URI is set)"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1; 0.0.0.0 for all)",
    )
    p.add_argument("--port", type=_bounded_int(1, 65535), default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers", type=_bounded_int(1, 64), default=1, help="worker processes (default 1)"
    )
    p.add_argument(
        "--no-neo4j", action="store_true", help="do not start the local Neo4j (it runs already)"
    )
    p.set_defaults(func=data.cmd_serve)

    p = sub.add_parser(
        "up", help="start Neo4j, load demo data if the graph is empty, print stats, serve the API"
    )
    p.add_argument(
        "--demo-buyers",
        type=_bounded_int(1, 1_000_000),
        default=2000,
        help="demo size (default 2000)",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to serve on (default 127.0.0.1)")
    p.add_argument(
        "--port", type=_bounded_int(1, 65535), default=8000, help="port to serve on (default 8000)"
    )
    p.add_argument(
        "--no-serve", action="store_true", help="stop after loading and printing the stats"
    )
    p.set_defaults(func=data.cmd_up)
    return parser
