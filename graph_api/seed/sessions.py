"""Buyers' visits to live rooms: the behaviour that turns strangers into regulars.

Buyers register over the period and then visit live rooms in *sessions*, an event-driven process
(each buyer holds only its next session): a session picks a host (mostly one of the buyer's
favourites, sometimes a new one by popularity), the buyer watches, may comment, follow, buy,
report false advertising, and climbs fan-club tiers as interaction accumulates. The chance to buy
grows with familiarity (sessions watched, satisfied orders) and falls after bad experiences, so
strangers become regulars through repeated satisfying purchases. After each session the buyer
either drifts away (more likely after a bad experience nobody made right) or schedules the next.

About half of all events come from :meth:`Sessions.visit`: it is written for speed (local
names, relations indexed by literals; see :mod:`graph_api.seed.buyers` for the layout).
"""

from __future__ import annotations

import math
import random
from bisect import bisect

from graph_api.seed.bad_actors import FalseAdReports
from graph_api.seed.buyers import Buyer
from graph_api.seed.calibration import CHURN, CHURN_BAD, EXPLORE, RIGHTS_CONVERSION
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.orders import Orders
from graph_api.seed.sampling import NORM, NORM_SIZE, cumulative, pick
from graph_api.seed.timeline import DAY, FIRST_SESSION_SEC, HOUR_TABLE, Timeline, event

# Minutes watched per session: lognormal, median 8.
WATCH = tuple(8.0 * math.exp(z) for z in NORM)
# Joining the fan club needs some interaction; tier k + 1 needs TIER_AT[k - 1] club points
# (4 k^1.6: 4, 12, 23, 37, 53, ...), so most members stay at tiers 1-3 and few pass 10.
JOIN_AT = 6.0
TIER_AT = tuple(4.0 * k**1.6 for k in range(1, 20))


class Sessions:
    """Registers organic buyers and runs their visits to live rooms, one at a time."""

    def __init__(
        self,
        buyers: list[Buyer],
        market: Marketplace,
        timeline: Timeline,
        orders: Orders,
        false_ads: FalseAdReports,
        rng: random.Random,
    ) -> None:
        self.rnd = rng.random
        self.buyers = buyers
        self.market = market
        self.timeline = timeline
        self.emit = timeline.emit
        self.orders = orders
        self.false_ads = false_ads

    def register(self, i: int) -> None:
        """Buyer ``i`` registers (unless it registers late, after its first order) and, if it is
        an organic buyer, schedules its first visit: the same day or within a few days."""
        b = self.buyers[i]
        t = b.reg_day * DAY + b.reg_sec
        if not b.late_reg:
            self.emit(t, event("BUYER_REGISTERED", buyerId=b.id))
        if b.ring >= 0:
            return
        rnd = self.rnd
        if rnd() < 0.55:
            day, min_sec = b.reg_day, b.reg_sec + 60 + int(rnd() * 3600)
        else:
            day, min_sec = b.reg_day + 1 + int(-math.log(1.0 - rnd()) * 3.0), 0
        if (
            day >= self.timeline.days and b.late_reg
        ):  # no session left to order in: register on time
            b.late_reg = False
            self.emit(t, event("BUYER_REGISTERED", buyerId=b.id))
        self.timeline.schedule_session(i, day, min_sec)

    def visit(self, i: int, day: int, min_sec: int) -> None:
        """One visit of buyer ``i`` to a live room on ``day``, not before second ``min_sec``."""
        rnd = self.rnd
        market = self.market
        timeline = self.timeline
        b = self.buyers[i]
        rels = b.hosts
        # Which live room: a favourite (weighted by accumulated interaction), or a popular one.
        if not rels or rnd() < EXPLORE:
            host_cum = market.host_cum
            h = bisect(host_cum, rnd() * host_cum[-1])
            if market.host_day[h] > day:
                h = self._fallback_host(day)
                if h < 0:  # no host is open yet: come back later
                    if b.late_reg:
                        b.late_reg = False
                        self.emit(day * DAY + min_sec, event("BUYER_REGISTERED", buyerId=b.id))
                    timeline.schedule_session(i, day + 1 + int(rnd() * 7))
                    return
        elif len(rels) == 1:
            h = next(iter(rels))
        else:
            hosts = list(rels)
            h = pick(
                hosts,
                cumulative((1.0 + r[1] + 4.0 * r[3]) / (1.0 + 3.0 * r[4]) for r in rels.values()),
                rnd(),
            )
        rel = rels.get(h)
        if rel is None:
            rel = rels[h] = [0, 0.0, 0, 0, 0, 0, 0, 0.0]
        sess, score, n_ord, sat, bad, followed, tier, club = rel
        hid = market.host_ids[h]
        bid = b.id
        today = timeline.today
        day_end = (day + 1) * DAY
        emit = self.emit

        sec = HOUR_TABLE[int(rnd() * 1024)] * 3600 + int(rnd() * 3600)
        if sec < min_sec:
            sec = min_sec
        if sec < FIRST_SESSION_SEC:
            sec += FIRST_SESSION_SEC
        t0 = day * DAY + sec
        minutes = int(WATCH[int(rnd() * NORM_SIZE)] * (1.0 + 0.08 * tier)) + 1
        if minutes > 600:
            minutes = 600
        span = minutes * 60
        t_end = t0 + span

        # Comments. (Events of today go straight into today's list: the hot path skips emit.)
        p_comment = 0.18 + 0.04 * (tier if tier < 8 else 8) + (0.1 if followed else 0.0)
        n_comments = 0
        while n_comments < 4 and rnd() < p_comment:
            n_comments += 1
            t = t0 + int(rnd() * span)
            ev = {"eventId": None, "type": "COMMENTED", "at": t, "buyerId": bid, "hostId": hid}
            if t < day_end:
                today.append(ev)
            else:
                emit(t, ev)
            p_comment *= 0.6

        # Purchases: strangers rarely buy; familiarity and satisfied orders raise the chance.
        familiarity = (
            0.3
            + 0.14 * (sess if sess < 5 else 5)
            + 0.22 * (sat if sat < 5 else 5)
            + (0.15 if followed else 0.0)
        )
        p_buy = b.pbuy * familiarity / (1.0 + 1.5 * bad)
        if b.late_reg:
            p_buy = 1.0
        shops = market.host_shops[h]
        n_orders = 0
        if shops and rnd() < p_buy * RIGHTS_CONVERSION:
            n_orders = 1 + (rnd() < 0.12) + (rnd() < 0.03)
            horizon = timeline.horizon
            place = self.orders.place
            for k in range(n_orders):
                t = t0 + int(rnd() * span)
                if t >= horizon or not place(b, h, rel, t, k == 0):
                    n_orders = k
                    break
        if b.late_reg:  # no order was possible after all: register now
            b.late_reg = False
            emit(min(t_end, timeline.horizon - 1), event("BUYER_REGISTERED", buyerId=bid))

        # Watching is recorded when the buyer leaves the room.
        ev = {
            "eventId": None,
            "type": "WATCHED",
            "at": t_end,
            "buyerId": bid,
            "hostId": hid,
            "minutes": minutes,
        }
        if t_end < day_end:
            today.append(ev)
        else:
            emit(t_end, ev)

        # False-advertising reports (Pinocchio): frequent in false advertisers' rooms.
        if market.host_false_ad[h]:
            if rnd() < 0.07 + (0.15 if rel[4] else 0.0):
                self.false_ads.file(bid, h, t0 + int(rnd() * span) + 60)
        elif rnd() < 0.0012:
            self.false_ads.file(bid, h, t0 + int(rnd() * span) + 60)

        # Follow / unfollow, fan club. ``rel`` may have changed in Orders.place
        # (orders, experiences).
        rel[0] = sess + 1
        gained = minutes / 15.0 + n_comments + 3.0 * n_orders
        rel[1] = score + gained
        t_after = t_end + 1
        if not followed:
            p_follow = 0.06 + 0.04 * (sess if sess < 5 else 5) + (0.25 if rel[2] else 0.0)
            if not (b.bad and rel[4]) and rnd() < p_follow:
                rel[5] = 1
                emit(t_after, event("FOLLOWED", buyerId=bid, hostId=hid))
        elif rnd() < (0.3 if b.bad and rel[4] else 0.003):
            rel[5] = 0
            emit(t_after, event("UNFOLLOWED", buyerId=bid, hostId=hid))
            if tier and rnd() < 0.7:
                rel[6] = 0
                rel[7] = 0.0
                emit(t_after + 1, event("FAN_CLUB_TIER_SET", buyerId=bid, hostId=hid, tier=0))
        elif tier:
            # Club points count from joining (a point a visit, two an order); tiers climb with them
            # and never fall on their own.
            club += 1.0 + 2.0 * n_orders
            rel[7] = club
            new = 1 + bisect(TIER_AT, club)
            if new > tier:
                rel[6] = new if new < 20 else 20
                emit(t_after + 1, event("FAN_CLUB_TIER_SET", buyerId=bid, hostId=hid, tier=rel[6]))
        elif rel[1] >= JOIN_AT and rnd() < 0.25:
            rel[6] = 1
            emit(t_after + 1, event("FAN_CLUB_TIER_SET", buyerId=bid, hostId=hid, tier=1))

        # The next visit, unless the buyer drifts away. (Timeline.schedule_session, inlined.)
        if rnd() >= (CHURN + CHURN_BAD if b.bad else CHURN):
            d = day + 1 + int(-math.log(1.0 - rnd()) / b.rate)
            if d < timeline.days:
                sessions = timeline.sessions
                bucket = sessions.get(d)
                if bucket is None:
                    sessions[d] = [(i, 0)]
                else:
                    bucket.append((i, 0))
        b.bad = 0

    def _fallback_host(self, day: int) -> int:
        """A host open on ``day``, tried at random (eight draws), or -1."""
        rnd = self.rnd
        host_ids, host_day = self.market.host_ids, self.market.host_day
        for _ in range(8):
            h = int(rnd() * len(host_ids))
            if host_day[h] <= day:
                return h
        return -1
