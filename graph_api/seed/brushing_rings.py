"""Brushing rings: fake orders that inflate a shop's sales and reviews.

Each ring works for one shop through one of its hosts: throwaway buyers registered a day or two
before the ring starts, with no other history, each placing 2-4 cheap orders within a few days;
all delivered and reviewed 5 stars, never refunded or complained about. Ring buyers never visit
a live room (no sessions): their orders are all they do. The rings' shops, hosts, start days and
members are the report's ground truth.
"""

from __future__ import annotations

import random
from typing import Any

from graph_api.seed.buyers import Buyer
from graph_api.seed.config import SeedConfig
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.orders import Orders
from graph_api.seed.timeline import DAY, Timeline, evening_sec, event


class BrushingRings:
    """Plans the rings, recruits their buyers, schedules and places their orders.

    The steps are separate because the rings' buyers are drawn before the population is put in
    registration order (which gives the buyers their ids), and their orders after."""

    def __init__(
        self,
        config: SeedConfig,
        market: Marketplace,
        orders: Orders,
        timeline: Timeline,
        rng: random.Random,
    ) -> None:
        """Plan the rings: one shop (never a refund-heavy one, if there is another) and one of its
        hosts each, and a start day after the link opens."""
        self.config = config
        self.market = market
        self.orders = orders
        self.timeline = timeline
        self.rng = rng
        rnd = rng.random
        days = config.days
        n_shops = config.n_shops
        self.plans: list[tuple[int, int, int]] = []  # (shop, host, start day)
        clean_shops = [s for s in range(n_shops) if not market.shop_bad[s]] or list(range(n_shops))
        for _ in range(config.n_rings):
            s = clean_shops[int(rnd() * len(clean_shops))]
            h = market.shop_hosts[s][int(rnd() * len(market.shop_hosts[s]))]
            earliest = max(3, market.link_day[(h, s)] + 1)
            latest = max(earliest, days - 5)
            self.plans.append((s, h, earliest + int(rnd() * (latest - earliest + 1))))
        self.targets = [(s, h) for s, h, _ in self.plans]
        self.members: list[list[str]] = [[] for _ in self.plans]  # buyer ids, per ring
        self.orders_by_day: dict[
            int, list[tuple[int, int, int]]
        ] = {}  # day -> (buyer index, ring, second)
        self.buyers: list[Buyer] = []  # the whole population, once in registration order

    def recruit(self) -> list[Buyer]:
        """The throwaway buyers, registered up to two days before their ring starts."""
        rnd = self.rng.random
        recruits = []
        for r, (_, _, start) in enumerate(self.plans):
            for _ in range(self.config.ring_size):
                reg_day = max(0, start - int(rnd() * 3))
                recruits.append(Buyer(reg_day, int(rnd() * DAY), r))
        return recruits

    def schedule(self, buyers: list[Buyer]) -> None:
        """Schedule every ring buyer's orders; ``buyers`` is the whole population with ids."""
        rnd = self.rng.random
        days = self.config.days
        self.buyers = buyers
        for i, b in enumerate(buyers):
            if b.ring < 0:
                continue
            _, _, start = self.plans[b.ring]
            self.members[b.ring].append(b.id)
            n = 2 + int(rnd() * 3)
            first = max(start, b.reg_day)
            for k in range(n):
                day = min(days - 1, first + (0 if k == 0 else int(rnd() * 4)))
                sec = evening_sec(rnd)
                if day == b.reg_day and sec <= b.reg_sec:
                    sec = min(DAY - 1, b.reg_sec + 300 + int(rnd() * 3600))
                self.orders_by_day.setdefault(day, []).append((i, b.ring, sec))

    def ground_truth(self) -> list[dict[str, Any]]:
        market = self.market
        return [
            {
                "ring": r + 1,
                "shopId": market.shop_ids[s],
                "hostId": market.host_ids[h],
                "startDay": start,
                "buyerIds": self.members[r],
            }
            for r, (s, h, start) in enumerate(self.plans)
        ]

    def place_orders(self, day: int) -> None:
        """Place the ring orders due on ``day``."""
        for i, r, sec in self.orders_by_day.pop(day, ()):
            self._order(i, r, day * DAY + sec)

    def _order(self, i: int, r: int, t: int) -> None:
        rnd = self.rng.random
        orders = self.orders
        s, h = self.targets[r]
        amount = float(5 + int(rnd() * 25)) + 0.9
        item = f"{self.market.shop_ids[s]}-i{int(rnd() * 3):03d}"
        oid = orders.new_order(t, self.buyers[i], h, s, amount, item)
        t_del = t + DAY + int(rnd() * DAY)
        self.timeline.emit(t_del, event("ORDER_DELIVERED", orderId=oid))
        orders.review(oid, t_del + 1800 + int(rnd() * 20 * 3600), 5)
