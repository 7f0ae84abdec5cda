"""The ``trustgraph`` command line (``python -m graph_api.cli`` is the same).

main      the entry point and the CLI's one error boundary
parser    the flags of every command
data      neo4j, import, seed, stats, rescore, serve, up
research  simulate, report, propagate, rings, export
spark     rescore --engine spark, export-events (pyspark and pyarrow imported when run)
console   stderr messages, progress bars, the store and the use cases opened with a hint
output    how summaries are printed
"""

from graph_api.cli.main import main

__all__ = ["main"]
