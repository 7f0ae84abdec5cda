"""The service facade: every use case a client can ask for, the same for GraphQL resolvers and CLI
commands. Each method checks its arguments (:mod:`graph_api.usecases.arguments`; a
:class:`BadInput` names the argument as GraphQL spells it, and the CLI turns that name into its
flag), then runs one use case of the layers below. Plain Python values come out; ``schema/``
turns them into GraphQL types and ``graph_api.cli`` into text.

Reads run at the graph's clock (the latest event), never the wall clock, so that two calls on
the same graph agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from graph_api.derive import RescoreSummary, rescore_all
from graph_api.derive.results import Change, change_of
from graph_api.derive.snapshot import changes, snapshot
from graph_api.errors import BadInput, StoreUnavailable, TrustgraphError
from graph_api.ingest import BatchResult, Ingester
from graph_api.ingest.produce import EventProducer, ProduceResult
from graph_api.policy import parse_candidate
from graph_api.research.export import ExportFilter, ExportSummary, export
from graph_api.research.funnel import compute_funnel
from graph_api.research.propagation import GlobalTrust, propagate_stored
from graph_api.research.rings import Group, apply_rings, find_groups
from graph_api.research.simulate import Simulation, simulate
from graph_api.settings import Limits, zone
from graph_api.store import Store
from graph_api.usecases import arguments as check
from graph_api.usecases.cards import CardCache
from graph_api.usecases.reads import JourneyStep, Page, Reads, TrustColumns
from scoring.funnel import Funnel
from scoring.pair_trust import HOST, SHOP, PairTrust
from scoring.policy import Policy
from scoring.rings import Ring

Progress = Callable[[int], object]
PERIODS = ("DAY", "WEEK", "MONTH")
MAX_POLICY_CHARS = 200_000


@dataclass(frozen=True)
class PairAnswer:
    """The trust of one pair and the buyer's weight, with the pair as it was asked."""

    kind: str
    target_id: str
    trust: PairTrust
    weight: float


@dataclass(frozen=True)
class JourneyAnswer:
    kind: str
    target_id: str
    steps: list[JourneyStep]
    current: PairTrust
    weight: float


class Trustgraph:
    """What clients can ask, over one store and one policy (see the module docstring).

    ``ingester`` serves ``record_events``; the CLI, which imports files in its own way, passes
    none. With a ``producer`` (TRUSTGRAPH_INGEST=kafka) events go to Kafka instead
    (:meth:`produce_events`). With ``reads`` (a store over the read replicas,
    TRUSTGRAPH_READ_URIS) the clock and the serving reads (trust, standings, connections,
    journeys) go there; research, the change log and rescoring stay on ``store``."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        limits: Limits | None = None,
        *,
        ingester: Ingester | None = None,
        producer: EventProducer | None = None,
        reads: Store | None = None,
        timezone: str = "Asia/Shanghai",
        card_cache: CardCache | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.limits = limits or Limits()
        self.ingester = ingester
        self.producer = producer
        self.reader = reads or store
        self.tz = zone(timezone)  # funnel periods start at its midnight (TRUSTGRAPH_TIMEZONE)
        self._reads = Reads(self.reader, policy)
        # The service's badge cards, followed by its change feed (usecases/cards.py); the CLI
        # reads once and keeps none.
        self.card_cache = card_cache

    # -- time and policy -----------------------------------------------------------------------
    def clock(self) -> int | None:
        """The graph's clock: the time of the latest recorded event (None on an empty graph)."""
        return self.reader.latest_event_at()

    @property
    def policy_version(self) -> str:
        return self.policy.version

    # -- trust ---------------------------------------------------------------------------------
    def trust(
        self,
        buyer_id: str,
        host_id: str | None = None,
        shop_id: str | None = None,
        as_of: datetime | None = None,
    ) -> PairAnswer:
        """One buyer's trust toward one host or shop, scored from the facts as of ``as_of``."""
        buyer = check.check_id(buyer_id, "buyerId")
        kind, target = check.one_target(host_id, shop_id)
        trust, weight = self._reads.trust(buyer, kind, target, check.epoch_ms(as_of, "asOf"))
        return PairAnswer(kind, target, trust, weight)

    def trust_batch(
        self,
        buyer_id: str,
        host_ids: Sequence[str] | None,
        shop_ids: Sequence[str] | None,
        as_of: datetime | None = None,
    ) -> tuple[str, TrustColumns]:
        """Trust of one buyer toward many hosts and shops, in input order, as of ``as_of`` (the
        same default and the same answer as :meth:`trust`)."""
        self.check_batch_targets(len(host_ids or ()) + len(shop_ids or ()))
        buyer = check.check_id(buyer_id, "buyerId")
        hosts, shops = check.check_ids(host_ids, "hostIds"), check.check_ids(shop_ids, "shopIds")
        at = check.epoch_ms(as_of, "asOf")
        return buyer, self._reads.trust_batch(buyer, hosts, shops, at)

    # The size limits of the calls that take lists, by count alone: the service checks them
    # before it decodes a request's variables (schema/guards.py), the calls again here.
    def check_batch_targets(self, count: int) -> None:
        check.at_most(count, self.limits.max_batch_targets, "hostIds/shopIds", "targets")

    def check_badge_ids(self, count: int) -> None:
        check.at_most(count, self.limits.max_badge_ids, "shopIds/hostIds", "ids")

    def check_event_count(self, count: int) -> None:
        check.at_most(count, self.limits.max_events_per_call, "events", "events")

    # -- shops and hosts -----------------------------------------------------------------------
    @staticmethod
    def standing_key(kind: str, entity_id: str, argument: str = "id") -> str:
        """The key of a shop's or host's card (``SHOP:s1``) for :meth:`cards`."""
        return f"{kind}:{check.check_id(entity_id, argument)}"

    def card_keys(
        self, shop_ids: Sequence[str] | None, host_ids: Sequence[str] | None
    ) -> list[str]:
        """The keys of many badge cards (shops first, then hosts, in input order)."""
        self.check_badge_ids(len(shop_ids or ()) + len(host_ids or ()))
        keys = [f"{SHOP}:{i}" for i in check.check_ids(shop_ids, "shopIds")]
        keys += [f"{HOST}:{i}" for i in check.check_ids(host_ids, "hostIds")]
        return keys

    def cached_cards(self, keys: Sequence[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The cards of ``keys`` that this process holds fresh, and the keys it must read (all of
        them without a cache). No I/O: the service calls it on its event loop."""
        if self.card_cache is None:
            return {}, list(dict.fromkeys(keys))
        held = self.card_cache.lookup(keys)
        return held.found, held.missing

    def cards(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Shops and hosts with their stored standing, by key; unknown keys are absent. Through
        the card cache when there is one: what it holds fresh, the rest read and kept."""
        if self.card_cache is None:
            return self._reads.entities(keys)
        held = self.card_cache.lookup(keys, count=False)  # cached_cards counted them
        if held.missing:
            read = self._reads.entities(held.missing)
            self.card_cache.store(read, held.token)
            held.found.update(read)
        return held.found

    def see_own_writes(self) -> None:
        """After a call of this process wrote to the graph or waited for derived state: the
        cards and trust answers this process keeps catch up now (``CardCache.catch_up``), so
        the caller's next read here sees what the call answered. A graph that does not answer
        leaves the call's answer standing; the cache then serves nothing until it is seen."""
        if self.card_cache is None:
            return
        try:
            self.card_cache.catch_up(self.store)
        except StoreUnavailable:
            pass  # catch_up stopped the cache serving; the change feed's next look restarts it

    def shop_hosts(self, shop_id: str) -> list[str]:
        return self._reads.shop_hosts(shop_id)

    # -- connections ---------------------------------------------------------------------------
    def _first(self, first: int) -> int:
        check.between(first, 1, self.limits.max_page_size, "first")
        return first

    def host_buyers(self, host_id: str, level: str | None, first: int, after: str | None) -> Page:
        return self._reads.host_buyers(
            host_id, level, self._first(first), check.decode_cursor(after)
        )

    def fan_club(self, host_id: str, min_tier: int, first: int, after: str | None) -> Page:
        return self._reads.fan_club(
            host_id, min_tier, self._first(first), check.decode_cursor(after)
        )

    def buyer(self, buyer_id: str) -> tuple[str, dict[str, Any] | None]:
        """The buyer's stored row (weight, signals), None for an unknown buyer."""
        buyer = check.check_id(buyer_id, "id")
        row, _ = self._reads.buyer_relations(buyer, None, 1, "")
        return buyer, row

    def buyer_relations(
        self, buyer_id: str, kind: str | None, first: int, after: str | None
    ) -> Page:
        return self._reads.buyer_relations(
            buyer_id, kind, self._first(first), check.decode_cursor(after)
        )[1]

    def journey(
        self, buyer_id: str, host_id: str | None = None, shop_id: str | None = None
    ) -> JourneyAnswer:
        buyer = check.check_id(buyer_id, "buyerId")
        kind, target = check.one_target(host_id, shop_id)
        steps, current, weight = self._reads.journey(buyer, kind, target)
        return JourneyAnswer(kind, target, steps, current, weight)

    def neighbourhood(
        self, center: str, depth: int = 1, max_nodes: int = 200
    ) -> tuple[list[Any], list[Any], bool]:
        """The subgraph within ``depth`` hops (1-3) of ``center``, at most
        ``max_nodes`` (1-1,000)."""
        check.center(center)
        check.between(depth, 1, 3, "depth")
        check.between(max_nodes, 1, 1000, "maxNodes")
        return self._reads.neighbourhood(center, depth, max_nodes)

    # -- research ------------------------------------------------------------------------------
    def _research_clock(self) -> int:
        """Research runs on ``store`` (not the replicas): so does the clock it runs at."""
        return self.store.latest_event_at() or 0

    def _research_limit(self) -> AbstractContextManager[None]:
        """The time limit of one research call (TRUSTGRAPH_RESEARCH_TIMEOUT): QUERY_TIMEOUT."""
        return self.store.time_limit(self.limits.research_timeout_s)

    def simulate(
        self,
        policy_text: str,
        *,
        source: str = "policy",
        examples: int = 5,
        as_of: int | None = None,
        progress: Progress | None = None,
    ) -> Simulation:
        """What the candidate policy (TOML text) would change against the one in force, as of
        ``as_of`` (default: the clock), writing nothing."""
        if len(policy_text) > MAX_POLICY_CHARS:
            raise BadInput("policy", f"is longer than {MAX_POLICY_CHARS:,} characters")
        check.between(examples, 0, 100, "examples")
        candidate = parse_candidate(policy_text, source)
        at = as_of if as_of is not None else self._research_clock()
        with self._research_limit():
            return simulate(
                self.store, self.policy, candidate, at, examples=examples, progress=progress
            )

    def funnel(
        self,
        *,
        period: str = "MONTH",
        since: int | None = None,
        until: int | None = None,
        category: str | None = None,
        kind: str | None = None,
        horizon_days: int = 90,
        progress: Progress | None = None,
    ) -> tuple[Funnel, int]:
        """The stranger -> regular funnel over [since, until] and the clock it was computed at."""
        if period not in PERIODS:
            raise BadInput("period", f"must be one of {', '.join(PERIODS)}")
        check.window(since, until)
        check.between(horizon_days, 1, 365, "horizonDays")
        category = check.category(category)
        clock = self._research_clock()
        with self._research_limit():
            result = compute_funnel(
                self.store,
                self.policy,
                clock=clock,
                since=since,
                until=until,
                period=period,
                horizon_days=horizon_days,
                category=category,
                kind=kind,
                progress=progress,
                tz=self.tz,
            )
        return result, clock

    def ranking(
        self,
        *,
        from_buyer: str | None = None,
        pretrusted: Sequence[str] | None = None,
        alpha: float = 0.15,
        progress: Progress | None = None,
    ) -> GlobalTrust:
        """Trust propagated over the stored TRUST relationships (EigenTrust), anchored on
        ``pretrusted`` (default: the platform's pre-trusted set) or personalized from
        ``from_buyer``."""
        if from_buyer is not None and pretrusted is not None:
            raise BadInput("fromBuyer/pretrusted", "give at most one of fromBuyer or pretrusted")
        if not 0.0 < alpha < 1.0:
            raise BadInput("alpha", f"must be between 0 and 1, exclusive (got {alpha:g})")
        anchors = check.anchors(pretrusted)
        buyer = check.check_id(from_buyer, "fromBuyer") if from_buyer is not None else None
        with self._research_limit():
            return propagate_stored(
                self.store,
                self._research_clock(),
                pretrusted=anchors,
                from_buyer=buyer,
                alpha=alpha,
                progress=progress,
            )

    def rings(self, *, apply: bool = False) -> tuple[list[Ring], list[Group], int]:
        """Brushing rings and groups (lockstep, dense, crowds, bursts) in the graph, and how many
        accounts were marked
        (``apply``)."""
        with self._research_limit():
            rings, groups = find_groups(self.store, self.policy)
        return rings, groups, apply_rings(self.store, rings, groups) if apply else 0

    def ring_caps(self) -> tuple[int, int, float]:
        """After ``rings(apply=True)``: the marked buyers, how many of them weigh more than the
        ring cap now (the next rescore brings them down to it), and the cap."""
        cap = self.policy.rings.member_weight
        row = self.store.rows("research/ring_caps", cap=cap)[0]
        return row["marked"], row["above"], cap

    def export(
        self,
        fmt: str,
        out: Path,
        *,
        since: int | None = None,
        until: int | None = None,
        category: str | None = None,
        center: str | None = None,
        depth: int = 2,
        max_nodes: int = 100_000,
        progress: Progress | None = None,
    ) -> ExportSummary:
        """Stream the filtered trust graph to ``out`` as GraphML, node-link JSON or CSV."""
        check.window(since, until)
        f = ExportFilter(
            since=since,
            until=until,
            category=category,
            center=center,
            depth=depth,
            max_nodes=max_nodes,
        )
        with self._research_limit():
            return export(self.store, fmt, out, f, progress=progress)

    def rescore(
        self,
        *,
        as_of: int | None = None,
        batch_buyers: int = 2000,
        progress: Progress | None = None,
    ) -> RescoreSummary | None:
        """Rebuild all derived state as of ``as_of`` (default: the clock); None on
        an empty graph."""
        at = as_of if as_of is not None else self.clock()
        if at is None:
            return None
        before = snapshot(self.store)
        summary = rescore_all(
            self.store, self.policy, at, batch_buyers=batch_buyers, progress=progress
        )
        summary.changes = changes(before, snapshot(self.store))
        return summary

    # -- ingestion -----------------------------------------------------------------------------
    def change_head(self) -> int:
        """The position of the newest level or badge change in the change log (0: none)."""
        return int(self.store.rows("read/change_head")[0]["seq"])

    def changes_after(self, seq: int, limit: int) -> list[Change]:
        """The change log after position ``seq``, oldest first, at most ``limit`` changes."""
        rows = self.store.rows("read/changes_after", after=seq, limit=limit)
        return [change_of(r["change"]) for r in rows]

    def record_events(self, raw_events: Sequence[Any]) -> BatchResult:
        """Validate and record events (the JSONL format): durable when this returns, with their
        ingest log position; derived state follows (or, with an inline deriver, is done)."""
        if self.ingester is None:  # a facade built for reads (the CLI's) was asked to write
            raise TrustgraphError("record_events needs a Trustgraph built with an ingester")
        self.check_event_count(len(raw_events))
        return self.ingester.ingest(raw_events)

    def produce_events(self, raw_events: Sequence[Any]) -> ProduceResult:
        """Validate events and produce them to the event topic (TRUSTGRAPH_INGEST=kafka): durable
        in Kafka when this returns, with each partition's position; the graph's consumers record
        them (and judge what only the graph can: unknown orders go to the dead-letter topic)."""
        if self.producer is None:
            raise TrustgraphError("produce_events needs a Trustgraph built with a producer")
        self.check_event_count(len(raw_events))
        return self.producer.record(raw_events)
