"""Entry points for notebooks: the trust graph in networkx in two lines.

    from graph_api.research import load_graph
    G = load_graph(
        category="jewellery", since="2021-09-01T00:00:00+08:00", center="SHOP:s00031", depth=2
    )

Settings come from the environment as for the CLI (``NEO4J_URI`` etc., or the local Neo4j that
``trustgraph neo4j start`` runs). See graph_api/research/export.py for what the graph holds.
"""

from __future__ import annotations

from typing import Any

from graph_api.events import parse_at
from graph_api.research.export import ExportFilter, to_networkx
from graph_api.settings import load_settings
from graph_api.store import Store


def _ms(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return parse_at(value)


def load_graph(
    *,
    since: str | int | None = None,
    until: str | int | None = None,
    category: str | None = None,
    center: str | None = None,
    depth: int = 2,
    max_nodes: int = 100_000,
) -> Any:
    """The filtered trust graph as a ``networkx.MultiDiGraph``. Times are ISO-8601 with an offset
    (or epoch ms); ``center`` is ``"HOST:<id>"`` or ``"SHOP:<id>"``."""
    f = ExportFilter(
        since=_ms(since),
        until=_ms(until),
        category=category,
        center=center,
        depth=depth,
        max_nodes=max_nodes,
    )
    with Store(load_settings()) as store:
        return to_networkx(store, f)
