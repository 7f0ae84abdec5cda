"""The full rebuild's shop and host records, built from its own buyer pass instead of read again.

A standing is evaluated from every order of the shop or host in the policy's windows and, for each
of their buyers, the weight, levels and counts the buyer pass has just computed
(``features/shop_facts``, ``host_facts``). The rebuild's buyer pass reads every order of every
buyer anyway, with the outcomes those queries return, and computes exactly the weights and levels
they would then read back from the graph. So :class:`WindowOrders` keeps, while the buyer pass
runs, the orders in the windows and what each shop's or host's record says of its buyers; the
standing pass then reads only the small rest of each record (``features/shop_profile``,
``host_profile``: penalties, reports, rights, category, the stored standing) and joins the two.

Neo4j is the rebuild's bottleneck, and re-reading the windows' orders (three sub-queries per
order) was about a third of its work. The records are the ones the queries give, field for
field: the incremental path reads them from the graph and must agree with the rebuild
(tests/integration/test_incremental.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from graph_api.store.records import BuyerRecord, EntityBuyer, EntityRecord
from scoring.buyer_weight import BuyerWeight
from scoring.facts import OrderFact
from scoring.pair_trust import HOST, SHOP, PairTrust


class WindowOrders:
    """Each shop's and host's orders placed in ``(since, as_of]`` and its buyers, as the facts
    queries would list them, gathered one scored buyer at a time (:meth:`add`)."""

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
            # As features/shop_facts decodes it (graph_api.store.records._entity_order): the
            # entity's side only, no item or category (metrics do not read them).
            at_shop = dataclasses.replace(o, host_id="", item_id=None, category=None)
            at_host = dataclasses.replace(o, shop_id="", item_id=None, category=None)
            self._orders[SHOP].setdefault(o.shop_id, []).append(at_shop)
            self._orders[HOST].setdefault(o.host_id, []).append(at_host)
            for kind, target, count in (
                (SHOP, o.shop_id, weight.shops),
                (HOST, o.host_id, weight.hosts),
            ):
                buyers = self._buyers[kind].setdefault(target, {})
                if record.buyer_id not in buyers:
                    buyers[record.buyer_id] = EntityBuyer(
                        record.buyer_id,
                        weight.weight,
                        levels.get((kind, target)),
                        weight.credibility,
                        count,
                        record.registered_at,
                        record.ring_targets,
                        weight.target_credibility,
                    )

    def records(self, profiles: Iterable[EntityRecord]) -> Iterator[EntityRecord]:
        """The whole record of each shop or host whose profile (orders and buyers empty) is
        given, with its orders by (placed_at, order_id) and its buyers by id."""
        for p in profiles:
            orders = self._orders[p.kind].pop(p.entity_id, [])
            orders.sort(key=lambda o: (o.placed_at, o.order_id))
            buyers = self._buyers[p.kind].pop(p.entity_id, {})
            yield dataclasses.replace(
                p, orders=tuple(orders), buyers=tuple(buyers[b] for b in sorted(buyers))
            )
