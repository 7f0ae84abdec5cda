"""The simulation that ties the parts together, and :func:`generate`.

The world is built first, in a fixed order, because every step draws from the one
``random.Random(seed)`` and the order of the draws is part of the output: the hosts and shops
(:mod:`~graph_api.seed.marketplace`), the bad shops and hosts among them
(:mod:`~graph_api.seed.bad_actors`), their registrations, links and trust rights, the penalties,
then the buyers (:mod:`~graph_api.seed.buyers`) and the brushing rings
(:mod:`~graph_api.seed.brushing_rings`). Reordering any of these steps changes the events.

Then the stream is produced one day at a time: the day's changes to the platform take effect,
buyers register, sessions (:mod:`~graph_api.seed.sessions`) and ring orders run, and what they
caused that day is sorted by time and yielded; later consequences wait in the
:class:`~graph_api.seed.timeline.Timeline`. Memory: per buyer, O(1) state plus its relations to
the few hosts and shops it used; per order, only the follow-up events scheduled for future days.
Nothing else is retained.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from graph_api.seed.attacks import Attacks
from graph_api.seed.bad_actors import FalseAdReports, penalise_violations, plant_bad_shops_and_hosts
from graph_api.seed.brushing_rings import BrushingRings
from graph_api.seed.buyers import in_registration_order, organic_buyers
from graph_api.seed.config import ATTACK_FIELDS, SeedConfig
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.orders import Orders
from graph_api.seed.report import SeedReport, complete_report
from graph_api.seed.sessions import Sessions
from graph_api.seed.timeline import DAY, TIMES, Timeline

_at = itemgetter("at")
_type = itemgetter("type")


class _Simulation:
    def __init__(self, config: SeedConfig, report: SeedReport) -> None:
        self.config = config
        self.report = report
        self.start = date.fromisoformat(config.start)
        rng = random.Random(config.seed)
        timeline = self.timeline = Timeline(config.days)

        # The platform, in the order of its draws (see the module docstring).
        market = self.market = Marketplace(config, rng)
        report.refund_heavy_shops, report.false_ad_hosts = plant_bad_shops_and_hosts(
            market, config, rng
        )
        market.announce(timeline, rng)
        market.open_rights(timeline, rng)
        penalise_violations(market, timeline, rng)

        # The buyers: organic ones, then the rings' throwaway ones; ids follow registration.
        orders = self.orders = Orders(market, timeline, rng)
        false_ads = FalseAdReports(market, timeline, rng)
        buyers = organic_buyers(config, rng)
        rings = self.rings = BrushingRings(config, market, orders, timeline, rng)
        buyers += rings.recruit()
        self.buyers = in_registration_order(buyers)
        rings.schedule(self.buyers)
        report.rings = rings.ground_truth()
        self.sessions = Sessions(self.buyers, market, timeline, orders, false_ads, rng)

        # The red team's attacks, if asked for: their own random draws and ids, so that the
        # organic platform above is the same with and without them.
        self.attacks = Attacks(config, market, timeline) if config.attacks else None
        report.attacks = self.attacks.truth if self.attacks is not None else []

    def run(self) -> Iterator[dict]:
        rep = self.report
        timeline, market, sessions, rings = self.timeline, self.market, self.sessions, self.rings
        attacks = self.attacks
        n_attack = 0
        counts: Counter[str] = Counter()
        seed = self.config.seed
        n = 0
        buyers = self.buyers
        next_reg = 0
        for d in range(timeline.days):
            timeline.day = d
            timeline.today = timeline.pending.pop(d, [])
            if attacks is not None:
                attacks.decide(d)
            for action in timeline.activations.pop(d, ()):
                market.apply(action)
            while next_reg < len(buyers) and buyers[next_reg].reg_day == d:
                sessions.register(next_reg)
                next_reg += 1
            for b, min_sec in timeline.sessions.pop(d, ()):
                sessions.visit(b, d, min_sec)
            rings.place_orders(d)
            today = timeline.today
            today.sort(key=_at)  # stable: events at the same second keep their causal order
            if attacks is not None and attacks.watching:
                attacks.observe(today)
            prefix = (self.start + timedelta(days=d)).isoformat() + "T"
            base = d * DAY
            for ev in today:
                if ev["eventId"] is None:
                    n += 1
                    ev["eventId"] = f"seed{seed}-{n}"
                else:  # an attack's event: numbered apart, so organic ids do not shift
                    n_attack += 1
                    ev["eventId"] = f"seed{seed}-x{n_attack}"
                ev["at"] = prefix + TIMES[ev["at"] - base]
                yield ev
            counts.update(map(_type, today))
            rep.events = n + n_attack
            rep.event_counts = dict(counts)
            timeline.today = []
        complete_report(rep, self.buyers, market, self.orders)


def generate(config: SeedConfig | None = None) -> tuple[Iterator[dict[str, Any]], SeedReport]:
    """Build the world for ``config`` and return ``(events, report)``.

    ``events`` yields event dicts in non-decreasing ``at`` order, one day at a time; ``report``
    fills in as ``events`` is consumed (see :class:`SeedReport`). Calling ``generate`` twice with
    the same config gives identical streams.
    """
    config = config or SeedConfig()
    fields = asdict(config)
    if not config.attacks:  # the report of a platform without attacks is as it always was
        for name in ATTACK_FIELDS:
            del fields[name]
    elif not config.attack_adapt:  # nor that of attacks without adaptations
        del fields["attack_adapt"]
    report = SeedReport(seed=config.seed, config=fields)
    sim = _Simulation(config, report)
    report.buyers, report.hosts, report.shops = config.buyers, config.n_hosts, config.n_shops
    return sim.run(), report
