"""Exports of the trust graph for researchers: GraphML, JSON (networkx node-link) and CSV files,
streamed page by page, and the same graph as a networkx ``MultiDiGraph`` in memory.

The exported graph:

* nodes ``BUYER:<id>`` (``weight``: the anti-gaming weight), ``HOST:<id>`` and ``SHOP:<id>``
  (``name``, ``category``, ``badges``, ``tier``, ``multiplier``; shops also ``rights``); every
  node has ``kind`` and ``entityId`` (the id as stored). Buyer
  ids are exported as stored and nothing else about a buyer: the graph holds nothing else;
* edges buyer -> host / shop with key ``TRUST`` (the stored trust: ``level``, ``score``,
  ``confidence``, ``platformTrust``, ``asOf``) and key ``ORDERED`` (the buyer's orders there in
  the window: ``orders``, ``spend``, ``firstAt``, ``lastAt``), and host -> shop ``SELLS_FOR``.

Filters (all optional, combined): a time window on orders (``since``/``until``, epoch ms; with
a window a TRUST edge is kept only for a pair with an order in it), a ``category`` (hosts and
shops of it, and the edges to them), and a neighbourhood: the nodes within ``depth`` hops of a
``center`` host, shop or buyer (at most ``max_nodes``), and the edges among them.

Two lines in a notebook::

    from graph_api.research import load_graph
    G = load_graph(category="jewellery")
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from graph_api.errors import ExportError
from graph_api.store import Store

KINDS = ("BUYER", "HOST", "SHOP")
FORMATS = ("graphml", "json", "csv")

# Attribute name -> GraphML type. Nodes and edges each have a fixed set, declared up front so the
# file can be written in one pass.
NODE_ATTRS = {
    "kind": "string",
    "entityId": "string",
    "name": "string",
    "category": "string",
    "weight": "double",
    "badges": "string",
    "tier": "string",
    "multiplier": "double",
    "rights": "string",
}
EDGE_ATTRS = {
    "kind": "string",
    "level": "string",
    "score": "double",
    "confidence": "double",
    "platformTrust": "double",
    "asOf": "long",
    "orders": "int",
    "spend": "double",
    "firstAt": "long",
    "lastAt": "long",
}


@dataclass(frozen=True)
class ExportFilter:
    since: int | None = None
    until: int | None = None
    category: str | None = None
    center: str | None = None  # "HOST:h00001", "SHOP:s00001" or "BUYER:b000001"
    depth: int = 2
    max_nodes: int = 100_000

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ExportError("since", "is after {0}", mentions=("until",))
        if self.center is not None:
            kind, _, ident = self.center.partition(":")
            if kind not in KINDS or not ident:
                raise ExportError(
                    "center", f"{self.center!r} must be HOST:<id>, SHOP:<id> or BUYER:<id>"
                )
        if not 1 <= self.depth <= 6:
            raise ExportError("depth", "must be between 1 and 6")
        if self.max_nodes < 1:
            raise ExportError("maxNodes", "must be at least 1")

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class ExportSummary:
    nodes: int = 0
    edges: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_edges(self) -> int:
        return sum(self.edges.values())


Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Drop nulls (GraphML and CSV have no null) and flatten lists to comma-separated strings."""
    out = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = ",".join(v) if isinstance(v, (list, tuple)) else v
    return out


def neighbourhood(store: Store, center: str, depth: int, max_nodes: int) -> set[str]:
    """The node keys within ``depth`` hops of ``center`` (breadth first, at most ``max_nodes``)."""
    kind, _, ident = center.partition(":")
    exists = (
        store.rows("features/pair_facts", buyerIds=[ident], asOf=0)
        if kind == "BUYER"
        else store.rows("read/standings", ids=[center])
    )
    if not exists:
        raise ExportError("center", f"{center} is not in the graph")
    seen = {center}
    frontier = [center]
    for _ in range(depth):
        if not frontier or len(seen) >= max_nodes:
            break
        found = store.rows("export/neighbours", ids=frontier)[0]["ids"]
        frontier = sorted(k for k in found if k not in seen)[: max_nodes - len(seen)]
        seen.update(frontier)
    return seen


def iter_graph(
    store: Store, f: ExportFilter, progress: Callable[[int], object] | None = None, page: int = 2000
) -> Iterator[tuple[str, Any]]:
    """Stream the graph: ("node", Node) and ("edge", Edge) items, entities first, then buyers a
    page at a time with their edges. ``progress`` gets the number of buyers done per page."""
    keep: set[str] | None = (
        neighbourhood(store, f.center, f.depth, f.max_nodes) if f.center else None
    )
    entities = store.rows("export/entities", category=f.category)
    present: set[str] = set()
    for e in entities:
        key = f"{e['kind']}:{e['id']}"
        if keep is not None and key not in keep:
            continue
        present.add(key)
        yield (
            "node",
            (
                key,
                _clean(
                    {
                        "kind": e["kind"],
                        "entityId": e["id"],
                        "name": e["name"],
                        "category": e["category"],
                        "badges": e["badges"],
                        "tier": e["tier"],
                        "multiplier": e["multiplier"],
                        "rights": sorted(e["rights"]) if e["rights"] is not None else None,
                    }
                ),
            ),
        )
    for e in entities:
        if e["kind"] != "HOST":
            continue
        for shop in e["sellsFor"]:
            u, v = f"HOST:{e['id']}", f"SHOP:{shop}"
            if u in present and v in present:
                yield "edge", (u, v, "SELLS_FOR", {"kind": "SELLS_FOR"})
    buyer_ids = sorted(k[6:] for k in keep if k.startswith("BUYER:")) if keep is not None else None
    after = ""
    while True:
        rows = store.rows(
            "export/buyers_page",
            after=after,
            limit=page,
            since=f.since,
            until=f.until,
            category=f.category,
            ids=buyer_ids,
        )
        if not rows:
            break
        after = rows[-1]["id"]
        for r in rows:
            key = f"BUYER:{r['id']}"
            if keep is not None and key not in keep:
                continue
            ordered = {(kind, target) for kind, target, *_ in r["orders"]}
            edges: list[Edge] = []
            for kind, target, n, spend, first, last in r["orders"]:
                v = f"{kind}:{target}"
                if v in present:
                    edges.append(
                        (
                            key,
                            v,
                            "ORDERED",
                            {
                                "kind": "ORDERED",
                                "orders": n,
                                "spend": float(spend),
                                "firstAt": first,
                                "lastAt": last,
                            },
                        )
                    )
            windowed = f.since is not None or f.until is not None
            for kind, target, level, score, conf, platform, at in r["trust"]:
                v = f"{kind}:{target}"
                if v in present and (not windowed or (kind, target) in ordered):
                    edges.append(
                        (
                            key,
                            v,
                            "TRUST",
                            _clean(
                                {
                                    "kind": "TRUST",
                                    "level": level,
                                    "score": score,
                                    "confidence": conf,
                                    "platformTrust": platform,
                                    "asOf": at,
                                }
                            ),
                        )
                    )
            if not edges:
                continue
            yield (
                "node",
                (key, _clean({"kind": "BUYER", "entityId": r["id"], "weight": r["weight"]})),
            )
            for edge in edges:
                yield "edge", edge
        if progress is not None:
            progress(len(rows))


# -- writers ------------------------------------------------------------------------------------


def _graphml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def write_graphml(
    items: Iterator[tuple[str, Any]], out: IO[str], f: ExportFilter, summary: ExportSummary
) -> None:
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for name, kind in NODE_ATTRS.items():
        out.write(f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>\n')
    for name, kind in EDGE_ATTRS.items():
        out.write(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>\n')
    out.write('  <graph edgedefault="directed">\n')
    for what, item in items:
        if what == "node":
            key, attrs = item
            data = "".join(
                f'<data key="n_{k}">{_graphml_value(v)}</data>' for k, v in attrs.items()
            )
            out.write(f"    <node id={quoteattr(key)}>{data}</node>\n")
            summary.nodes += 1
        else:
            u, v, k, attrs = item
            data = "".join(
                f'<data key="e_{a}">{_graphml_value(x)}</data>' for a, x in attrs.items()
            )
            out.write(
                f"    <edge id={quoteattr(k)} source={quoteattr(u)} "
                f"target={quoteattr(v)}>{data}</edge>\n"
            )
            summary.edges[k] = summary.edges.get(k, 0) + 1
    out.write("  </graph>\n</graphml>\n")


def write_json(
    items: Iterator[tuple[str, Any]], out: IO[str], f: ExportFilter, summary: ExportSummary
) -> None:
    """networkx's node-link format (``networkx.node_link_graph(data, edges="links")``), written
    as it streams: the nodes go to the file, the links to a spool that is appended at the end."""
    out.write(
        '{"directed": true, "multigraph": true, "graph": '
        + json.dumps({"filters": f.describe()})
        + ', "nodes": [\n'
    )
    first = True
    with tempfile.TemporaryFile("w+", encoding="utf-8") as links:
        for what, item in items:
            if what == "node":
                key, attrs = item
                out.write(
                    ("" if first else ",\n") + json.dumps({"id": key, **attrs}, ensure_ascii=False)
                )
                first = False
                summary.nodes += 1
            else:
                u, v, k, attrs = item
                links.write(
                    json.dumps({"source": u, "target": v, "key": k, **attrs}, ensure_ascii=False)
                    + "\n"
                )
                summary.edges[k] = summary.edges.get(k, 0) + 1
        out.write('\n], "links": [\n')
        links.seek(0)
        for i, line in enumerate(links):
            out.write(("" if i == 0 else ",\n") + line.rstrip("\n"))
    out.write("\n]}\n")


def write_csv(
    items: Iterator[tuple[str, Any]], directory: Path, f: ExportFilter, summary: ExportSummary
) -> None:
    """Two files in ``directory``: nodes.csv (key + node attributes) and edges.csv (source,
    target, key + edge attributes); empty cells for absent values."""
    directory.mkdir(parents=True, exist_ok=True)
    with (
        (directory / "nodes.csv").open("w", newline="", encoding="utf-8") as nf,
        (directory / "edges.csv").open("w", newline="", encoding="utf-8") as ef,
    ):
        nodes = csv.DictWriter(nf, fieldnames=["key", *NODE_ATTRS])
        edges = csv.DictWriter(
            ef, fieldnames=["source", "target", "key", *[a for a in EDGE_ATTRS if a != "kind"]]
        )
        nodes.writeheader()
        edges.writeheader()
        for what, item in items:
            if what == "node":
                key, attrs = item
                nodes.writerow({"key": key, **attrs})
                summary.nodes += 1
            else:
                u, v, k, attrs = item
                edges.writerow(
                    {
                        "source": u,
                        "target": v,
                        "key": k,
                        **{a: x for a, x in attrs.items() if a != "kind"},
                    }
                )
                summary.edges[k] = summary.edges.get(k, 0) + 1


def export(
    store: Store,
    fmt: str,
    path: Path,
    f: ExportFilter,
    progress: Callable[[int], object] | None = None,
) -> ExportSummary:
    """Write the filtered graph to ``path`` (a file; a directory for csv)."""
    if fmt not in FORMATS:
        raise ExportError("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    started = time.perf_counter()
    summary = ExportSummary()
    items = iter_graph(store, f, progress)
    if fmt == "csv":
        write_csv(items, path, f, summary)
    else:
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8") as out:
            (write_graphml if fmt == "graphml" else write_json)(items, out, f, summary)
        tmp.replace(path)  # a finished file or none: never half an export under the final name
    summary.seconds = time.perf_counter() - started
    return summary


def to_networkx(store: Store, f: ExportFilter | None = None) -> Any:
    """The filtered graph as a ``networkx.MultiDiGraph`` (edge keys: TRUST, ORDERED, SELLS_FOR)."""
    # networkx takes 0.4 s to import: only notebooks and research pay for it, not every command.
    import networkx as nx  # noqa: PLC0415

    f = f or ExportFilter()
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(filters=f.describe())
    for what, item in iter_graph(store, f):
        if what == "node":
            key, attrs = item
            g.add_node(key, **attrs)
        else:
            u, v, k, attrs = item
            g.add_edge(u, v, key=k, **attrs)
    return g
