"""Entry points for notebooks: the trust graph in networkx in two lines.

    from graph_api.research import load_graph
    G = load_graph(category="jewellery", since="2021-09-01T00:00:00+08:00", center="SHOP:s00031", depth=2)

Settings come from the environment as for the CLI (``NEO4J_URI`` etc., or the local Neo4j that
``trustgraph neo4j start`` runs). See graph_api/export.py for what the graph holds.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from graph_api.events import parse_at
from graph_api.export import ExportFilter, to_networkx
from graph_api.settings import load_settings
from graph_api.store import Store


def _ms(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return parse_at(value)


def load_graph(*, since: str | int | None = None, until: str | int | None = None, category: str | None = None,
               center: str | None = None, depth: int = 2, max_nodes: int = 100_000) -> Any:
    """The filtered trust graph as a ``networkx.MultiDiGraph``. Times are ISO-8601 with an offset
    (or epoch ms); ``center`` is ``"HOST:<id>"`` or ``"SHOP:<id>"``."""
    f = ExportFilter(since=_ms(since), until=_ms(until), category=category, center=center, depth=depth,
                     max_nodes=max_nodes)
    with Store(load_settings()) as store:
        return to_networkx(store, f)


def find_rings(store: Store, policy: Any, as_of: int | None = None) -> list[Any]:
    """Brushing rings in the graph (scoring/rings.py), from the stored buyer weights and signals
    (so after a rescore), as of ``as_of`` (default: the graph's clock)."""
    from scoring.rings import Candidate, detect_rings

    at = as_of if as_of is not None else (store.latest_event_at() or 0)
    candidates = [Candidate(r["buyerId"], float(r["weight"]), tuple(r["signals"]),
                            tuple((s, h, t) for s, h, t in r["orders"]))
                  for r in store.rows("research/ring_candidates")]
    return detect_rings(candidates, policy.rings, at)


def apply_rings(store: Store, rings: list[Any]) -> int:
    """Mark ring members on their Buyer nodes (replacing an earlier detection); a rescore then
    caps their weight. Returns the number of buyers marked."""
    rows = [{"buyerId": b, "ringId": r.id} for r in rings for b in r.members]
    store.write_all([("research/clear_rings", [{}]), ("research/mark_rings", rows)])
    return len(rows)


# -- trust propagation over the stored graph --------------------------------------------------------

def trust_edges(store: Store, batch: int = 5000, progress: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Every stored TRUST relationship as a propagation edge (scoring/propagation.py): buyer ->
    ``"HOST:<id>"`` or ``"SHOP:<id>"``, weighted by the buyer's local trust, a page of buyers at a
    time. ``progress`` is called with the number of buyers done per page."""
    from scoring.propagation import Edge, local_trust

    for ids in store.id_pages("features/buyer_ids", batch):
        for r in store.rows("research/trust_edges", ids=ids):
            yield Edge(r["buyer"], f"{r['kind']}:{r['target']}",
                       local_trust(float(r["belief"] or 0.0), float(r["disbelief"] or 0.0), float(r["weight"])))
        if progress is not None:
            progress(len(ids))


def pretrusted_targets(store: Store, as_of: int, rule: Any = None) -> list[str]:
    """The default pre-trusted set (``scoring.propagation.PretrustRule``), from the stored
    standings: ``["SHOP:<id>", "HOST:<id>", ...]``."""
    from scoring.propagation import PretrustRule, is_pretrusted

    rule = rule or PretrustRule()
    chosen = []
    for r in store.rows("research/pretrust_candidates"):
        metrics = json.loads(r["explanation"] or "{}").get("metrics", {})
        if is_pretrusted(r["kind"], metrics, r["registeredAt"], as_of, rule):
            chosen.append(f"{r['kind']}:{r['id']}")
    return chosen


@dataclass(frozen=True)
class GlobalTrust:
    """Propagated trust over the stored graph (EigenTrust; scoring/propagation.py)."""

    as_of: int
    from_buyer: str | None  # None: global trust anchored on ``pretrusted``
    pretrusted: tuple[str, ...]  # "KIND:id" (the buyer, for a personalized run)
    edges: int
    result: Any  # scoring.propagation.PropagationResult; targets keyed "KIND:id"
    known: frozenset[str]  # personalized: the targets the buyer already has a relation with
    seconds: float

    def ranking(self, kind: str | None = None, n: int | None = None, exclude_known: bool = False) -> list[tuple[str, str, float]]:
        """(kind, id, trust) highest first; ``kind`` HOST or SHOP keeps one kind."""
        out = []
        for key, value in self.result.ranking():
            k, _, ident = key.partition(":")
            if (kind is None or k == kind) and not (exclude_known and key in self.known):
                out.append((k, ident, value))
                if n is not None and len(out) >= n:
                    break
        return out


class NoAnchor(ValueError):
    """Propagation has nothing to start from (no pre-trusted target, unknown buyer)."""


_CACHE: OrderedDict[tuple[Any, ...], GlobalTrust] = OrderedDict()
_LOCK = threading.Lock()


def propagate_stored(store: Store, as_of: int, *, pretrusted: Sequence[str] | None = None, from_buyer: str | None = None,
                     alpha: float = 0.15, progress: Callable[[int], None] | None = None) -> GlobalTrust:
    """Global trust of hosts and shops anchored on ``pretrusted`` (``"SHOP:<id>"``/``"HOST:<id>"``;
    default: :func:`pretrusted_targets`), or personalized from ``from_buyer`` (the walk restarts at
    that buyer: what buyers like them trust). Reads every stored TRUST relationship, so run it
    after a rescore. Cached per (graph clock, arguments)."""
    from scoring.propagation import propagate

    key = (id(store), as_of, tuple(pretrusted) if pretrusted is not None else None, from_buyer, alpha)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    started = time.perf_counter()
    edges = list(trust_edges(store, progress=progress))
    if from_buyer is not None:
        known = frozenset(e.target for e in edges if e.buyer == from_buyer and e.weight > 0)
        if not any(e.buyer == from_buyer for e in edges):
            raise NoAnchor(f"buyer {from_buyer} has no stored trust relation to start from")
        anchors: tuple[str, ...] = (from_buyer,)
    else:
        known = frozenset()
        anchors = tuple(pretrusted) if pretrusted is not None else tuple(pretrusted_targets(store, as_of))
        targets = {e.target for e in edges}
        if not any(a in targets for a in anchors):
            raise NoAnchor("no pre-trusted host or shop has a stored trust relation (after a rescore, "
                           "the default set is shops whose inspections pass and hosts with a long clean record)")
    try:
        result = propagate(edges, anchors, alpha=alpha, seeds_are_buyers=from_buyer is not None)
    except ValueError as exc:
        raise NoAnchor(str(exc)) from None
    out = GlobalTrust(as_of, from_buyer, anchors, len(edges), result, known, time.perf_counter() - started)
    with _LOCK:
        _CACHE[key] = out
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return out
