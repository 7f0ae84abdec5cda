"""Research over the stored graph: exports, networkx, ring detection, trust propagation, the
stranger -> regular funnel and its report, policy what-if.

    notebook     load_graph: the trust graph as a networkx MultiDiGraph, for notebooks
    export       GraphML, node-link JSON and CSV, streamed; neighbourhoods
    rings        brushing rings found, scored against a seed's truth, and marked
    propagation  EigenTrust over the stored TRUST relationships
    funnel       every pair's level path replayed from its facts, aggregated
    report       the funnel as PNG charts, Markdown and JSON
    simulate     what a candidate policy would change, writing nothing
"""

from graph_api.research.notebook import load_graph
from graph_api.research.propagation import (
    GlobalTrust,
    pretrusted_targets,
    propagate_stored,
    trust_edges,
)
from graph_api.research.rings import apply_rings, find_rings

__all__ = [
    "GlobalTrust",
    "apply_rings",
    "find_rings",
    "load_graph",
    "pretrusted_targets",
    "propagate_stored",
    "trust_edges",
]
