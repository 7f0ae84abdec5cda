"""Buyers: who they are, how often they come and how ready they are to buy, and their relations.

Session rates and purchase propensities are lognormal across buyers, which gives heavy-tailed
orders per buyer. A buyer holds only O(1) state plus its relations to the few hosts and shops it
used (lists, not objects: there are millions of updates on the hot path). About 1% of organic
buyers appear in an order before their ``BUYER_REGISTERED`` event (``late_reg``: it comes
minutes to hours after their first order), so an ingester must handle forward references.
"""

from __future__ import annotations

import math
import random

from graph_api.seed.calibration import (
    PBUY_MEDIAN,
    PBUY_SIGMA,
    SESSION_RATE_MEDIAN,
    SESSION_RATE_SIGMA,
)
from graph_api.seed.config import SeedConfig
from graph_api.seed.sampling import NORM, NORM_SIZE
from graph_api.seed.timeline import DAY


class Buyer:
    __slots__ = (
        "id",
        "reg_day",
        "reg_sec",
        "rate",
        "pbuy",
        "late_reg",
        "ring",
        "hosts",
        "shops",
        "first_day",
        "multi",
        "bad",
    )

    def __init__(self, reg_day: int, reg_sec: int, ring: int) -> None:
        self.id = ""
        self.reg_day = reg_day
        self.reg_sec = reg_sec
        self.ring = ring  # ring index, or -1 for an organic buyer
        self.rate = 0.0
        self.pbuy = 0.0
        self.late_reg = False
        self.hosts: dict[int, list] = {}  # host -> relation (see below)
        self.shops: dict[
            int, list
        ] = {}  # shop -> [first order day, last, multi-day (0/1), orders, bad]
        self.first_day = -1  # day of the first order
        self.multi = False  # ordered on >= 2 distinct days
        self.bad = 0  # unforgiven bad experiences since the last session


# A buyer's relation to a host is a list: [sessions, interaction score, orders, satisfied orders,
# bad experiences, followed (0/1), fan-club tier, club points since joining]. The session code
# indexes it with literals (it is the hot path); the orders' outcome uses these two names.
SATISFIED, BAD = 3, 4


def organic_buyers(config: SeedConfig, rng: random.Random) -> list[Buyer]:
    """Every buyer but the brushing rings' throwaway ones, in the order they are drawn."""
    rnd = rng.random
    days = config.days
    n_organic = config.buyers - config.n_rings * config.ring_size
    buyers: list[Buyer] = []
    for _ in range(n_organic):
        # A cohort already on the platform joins in the first days, the rest over the period.
        reg_day = int(rnd() * min(days, 4)) if rnd() < 0.45 else int(rnd() * max(1, days * 0.9))
        b = Buyer(reg_day, int(rnd() * DAY), -1)
        b.rate = SESSION_RATE_MEDIAN * math.exp(SESSION_RATE_SIGMA * NORM[int(rnd() * NORM_SIZE)])
        b.pbuy = min(0.95, PBUY_MEDIAN * math.exp(PBUY_SIGMA * NORM[int(rnd() * NORM_SIZE)]))
        b.late_reg = rnd() < 0.011
        buyers.append(b)
    return buyers


def in_registration_order(buyers: list[Buyer]) -> list[Buyer]:
    """``buyers`` sorted by registration, with their ids: ring buyers' ids mix with
    everyone else's."""
    order = sorted(range(len(buyers)), key=lambda i: (buyers[i].reg_day, buyers[i].reg_sec, i))
    population = [buyers[i] for i in order]
    for i, b in enumerate(population):
        b.id = f"b{i + 1:06d}"
    return population
