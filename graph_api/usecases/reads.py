"""What the service reads: trust of one pair (scored live from the facts), trust in bulk (stored),
standings, connections, journeys. Plain Python values out; ``schema/`` turns them into GraphQL.

Two ways to read trust, on purpose:

* :meth:`Reads.trust` scores ONE pair from its facts as of the time asked (default: the graph's
  clock), so it carries the sentences, the next-level hint and an exact as-of, including past
  dates. It reads one buyer's facts: a few hundred rows at most.
* :meth:`Reads.trust_batch` reads the stored TRUST relationships (kept current by ingestion and
  ``trustgraph rescore``) for up to a thousand targets in one index-backed query: what a
  recommender needs, fast.

One rule for the time of both: ``asOf``, by default the graph's clock (which the clock rule of
ingestion keeps from running ahead of the wall clock). trustBatch answers from the stored
relations only when they were scored at exactly that time; otherwise (an ``asOf`` of the
client's, or relations scored before the latest event) it scores the batch live, as ``trust``
does, from one read of the buyer's facts. So the two always agree at the same ``asOf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph_api.derive.buyers import base_rate, build_pair_facts, score, weigh_buyer
from graph_api.errors import BadInput
from graph_api.research.export import ExportFilter, iter_graph, neighbourhood
from graph_api.store import BuyerRecord, Store
from scoring.facts import PairFacts
from scoring.pair_trust import HOST, LEVELS, SHOP, STRANGER, PairTrust
from scoring.policy import Policy
from scoring.timeline import level_changes


@dataclass(frozen=True)
class TrustColumns:
    """trustBatch's answer: one entry per target, in input order."""

    target_ids: list[str]
    target_kinds: list[str]
    levels: list[str]
    scores: list[float]
    confidences: list[float]
    as_of: list[int | None]  # None: no stored relation (a stranger)


@dataclass(frozen=True)
class Page:
    total: int
    rows: list[list[Any]]
    has_next: bool
    end_key: str | None


@dataclass(frozen=True)
class JourneyStep:
    at: int
    from_level: str | None
    to_level: str
    score: float
    confidence: float
    causes: list[tuple[str, str | None]]  # (what happened, the id it happened to)


class Reads:
    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    # -- time ----------------------------------------------------------------------------------
    def clock(self) -> int:
        """The graph's clock (latest event time); 0 on an empty graph."""
        return self.store.latest_event_at() or 0

    # -- one pair, live ------------------------------------------------------------------------
    def _buyer_facts(self, buyer_id: str, as_of: int) -> tuple[BuyerRecord | None, list[PairFacts]]:
        records = self.store.buyer_records([buyer_id], as_of)
        if not records:
            return None, []
        return records[0], build_pair_facts(records[0])

    def trust(
        self, buyer_id: str, kind: str, target_id: str, as_of: int | None
    ) -> tuple[PairTrust, float]:
        """The trust of one buyer toward one host or shop as of ``as_of`` (default: the clock),
        scored from the facts, and the buyer's weight. Unknown ids give a stranger with zero
        confidence."""
        at = self.clock() if as_of is None else as_of
        [trust], weight, _ = self._live(buyer_id, [(kind, target_id)], at)
        return trust, weight

    def _live(
        self, buyer_id: str, targets: Sequence[tuple[str, str]], at: int
    ) -> tuple[list[PairTrust], float, set[tuple[str, str]]]:
        """Score the buyer's trust toward each (kind, id) of ``targets`` from the facts as of
        ``at``: one read of the buyer's facts, one of the rights of shops it never ordered from.
        Also returns the buyer's weight and the targets it has facts with."""
        record, pairs = self._buyer_facts(buyer_id, at)
        by_target = {(p.target_kind, p.target_id): p for p in pairs}
        weight = weigh_buyer(record, pairs, self.policy, at).weight if record is not None else 1.0
        known = dict(record.shop_rights) if record is not None else {}
        unread = list(dict.fromkeys(t for k, t in targets if k == SHOP and t not in known))
        if unread:  # shops the buyer never ordered from: their rights as of ``at``, read at once
            for row in self.store.rows("read/shop_rights", ids=unread, asOf=at):
                known[row["id"]] = tuple(row["rights"] or ())
        out: list[PairTrust] = []
        for kind, target in targets:
            facts = by_target.get((kind, target)) or PairFacts(
                buyer_id=buyer_id, target_id=target, target_kind=kind
            )
            rights: Sequence[str] = known.get(target, ()) if kind == SHOP else ()
            out.append(score(facts, self.policy, at, weight, rights))
        return out, weight, set(by_target)

    # -- many pairs, stored --------------------------------------------------------------------
    def trust_batch(
        self,
        buyer_id: str,
        host_ids: Sequence[str],
        shop_ids: Sequence[str],
        as_of: int | None = None,
    ) -> TrustColumns:
        """Trust toward many targets as of ``as_of`` (default: the graph's clock): the stored
        relations when they were scored at that time, else scored live (module docstring)."""
        ids = [*host_ids, *shop_ids]
        kinds = [HOST] * len(host_ids) + [SHOP] * len(shop_ids)
        row = self.store.rows(
            "read/trust_batch", buyerId=buyer_id, shopIds=list(dict.fromkeys(shop_ids))
        )[0]
        clock = row["clock"] if row["clock"] is not None else self.clock()
        at = clock if as_of is None else as_of
        if at != clock or any(r[5] != at for r in row["relations"]):
            targets = list(zip(kinds, ids, strict=True))
            trusts, _, with_facts = self._live(buyer_id, targets, at)
            return TrustColumns(
                ids,
                kinds,
                [t.level for t in trusts],
                [t.score for t in trusts],
                [t.confidence for t in trusts],
                [at if target in with_facts else None for target in targets],
            )
        stored = {
            (kind, target): (level, value, conf, t)
            for kind, target, level, value, conf, t in row["relations"]
        }
        rights = dict(row["shops"])
        levels: list[str] = []
        scores: list[float] = []
        confs: list[float] = []
        scored_at: list[int | None] = []
        base_of: dict[str, float] = {}
        for kind, target in zip(kinds, ids, strict=True):
            found = stored.get((kind, target))
            if found is None:  # no relation: a stranger with no evidence scores the base rate
                base = base_of.get(f"{kind}:{target}")
                if base is None:
                    base = base_of[f"{kind}:{target}"] = base_rate(
                        kind, rights.get(target) or (), self.policy
                    )
                levels.append(STRANGER)
                scores.append(base)
                confs.append(0.0)
                scored_at.append(None)
            else:
                level, value, conf, _ = found
                levels.append(level)
                scores.append(value)
                confs.append(conf)
                scored_at.append(at)
        return TrustColumns(ids, kinds, levels, scores, confs, scored_at)

    # -- shops and hosts -----------------------------------------------------------------------
    def entities(self, standing_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Shops and hosts with their stored standing, by Standing id ("SHOP:s1")."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.store.rows("read/standings", ids=list(standing_ids)):
            out[r["id"]] = r
        return out

    def shop_hosts(self, shop_id: str) -> list[str]:
        return [r["id"] for r in self.store.rows("read/shop_hosts", shopId=shop_id)]

    # -- connections ---------------------------------------------------------------------------
    def _page(
        self, name: str, first: int, after: str, key_of: Any, **params: Any
    ) -> tuple[dict[str, Any] | None, Page]:
        """One page of a connection query (one row: ``total``, ``page`` and any other columns),
        asking for one row more than ``first`` to know whether there is a next page."""
        rows = self.store.rows(name, after=after, limit=first + 1, **params)
        if not rows:
            return None, Page(0, [], False, None)
        r = rows[0]
        page = r["page"][:first]
        return r, Page(r["total"], page, len(r["page"]) > first, key_of(page[-1]) if page else None)

    def host_buyers(self, host_id: str, level: str | None, first: int, after: str) -> Page:
        if level is not None and level not in LEVELS:
            raise BadInput("level", f"must be one of {', '.join(LEVELS)}")
        return self._page(
            "read/host_buyers", first, after, lambda row: row[0], hostId=host_id, level=level
        )[1]

    def fan_club(self, host_id: str, min_tier: int, first: int, after: str) -> Page:
        return self._page(
            "read/fan_club", first, after, lambda row: row[0], hostId=host_id, minTier=min_tier
        )[1]

    def buyer_relations(
        self, buyer_id: str, kind: str | None, first: int, after: str
    ) -> tuple[dict[str, Any] | None, Page]:
        """The buyer's row (weight, signals; None for an unknown buyer) and a page
        of its relations."""
        return self._page(
            "read/buyer_relations",
            first,
            after,
            lambda row: f"{row[0]}:{row[1]}",
            buyerId=buyer_id,
            kind=kind,
        )

    # -- neighbourhoods -----------------------------------------------------------------------
    def neighbourhood(
        self, center: str, depth: int, max_nodes: int
    ) -> tuple[list[Any], list[Any], bool]:
        """The subgraph within ``depth`` hops of ``center`` ("BUYER:b1", "HOST:h1", "SHOP:s1"),
        at most ``max_nodes`` nodes: (nodes, edges, truncated). Unknown centre: BadInput."""
        f = ExportFilter(center=center, depth=depth, max_nodes=max_nodes)
        reached = neighbourhood(self.store, center, depth, max_nodes)
        nodes: list[Any] = []
        edges: list[Any] = []
        for what, item in iter_graph(self.store, f):
            (nodes if what == "node" else edges).append(item)
        return nodes, edges, len(reached) >= max_nodes

    # -- journey -------------------------------------------------------------------------------
    def journey(
        self, buyer_id: str, kind: str, target_id: str
    ) -> tuple[list[JourneyStep], PairTrust, float]:
        """The level changes of one pair, from its first fact to the clock, and the facts that
        caused each (scoring/timeline.py), with the buyer's weight as of each moment (a detected
        ring's cap included, as in the stored trust)."""
        now = self.clock()
        record, pairs = self._buyer_facts(buyer_id, now)
        facts = next((p for p in pairs if p.target_kind == kind and p.target_id == target_id), None)
        if facts is None or record is None:
            return [], *self.trust(buyer_id, kind, target_id, now)
        # Rights as of t are not in the record (it has them as of now); the platform trust of a
        # journey uses the rights as of now, which moves only the stranger's base rate.
        rights = record.shop_rights.get(target_id, ())

        def weight_at(t: int) -> float:
            return weigh_buyer(record, pairs, self.policy, t).weight

        def score_at(t: int) -> PairTrust:
            return score(facts, self.policy, t, weight_at(t), rights)

        steps = [
            JourneyStep(
                c.at, c.from_level, c.to_level, c.trust.score, c.trust.confidence, list(c.causes)
            )
            for c in level_changes(facts, score_at, now, policy=self.policy.trust)
        ]
        return steps, score_at(now), weight_at(now)
