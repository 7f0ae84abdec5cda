"""The planted bad shops and hosts, and the platform's penalties.

  * refund-heavy shops: many DEFECT / NOT_AS_DESCRIBED refunds, complaints including FAKE_GOODS,
    failed inspections, COUNTERFEIT penalties;
  * false-advertising hosts: many FALSE_AD_REPORTED, most confirmed, escalating FALSE_AD
    penalties for repeat offences, more NOT_AS_DESCRIBED refunds.

This module chooses them (their ids are the report's ground truth), issues the penalties, and
runs the false-advertising reports of every live room; how a bad shop's or host's orders turn
out is in :mod:`graph_api.seed.orders`. Brushing rings, the third kind, are in
:mod:`graph_api.seed.brushing_rings`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from graph_api.seed.config import SeedConfig
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.timeline import DAY, Timeline, event


def plant_bad_shops_and_hosts(
    market: Marketplace, config: SeedConfig, rng: random.Random
) -> tuple[list[str], list[str]]:
    """Mark the refund-heavy shops and false-advertising hosts; their ids, sorted."""
    n_hosts, n_shops = len(market.host_ids), len(market.shop_ids)
    traffic, pop = market.traffic, market.host_pop
    # Refund-heavy shops are mid-sized: not the biggest (those get noticed), not the tiny ones.
    by_traffic = sorted(range(n_shops), key=lambda s: traffic[s])
    lo = min(n_shops // 4, n_shops - 2 * config.n_refund_heavy_shops)
    candidates = by_traffic[lo : max(lo + 2 * config.n_refund_heavy_shops, n_shops * 3 // 4)]
    rng.shuffle(candidates)
    for s in candidates[: config.n_refund_heavy_shops]:
        market.shop_bad[s] = True
    hosts_by_pop = sorted(range(n_hosts), key=lambda h: -pop[h])
    # False advertisers are mid-popularity hosts (not the very top: those are watched closely).
    pool = hosts_by_pop[1:] if n_hosts > 2 else hosts_by_pop
    pool = pool[: max(config.n_false_ad_hosts * 4, len(pool) // 3)]
    rng.shuffle(pool)
    for h in pool[: config.n_false_ad_hosts]:
        market.host_false_ad[h] = True
    return (
        sorted(market.shop_ids[s] for s in range(n_shops) if market.shop_bad[s]),
        sorted(market.host_ids[h] for h in range(n_hosts) if market.host_false_ad[h]),
    )


def emit_penalty(
    timeline: Timeline, t: int, key: str, target: str, severity: int, code: str
) -> None:
    """A VIOLATION_PENALIZED of the shop or host ``target`` (``key`` is "shopId" or "hostId")."""
    timeline.emit(t, event("VIOLATION_PENALIZED", **{key: target}, severity=severity, code=code))


def penalise_violations(market: Marketplace, timeline: Timeline, rng: random.Random) -> None:
    """Penalties unrelated to false advertising: bad shops are penalised for counterfeits, with
    escalating severity; a few ordinary shops and hosts get a minor one. (False advertising is
    penalised as reports are confirmed: :class:`FalseAdReports`.)"""
    rnd = rng.random
    days = market.days

    def penalise(day: int, key: str, target: str, severity: int, code: str) -> None:
        """A penalty on ``day``, issued during office hours (09:00-17:00)."""
        t = day * DAY + 3600 * 9 + int(rnd() * 3600 * 8)
        emit_penalty(timeline, t, key, target, severity, code)

    for s in range(len(market.shop_ids)):
        span = days - market.shop_day[s]
        if market.shop_bad[s] and span > 10:
            n = 2 + int(rnd() * 2)
            penalty_days = sorted(
                market.shop_day[s] + 10 + int(rnd() * (span - 10)) for _ in range(n)
            )
            for i, d in enumerate(penalty_days):
                penalise(d, "shopId", market.shop_ids[s], min(3, i + 1), "COUNTERFEIT")
        elif span > 1 and rnd() < 0.1:
            d = market.shop_day[s] + 1 + int(rnd() * (span - 1))
            code = "FAKE_SHIPPING" if rnd() < 0.6 else "LATE_SHIPPING"
            penalise(d, "shopId", market.shop_ids[s], 1, code)
    for h in range(len(market.host_ids)):
        span = days - market.host_day[h]
        if not market.host_false_ad[h] and span > 1 and rnd() < 0.05:
            d = market.host_day[h] + 1 + int(rnd() * (span - 1))
            code = "VULGAR_CONTENT" if rnd() < 0.5 else "FALSE_AD"
            penalise(d, "hostId", market.host_ids[h], 1, code)


class FalseAdReports:
    """Buyers' reports of false advertising (Pinocchio) and the platform's answer: most reports
    on a false advertiser are confirmed, few on anyone else, and confirmations lead to penalties
    that escalate for repeat offenders."""

    def __init__(self, market: Marketplace, timeline: Timeline, rng: random.Random) -> None:
        self.rnd: Callable[[], float] = rng.random
        self.market = market
        self.timeline = timeline
        self.n_reports = 0
        n_hosts = len(market.host_ids)
        self.host_confirmed = [0] * n_hosts  # confirmed false-ad reports so far
        self.host_penalties = [0] * n_hosts

    def file(self, buyer_id: str, h: int, t: int) -> None:
        """``buyer_id`` reports host ``h`` at ``t``; confirmation and penalty follow, or not."""
        rnd = self.rnd
        market, timeline = self.market, self.timeline
        self.n_reports += 1
        rid = f"r{self.n_reports:06d}"
        timeline.emit(
            t, event("FALSE_AD_REPORTED", reportId=rid, buyerId=buyer_id, hostId=market.host_ids[h])
        )
        if rnd() < (0.75 if market.host_false_ad[h] else 0.2):
            t_conf = t + 3600 + int(rnd() * 3 * DAY)
            timeline.emit(t_conf, event("FALSE_AD_CONFIRMED", reportId=rid))
            self.host_confirmed[h] += 1
            # Automatic warning, then penalties that escalate for repeat offenders (累犯从严).
            if self.host_confirmed[h] % 4 == 0:
                self.host_penalties[h] += 1
                emit_penalty(
                    timeline,
                    t_conf + 600 + int(rnd() * 3 * 3600),
                    "hostId",
                    market.host_ids[h],
                    min(3, self.host_penalties[h]),
                    "FALSE_AD",
                )
