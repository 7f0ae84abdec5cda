"""The ``trustgraph`` command line.

    trustgraph neo4j start|stop|status     the local Neo4j that trustgraph installs and runs
    trustgraph kafka start|stop|status     the local Kafka broker (KRaft) for the event stream
    trustgraph import FILE.jsonl           record events from a file (idempotent)
    trustgraph consume                     record events from Kafka topics (TRUSTGRAPH_KAFKA_*)
    trustgraph produce FILE.jsonl          send a file's events to a Kafka topic
    trustgraph seed [--buyers N] [--out F] generate a realistic platform
    trustgraph stats [--json]              node and relationship counts
    trustgraph rescore [--as-of ISO8601]   rebuild every buyer's trust in hosts and shops
    trustgraph rescore --engine spark --events LOG...
                                           the same rebuild, computed by Spark from the log
    trustgraph export-events F.jsonl --out F.parquet
                                           the event log as Parquet
    trustgraph up                          start Neo4j, load and score demo data if the graph
                                           is empty
    trustgraph report [--out DIR]          the stranger -> regular funnel: PNG charts and a summary
    trustgraph propagate [--from-buyer ID] hosts and shops ranked by propagated trust

The commands live in ``graph_api.cli.data``, ``graph_api.cli.stream`` and
``graph_api.cli.research``, their flags in
``graph_api.cli.parser``. This is the CLI's one error boundary: every error trustgraph expects
(bad flags, bad settings, Neo4j down) ends in one line on stderr and the exit status that
:mod:`graph_api.errors` gives it (2 for a bad flag, from argparse), never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_api.cli.console import flag, say
from graph_api.cli.parser import build_parser
from graph_api.errors import BadInput, TrustgraphError, exit_status
from graph_api.settings import load_settings


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        status: int = args.func(args, settings)
        return status
    except BadInput as exc:
        say(f"error: {args.command}: {exc.render(flag, ' ')}")
        return exit_status(exc)
    except TrustgraphError as exc:
        say(f"error: {exc}")
        return exit_status(exc)
    except KeyboardInterrupt as exc:
        say(
            "interrupted: every batch that finished is recorded; run "
            "the same command again to resume"
        )
        return exit_status(exc)
