"""Shop and host records built from buyer passes instead of read again.

A standing is evaluated from every order of the shop or host in the policy's windows and, for each
of their buyers, the weight, levels and counts the buyer pass has computed (``features/shop_facts``,
``host_facts``). A buyer pass reads every order of its buyers anyway, with the outcomes those
queries return, and computes exactly the weights and levels they would then read back from the
graph. So the orders and buyers of a record can be kept from the buyer passes, and only the small
rest of each record read (``features/shop_profile``, ``host_profile``: penalties, reports, rights,
category, the stored standing) and joined with them. Two users:

* :class:`WindowOrders`, the full rebuild: one buyer pass over every buyer, then every shop and
  host (append only). Re-reading the windows' orders (three sub-queries per order) was about a
  third of the rebuild's work in Neo4j.
* :class:`WindowCache`, the deriver that follows the ingest log (issue 12, "maintain what
  evaluation needs instead of re-reading it"): a round rescores the buyers it touched and then the
  shops and hosts they reach. A busy shop's window holds thousands of orders, and reading them
  all was about half of a round; the cache keeps each shop's and host's window by buyer, replaces
  a buyer's part when the buyer is rescored, and reads a record in full only the first time (or
  after anything but this deriver wrote derived state: :mod:`graph_api.derive.incremental`).

The records are the ones the queries give, field for field: the incremental path with and
without the cache and the rebuild must agree (tests/integration/test_incremental.py,
tests/integration/test_window_cache.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from graph_api.store.records import BuyerRecord, EntityBuyer, EntityRecord
from scoring.buyer_weight import BuyerWeight
from scoring.facts import OrderFact
from scoring.pair_trust import HOST, SHOP, PairTrust


def _sides(o: OrderFact) -> tuple[OrderFact, OrderFact]:
    """An order as ``features/shop_facts`` and ``host_facts`` decode it
    (graph_api.store.records._entity_order): the entity's side only, no item or category (metrics
    do not read them). Built field by field: ``dataclasses.replace`` costs several times more, and
    a rebuild converts every order of the window twice."""
    at_shop = OrderFact(
        o.order_id, o.buyer_id, "", o.shop_id, o.placed_at, o.amount, None, None,
        o.delivered_at, o.refunded_at, o.refund_reason, o.returned, o.rating, o.reviewed_at,
        o.complaints, o.inspections, o.ruling, o.ruled_at,
    )  # fmt: skip
    at_host = OrderFact(
        o.order_id, o.buyer_id, o.host_id, "", o.placed_at, o.amount, None, None,
        o.delivered_at, o.refunded_at, o.refund_reason, o.returned, o.rating, o.reviewed_at,
        o.complaints, o.inspections, o.ruling, o.ruled_at,
    )  # fmt: skip
    return at_shop, at_host


def _entity_buyer(
    record: BuyerRecord, weight: BuyerWeight, level: str | None, count: int | None
) -> EntityBuyer:
    """What a shop's or host's record says of one of its buyers (``buyers`` of the queries)."""
    return EntityBuyer(
        record.buyer_id,
        weight.weight,
        level,
        weight.credibility,
        count,
        record.registered_at,
        record.ring_targets,
        weight.target_credibility,
    )


def _joined(
    profile: EntityRecord, orders: list[OrderFact], buyers: dict[str, EntityBuyer]
) -> EntityRecord:
    """The profile with its orders by (placed_at, order_id) and its buyers by id."""
    orders.sort(key=lambda o: (o.placed_at, o.order_id))
    return dataclasses.replace(
        profile, orders=tuple(orders), buyers=tuple(buyers[b] for b in sorted(buyers))
    )


class WindowOrders:
    """Each shop's and host's orders placed in ``(since, as_of]`` and its buyers, as the facts
    queries would list them, gathered one scored buyer at a time (:meth:`add`): the full
    rebuild's, where every buyer is scored once, before any shop or host."""

    def __init__(self, since: int, as_of: int) -> None:
        self.since = since
        self.as_of = as_of
        self._orders: dict[str, dict[str, list[OrderFact]]] = {SHOP: {}, HOST: {}}
        self._buyers: dict[str, dict[str, dict[str, EntityBuyer]]] = {SHOP: {}, HOST: {}}

    def add(self, record: BuyerRecord, weight: BuyerWeight, trusts: Iterable[PairTrust]) -> None:
        """One buyer's facts and what the buyer pass made of them (its weight as written to the
        Buyer, its pair trust as written to TRUST)."""
        window = [o for o in record.orders if self.since < o.placed_at <= self.as_of]
        if not window:
            return
        levels = {(t.target_kind, t.target_id): t.level for t in trusts}
        for o in window:
            at_shop, at_host = _sides(o)
            self._orders[SHOP].setdefault(o.shop_id, []).append(at_shop)
            self._orders[HOST].setdefault(o.host_id, []).append(at_host)
            for kind, target, count in (
                (SHOP, o.shop_id, weight.shops),
                (HOST, o.host_id, weight.hosts),
            ):
                buyers = self._buyers[kind].setdefault(target, {})
                if record.buyer_id not in buyers:
                    buyers[record.buyer_id] = _entity_buyer(
                        record, weight, levels.get((kind, target)), count
                    )

    def records(self, profiles: Iterable[EntityRecord]) -> Iterator[EntityRecord]:
        """The whole record of each shop or host whose profile (orders and buyers empty) is
        given."""
        for p in profiles:
            orders = self._orders[p.kind].pop(p.entity_id, [])
            buyers = self._buyers[p.kind].pop(p.entity_id, {})
            yield _joined(p, orders, buyers)


@dataclasses.dataclass
class _Window:
    """One shop's or host's orders after some ``since`` and their buyers, kept by buyer."""

    orders: dict[str, list[OrderFact]]  # buyer id -> its orders here (entity side)
    buyers: dict[str, EntityBuyer]
    size: int = 0  # orders held


class WindowCache:
    """The deriver's shops' and hosts' windows, kept between rounds (see the module docstring).

    A window enters the cache from a record read in full (:meth:`fill`); from then on each
    rescored buyer's part is replaced (:meth:`put`), and the record is the stored profile joined
    with it (:meth:`record`). Orders are kept from the ``since`` of the round that stored them and
    filtered again at each evaluation, so the window slides as the clock moves. At most
    ``max_orders`` orders are held; past that the windows evaluated longest ago are dropped (and
    read in full again when next needed)."""

    def __init__(self, max_orders: int = 1_000_000) -> None:
        if max_orders < 1:
            raise ValueError("max_orders must be at least 1")
        self.max_orders = max_orders
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._held = 0
        self.fills = 0  # records read in full (counted for the tests and the benchmark)
        self.hits = 0  # records joined from the cache

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._windows

    def __len__(self) -> int:
        return len(self._windows)

    def ids(self, kind: str) -> list[str]:
        """The shops (``kind`` SHOP) or hosts (HOST) whose windows are cached, by id."""
        return sorted(i for k, i in self._windows if k == kind)

    @property
    def orders_held(self) -> int:
        return self._held

    def clear(self) -> None:
        """Forget everything (derived state was written by someone else, or a round failed)."""
        self._windows.clear()
        self._held = 0

    def put(
        self, record: BuyerRecord, weight: BuyerWeight, trusts: Iterable[PairTrust], since: int
    ) -> None:
        """A rescored buyer: replace its part of every cached window it has orders in (its
        orders there after ``since``, and what the window says of it). Windows not cached are
        left alone: they are read in full when they are evaluated."""
        if not self._windows:
            return
        levels = {(t.target_kind, t.target_id): t.level for t in trusts}
        mine: dict[tuple[str, str], list[OrderFact]] = {}
        for o in record.orders:
            if o.placed_at <= since:
                continue
            at_shop, at_host = _sides(o)
            for key, side in (((SHOP, o.shop_id), at_shop), ((HOST, o.host_id), at_host)):
                if key in self._windows:
                    mine.setdefault(key, []).append(side)
        for key, orders in mine.items():
            kind, target = key
            window = self._windows[key]
            old = window.orders.get(record.buyer_id)
            self._held += len(orders) - (len(old) if old else 0)
            window.size += len(orders) - (len(old) if old else 0)
            window.orders[record.buyer_id] = orders
            count = weight.shops if kind == SHOP else weight.hosts
            window.buyers[record.buyer_id] = _entity_buyer(record, weight, levels.get(key), count)
        self._trim()

    def fill(self, record: EntityRecord) -> None:
        """A record read in full from the graph: its window, from now on kept here."""
        key = (record.kind, record.entity_id)
        self.forget(key)
        by_buyer: dict[str, list[OrderFact]] = {}
        for o in record.orders:
            by_buyer.setdefault(o.buyer_id, []).append(o)
        window = _Window(by_buyer, {b.buyer_id: b for b in record.buyers}, len(record.orders))
        self._windows[key] = window
        self._held += window.size
        self.fills += 1
        self._trim(keep=key)

    def forget(self, key: tuple[str, str]) -> None:
        window = self._windows.pop(key, None)
        if window is not None:
            self._held -= window.size

    def record(self, profile: EntityRecord, since: int, as_of: int) -> EntityRecord:
        """The whole record of a cached shop or host as the facts query would read it at
        ``as_of`` with this ``since``: its profile (orders and buyers empty) joined with the
        window's orders placed in ``(since, as_of]`` and the buyers of those."""
        key = (profile.kind, profile.entity_id)
        window = self._windows[key]
        self._windows.move_to_end(key)
        orders: list[OrderFact] = []
        buyers: dict[str, EntityBuyer] = {}
        for buyer_id, theirs in window.orders.items():
            inside = [o for o in theirs if since < o.placed_at <= as_of]
            if inside:
                orders.extend(inside)
                buyers[buyer_id] = window.buyers[buyer_id]
        self.hits += 1
        return _joined(profile, orders, buyers)

    def _trim(self, keep: tuple[str, str] | None = None) -> None:
        while self._held > self.max_orders and self._windows:
            key = next(iter(self._windows))
            if key == keep:
                if len(self._windows) == 1:
                    return
                self._windows.move_to_end(key)
                continue
            self.forget(key)
