"""The project's own red team: attacks on the badges planted into the platform (``--attacks``).

Each family is an attacker who read every published rule (``docs/trust-model.md``, the badge
cards and their ``missing`` hints) and pays real money for it: orders at the target shop's normal
prices (within one lognormal sigma of its category's median), genuine goods (inspections pass),
times of day drawn like organic sessions, orders spread over weeks rather than bunched, accounts
registered months before they buy. The families (:data:`FAMILIES`):

* ``aged_sleepers``: accounts registered in the first days, that watch, comment, follow and join
  the fan club of the target host for two months, then place 3-8 orders each over 2-4 months at
  a small clean shop (one with little traffic, so no badge), reviewed 4-5 stars.
* ``camouflage``: the same, plus 1-3 small orders per account at the busiest unrelated shops.
* ``refund_hiding``: 60 days before the end, the attacker reads the shop that fails the
  TRUST_PURCHASE refund rule most narrowly (rights open, enough orders, complaints under their
  rule, for-cause refunds over the policy's ``max_for_cause_refund_rate``) and adds just enough
  satisfied orders over the last 60 days to bring the rate under the threshold (with a margin),
  from aged accounts registered in the first month.
* ``slow_trickle``: a new shop and host (with a trust right open) and one order per account per
  week for six months (or as many weeks as the period allows).
* ``patient_throwaways``: no interaction at all; two 9.9-yuan orders per account, 31+ days apart.
* ``review_bombing``: 60 days before the end, the attacker reads the records of the
  beneficiary's rivals and picks one that looks like a TRUST_PURCHASE holder (rights open,
  enough orders, for-cause refunds under the rule; of its category if one does, the busiest);
  one-order accounts registered weeks
  before then buy there: delivered, complaint, refund without return, 1 star, a
  false-advertising report against its host.

Adaptations (``attack_adapt``) apply to every family: ``in_room`` watches the order's live room
around every attack order (a session of 10-40 minutes that covers it), so that no order is
placed from outside the room; ``history`` has every account that orders browse the order's room
on the days after its orders until it has interacted on three distinct days (the policy's
``buyers.history_days``), so that it has a history: NEW_ACCOUNT, ONE_TARGET, BUNCHED and
NEVER_DISPUTED no longer fire, and its claims count in full.

Everything here draws from its own ``random.Random`` streams (one per family, derived from the
seed), and uses its own id ranges (``bx...`` buyers, ``ox...`` orders, ``rx...`` reports,
``hx``/``sx`` for the new host and shop), so that the organic platform is the same event for
event with and without attacks. The attack events carry a preset ``eventId`` marker and are
numbered ``seed{seed}-x{n}``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any

from graph_api.seed.config import ATTACK_FAMILIES, SeedConfig
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.timeline import DAY, Timeline, evening_sec, event
from graph_api.seed.world import NORMS
from scoring.facts import FOR_CAUSE_REASONS
from scoring.policy import default_policy

FAMILIES = ATTACK_FAMILIES
ATTACK_MARK = "attack"  # the preset eventId of attack events, replaced when they are yielded
_INTERACTIONS = frozenset({"WATCHED", "COMMENTED", "FOLLOWED", "FAN_CLUB_TIER_SET"})
REFUND_HIDING_WINDOW = 60  # the after-sales window of the badge rule (policy default)
REFUND_HIDING_MARGIN = 0.85  # aim at 85% of the threshold: the last weeks are not yet known


def attack_seed(seed: int) -> int:
    return seed * 1_000_003 + 17


class Attacks:
    """Plans every requested family at build time, places their events on the timeline, and for
    ``refund_hiding`` watches the organic stream until its decision day."""

    def __init__(self, config: SeedConfig, market: Marketplace, timeline: Timeline) -> None:
        self.config = config
        self.market = market
        self.timeline = timeline
        # One stream per family, so that an adaptation's extra draws (or another family) never
        # move a family's targets: the in_room world attacks the shops the published one does.
        self.streams = {
            family: random.Random(f"{attack_seed(config.seed)}/{family}") for family in FAMILIES
        }
        self._use("aged_sleepers")
        self.n_buyers = 0
        self.n_orders = 0
        self.n_reports = 0
        self.truth: list[dict[str, Any]] = []
        self.active_days: dict[str, set[int]] = {}  # buyer -> days with an interaction
        self.used: set[int] = set()  # shops already attacked or bombed
        self.decision_day = config.days - REFUND_HIDING_WINDOW
        self.hiding: dict[str, Any] | None = None
        self.hiding_accounts: list[str] = []
        self.bombing: dict[str, Any] | None = None
        self.bombers: list[tuple[str, int]] = []  # (account, when it orders)
        self.bombing_beneficiary = 0
        self.slow_cat = "tea"  # the category of slow trickle's new shop
        # refund hiding's view of the organic stream: per shop, orders placed since the window
        # opened and for-cause refunds (buyers) among them; complaints
        self.window_orders: dict[str, str] = {}  # order id -> shop id
        self.order_buyer: dict[str, str] = {}
        self.shop_orders: dict[str, int] = {}
        self.shop_refunds: dict[str, set[str]] = {}
        self.shop_complaints: dict[str, set[str]] = {}
        for family in config.attacks:
            self._use(family)
            getattr(self, "_" + family)()

    def _use(self, family: str) -> None:
        self.rng = self.streams[family]
        self.rnd = self.rng.random

    # --- helpers ------------------------------------------------------------------------------

    def _emit(self, t: int, kind: str, /, **fields: Any) -> None:
        if kind in _INTERACTIONS:
            self.active_days.setdefault(fields["buyerId"], set()).add(t // DAY)
        ev = event(kind, **fields)
        ev["eventId"] = ATTACK_MARK
        self.timeline.emit(t, ev)

    def _buyer(self, t: int) -> str:
        self.n_buyers += 1
        bid = f"bx{self.n_buyers:05d}"
        self._emit(t, "BUYER_REGISTERED", buyerId=bid)
        return bid

    def _sec(self) -> int:
        return evening_sec(self.rnd)

    def _price(self, s: int) -> float:
        """A normal price of shop ``s``: its category's lognormal, within one sigma."""
        prof = NORMS[self.market.shop_cat[s]]
        z = max(-1.0, min(1.0, self.rng.gauss(0.0, 0.6)))
        x = prof.price * math.exp(prof.price_sigma * z)
        return float(int(x)) + 0.9 if x < 300 else float(int(x))

    def _order(
        self,
        t: int,
        bid: str,
        h: int | str,
        s: int | str,
        amount: float,
        *,
        stars: int | None = None,
        bomb: str | None = None,
    ) -> float:
        """One order placed at ``t``: delivered, inspected (passing) where the category inspects,
        reviewed ``stars`` if given; ``bomb`` (a report id) makes it a review-bombing order."""
        rnd = self.rnd
        self.n_orders += 1
        oid = f"ox{self.n_orders:07d}"
        if isinstance(s, int):
            shop_id, cat = self.market.shop_ids[s], self.market.shop_cat[s]
            items = self.market.shop_items[s]
        else:
            shop_id, cat, items = s, self.slow_cat, 40
        host_id = self.market.host_ids[h] if isinstance(h, int) else h
        item = f"{shop_id}-i{int(rnd() * items):03d}"
        if "in_room" in self.config.attack_adapt:
            # In the room while ordering: the session is recorded when the bot leaves.
            stay = 5 + int(rnd() * 30)
            before = 5 + int(rnd() * 10)
            self._emit(t + stay * 60, "WATCHED", buyerId=bid, hostId=host_id, minutes=stay + before)
        if "history" in self.config.attack_adapt:
            # Browse the room on the days after the order until the account has a history.
            need = default_policy().buyers.history_days or 0
            seen = self.active_days.setdefault(bid, set())
            k = 1
            while len(seen) < need and t + 2 * k * DAY < self.config.days * DAY:
                # Two days apart: distinct days however the platform cuts them (UTC, UTC+8).
                minutes = 5 + int(rnd() * 20)
                left = t + 2 * k * DAY + int(rnd() * 4 * 3600)
                self._emit(left, "WATCHED", buyerId=bid, hostId=host_id, minutes=minutes)
                k += 1
        self._emit(
            t,
            "ORDER_PLACED",
            orderId=oid,
            buyerId=bid,
            hostId=host_id,
            shopId=shop_id,
            amount=amount,
            category=cat,
            itemId=item,
        )
        hour = 3600
        t_ship = t + 2 * hour + int(rnd() * 20 * hour)
        kind = "AUTHENTICITY" if cat == "jewellery" else "DEVICE" if cat == "phones" else None
        if kind is not None:
            t_insp = t + 12 * hour + int(rnd() * 36 * hour)
            self._emit(t_insp, "INSPECTION_RECORDED", orderId=oid, kind=kind, passed=True)
            t_ship = t_insp + hour + int(rnd() * 6 * hour)
        prof = NORMS[cat]
        days = prof.ship_min + int(rnd() * (prof.ship_max - prof.ship_min + 1))
        t_del = max(t_ship + hour, t_ship + days * DAY - int(rnd() * 10 * hour))
        self._emit(t_del, "ORDER_DELIVERED", orderId=oid)
        if bomb is not None:
            t_c = t_del + 2 * hour + int(rnd() * DAY)
            self._emit(t_c, "COMPLAINT_FILED", orderId=oid, reason="NOT_AS_DESCRIBED")
            t_r = t_c + hour + int(rnd() * DAY)
            self._emit(
                t_r, "ORDER_REFUNDED", orderId=oid, reason="NOT_AS_DESCRIBED", returned=False
            )
            self._emit(t_r + 600 + int(rnd() * 3 * hour), "REVIEW_POSTED", orderId=oid, rating=1)
            self._emit(
                t_r + 4 * hour + int(rnd() * DAY),
                "FALSE_AD_REPORTED",
                reportId=bomb,
                buyerId=bid,
                hostId=host_id,
            )
        elif stars is not None:
            self._emit(
                t_del + 1800 + int(rnd() * 3 * DAY), "REVIEW_POSTED", orderId=oid, rating=stars
            )
        return amount

    def _stars(self) -> int | None:
        """An attacker's review: mostly posted (the review score is a badge rule), 4 or 5."""
        rnd = self.rnd
        return (5 if rnd() < 0.7 else 4) if rnd() < 0.8 else None

    def _days(self, first: int, span: int, n: int) -> list[int]:
        """``n`` distinct days in ``[first, first + span]``, spread (one per equal slice)."""
        width = (span + 1) / n
        return [first + int(k * width + self.rnd() * max(1.0, width - 1)) for k in range(n)]

    def _small_clean_shop(self, exclude: Iterable[int] = ()) -> tuple[int, int]:
        """A clean shop with little traffic (so no badge) open from day 0, and one of its hosts
        (a clean one) linked from day 0."""
        market = self.market
        skip = self.used | set(exclude)
        candidates = [
            s
            for s in range(len(market.shop_ids))
            if not market.shop_bad[s]
            and s not in skip
            and market.shop_day[s] == 0
            and any(
                market.link_day[(h, s)] == 0 and not market.host_false_ad[h]
                for h in market.shop_hosts[s]
            )
        ]
        if not candidates:
            candidates = [s for s in range(len(market.shop_ids)) if s not in skip] or [0]
        candidates.sort(key=lambda s: (market.shop_pop[s], s))
        s = candidates[int(self.rnd() * min(3, len(candidates)))]
        hosts = [
            h
            for h in market.shop_hosts[s]
            if market.link_day[(h, s)] == 0 and not market.host_false_ad[h]
        ] or list(market.shop_hosts[s])
        self.used.add(s)
        return s, hosts[int(self.rnd() * len(hosts))]

    def _record(
        self, family: str, buyers: list[str], s: int | str, h: int | str, spent: float, **extra: Any
    ) -> dict[str, Any]:
        market = self.market
        row = {
            "family": family,
            "buyerIds": buyers,
            "shopId": market.shop_ids[s] if isinstance(s, int) else s,
            "hostId": market.host_ids[h] if isinstance(h, int) else h,
            "yuanSpent": round(spent, 2),
            **extra,
        }
        self.truth.append(row)
        return row

    # --- the families -------------------------------------------------------------------------

    def _sleepers(self, family: str, camouflage: bool) -> None:
        rnd = self.rnd
        market = self.market
        days = self.config.days
        s, h = self._small_clean_shop()
        busiest = sorted(
            (
                ss
                for ss in range(len(market.shop_ids))
                if ss != s and not market.shop_bad[ss] and market.shop_day[ss] == 0
            ),
            key=lambda ss: (-market.shop_pop[ss], ss),
        )[:5]
        buyers: list[str] = []
        spent = 0.0
        host_id = market.host_ids[h]
        for _ in range(self.config.n_attack_accounts):
            reg = int(rnd() * 10)
            bid = self._buyer(reg * DAY + int(rnd() * DAY))
            buyers.append(bid)
            first = reg + 60 + int(rnd() * 11)
            # Two months of an ordinary viewer's life in the host's room.
            for d in sorted(self._days(reg + 2, first - reg - 4, 3 + int(rnd() * 6))):
                t = d * DAY + self._sec()
                self._emit(t, "WATCHED", buyerId=bid, hostId=host_id, minutes=5 + int(rnd() * 55))
                if rnd() < 0.35:
                    self._emit(t + 120 + int(rnd() * 600), "COMMENTED", buyerId=bid, hostId=host_id)
            t_follow = (reg + 10 + int(rnd() * 20)) * DAY + self._sec()
            self._emit(t_follow, "FOLLOWED", buyerId=bid, hostId=host_id)
            self._emit(
                t_follow + 60,
                "FAN_CLUB_TIER_SET",
                buyerId=bid,
                hostId=host_id,
                tier=1 + int(rnd() * 3),
            )
            span = min(60 + int(rnd() * 61), days - 14 - first)
            n = 3 + int(rnd() * 6)
            for d in self._days(first, span, n):
                spent += self._order(
                    d * DAY + self._sec(), bid, h, s, self._price(s), stars=self._stars()
                )
            if camouflage and busiest:
                for d in self._days(first, span, 1 + int(rnd() * 3)):
                    ss = busiest[int(rnd() * len(busiest))]
                    hh = min(market.shop_hosts[ss], key=lambda x: (market.link_day[(x, ss)], x))
                    t = d * DAY + self._sec() + 1
                    spent += self._order(t, bid, hh, ss, self._price(ss), stars=self._stars())
        self._record(family, buyers, s, h, spent)

    def _aged_sleepers(self) -> None:
        self._sleepers("aged_sleepers", False)

    def _camouflage(self) -> None:
        self._sleepers("camouflage", True)

    def _slow_trickle(self) -> None:
        rnd = self.rnd
        days = self.config.days
        cat = self.slow_cat
        shop_id, host_id = "sx001", "hx001"
        t0 = 2 * DAY + int(rnd() * 3600)
        self._emit(t0, "SHOP_REGISTERED", shopId=shop_id, name="Mountain Tea 1", category=cat)
        self._emit(t0 + 60, "HOST_REGISTERED", hostId=host_id, name="Lan Tea 1", category=cat)
        self._emit(t0 + 120, "HOST_SELLS_FOR_SHOP", hostId=host_id, shopId=shop_id)
        self._emit(
            t0 + 180,
            "SHOP_RIGHTS_CHANGED",
            shopId=shop_id,
            rights=["SEVEN_DAY_RETURN", "REFUND_WITHOUT_RETURN"],
        )
        start = 7
        weeks = min(26, (days - 14 - start) // 7)
        buyers: list[str] = []
        spent = 0.0
        prof = NORMS[cat]
        for _ in range(self.config.n_attack_accounts):
            bid = self._buyer(int(rnd() * 5) * DAY + int(rnd() * DAY))
            buyers.append(bid)
            for w in range(weeks):
                d = start + 7 * w + int(rnd() * 7)
                z = max(-1.0, min(1.0, self.rng.gauss(0.0, 0.6)))
                amount = float(int(prof.price * math.exp(prof.price_sigma * z))) + 0.9
                spent += self._order(
                    d * DAY + self._sec(), bid, host_id, shop_id, amount, stars=self._stars()
                )
        self._record("slow_trickle", buyers, shop_id, host_id, spent, weeks=weeks)

    def _patient_throwaways(self) -> None:
        rnd = self.rnd
        days = self.config.days
        s, h = self._small_clean_shop()
        buyers: list[str] = []
        spent = 0.0
        for _ in range(self.config.n_attack_accounts):
            first = 20 + int(rnd() * (days - 80))
            t1 = first * DAY + self._sec()
            bid = self._buyer(t1 - 3600 - int(rnd() * 2 * DAY))
            buyers.append(bid)
            second = first + 31 + int(rnd() * min(20, days - 14 - first - 31))
            spent += self._order(t1, bid, h, s, 9.9, stars=5)
            spent += self._order(second * DAY + self._sec(), bid, h, s, 9.9, stars=5)
        self._record("patient_throwaways", buyers, s, h, spent)

    def _review_bombing(self) -> None:
        """Register the one-order accounts now (each 20-60 days before its order); the victim,
        and with it the orders, wait for the decision day."""
        rnd = self.rnd
        days = self.config.days
        s, h = self._small_clean_shop()  # the beneficiary
        first = self.decision_day
        for _ in range(self.config.n_bombers):
            t = (first + int(rnd() * max(1, days - 21 - first))) * DAY + self._sec()
            self.bombers.append((self._buyer(max(0, t - DAY * (20 + int(rnd() * 40)))), t))
        self.bombing = self._record("review_bombing", [b for b, _ in self.bombers], s, h, 0.0)
        self.bombing_beneficiary = s

    def _bomb(self) -> None:
        """On the decision day: the victim is a rival whose public record looks like a
        TRUST_PURCHASE holder's (rights open, enough orders in the window, its for-cause refunds
        under the rule), as the badge on its card would tell: of the beneficiary's category if
        one does, the busiest; its first-linked clean host is reported."""
        assert self.bombing is not None
        self._use("review_bombing")
        market = self.market
        s = self.bombing_beneficiary
        rule = default_policy().entity.badge("TRUST_PURCHASE")
        thr = rule.max_for_cause_refund_rate or 0.06
        rivals = [
            v
            for v in range(len(market.shop_ids))
            if v != s and v not in self.used and not market.shop_bad[v] and market.shop_day[v] == 0
        ]
        least = rule.min_delivered_orders or 0.0

        def record(v: int) -> tuple[bool, bool, int]:
            """(looks like a holder, a rival of the same category, orders in the window)."""
            shop_id = market.shop_ids[v]
            orders = self.shop_orders.get(shop_id, 0)
            refunds = len(self.shop_refunds.get(shop_id, ()))
            holder = bool(market.shop_rights[v]) and orders >= least and refunds <= thr * orders
            return holder, market.shop_cat[v] == market.shop_cat[s], orders

        v = max(rivals or [s], key=lambda x: (*record(x), -x))
        self.used.add(v)
        vh_all = [x for x in market.shop_hosts[v] if not market.host_false_ad[x]]
        vh_all = vh_all or list(market.shop_hosts[v])
        vh = min(vh_all, key=lambda x: (market.link_day[(x, v)], x))
        spent = 0.0
        for bid, t in self.bombers:
            self.n_reports += 1
            spent += self._order(t, bid, vh, v, self._price(v), bomb=f"rx{self.n_reports:05d}")
        self.bombing.update(
            victimShopId=market.shop_ids[v],
            victimHostId=market.host_ids[vh],
            yuanSpent=round(spent, 2),
        )
        self.bombers = []

    def _refund_hiding(self) -> None:
        """Register the aged accounts now; the target and the orders wait for the decision day."""
        rnd = self.rnd
        for _ in range(self.config.n_attack_accounts):
            self.hiding_accounts.append(self._buyer(int(rnd() * 30) * DAY + int(rnd() * DAY)))
        self.hiding = self._record("refund_hiding", self.hiding_accounts, "", "", 0.0)

    # --- refund hiding: reading the shop's record, then hiding it -----------------------------

    @property
    def watching(self) -> bool:
        planned = self.hiding is not None or self.bombing is not None
        return planned and self.timeline.day < self.decision_day

    def observe(self, events: list[dict]) -> None:
        """Read a day of the organic stream (refund hiding and review bombing read the shops'
        60-day records)."""
        if self.timeline.day < self.decision_day - REFUND_HIDING_WINDOW:
            return
        for ev in events:
            kind = ev["type"]
            if kind == "ORDER_PLACED" and ev["eventId"] is None:
                oid, shop = ev["orderId"], ev["shopId"]
                self.window_orders[oid] = shop
                self.order_buyer[oid] = ev["buyerId"]
                self.shop_orders[shop] = self.shop_orders.get(shop, 0) + 1
            elif kind == "ORDER_REFUNDED" and ev["reason"] in FOR_CAUSE_REASONS:
                shop = self.window_orders.get(ev["orderId"])
                if shop is not None:
                    self.shop_refunds.setdefault(shop, set()).add(self.order_buyer[ev["orderId"]])
            elif kind == "COMPLAINT_FILED" and ev["reason"] in FOR_CAUSE_REASONS:
                shop = self.window_orders.get(ev["orderId"])
                if shop is not None:
                    self.shop_complaints.setdefault(shop, set()).add(
                        self.order_buyer[ev["orderId"]]
                    )

    def decide(self, day: int) -> None:
        """On the decision day: refund hiding picks the shop that fails only the refund rule and
        plants the satisfied orders that bring its rate under the threshold; review bombing picks
        its victim and plants its orders."""
        if day != self.decision_day:
            return
        if self.hiding is not None and not self.hiding["shopId"]:
            self._hide()
        if self.bombing is not None and self.bombers:
            self._bomb()

    def _hide(self) -> None:
        assert self.hiding is not None
        day = self.decision_day
        self._use("refund_hiding")
        market = self.market
        rule = default_policy().entity.badge("TRUST_PURCHASE")
        thr = rule.max_for_cause_refund_rate or 0.06
        allowance = rule.for_cause_refund_buyer_allowance
        min_del = rule.min_delivered_orders or 0.0
        best: tuple[float, int] | None = None
        for s, shop_id in enumerate(market.shop_ids):
            orders = self.shop_orders.get(shop_id, 0)
            refunds = len(self.shop_refunds.get(shop_id, ()))
            complaints = len(self.shop_complaints.get(shop_id, ()))
            if not orders or not market.shop_rights[s] or orders < min_del or s in self.used:
                continue  # each family on a shop of its own: the results must not mix
            complaint_ok = complaints <= rule.complaint_buyer_allowance or complaints / orders <= (
                rule.max_complaint_rate or 1.0
            )
            rate = refunds / orders
            if complaint_ok and refunds > allowance and rate > thr:
                if best is None or (rate, -s) < (best[0], -best[1]):
                    best = (rate, s)
        if best is None:  # no shop fails only that rule: the one with the highest rate
            rated = [
                (len(self.shop_refunds.get(sid, ())) / self.shop_orders[sid], s)
                for s, sid in enumerate(market.shop_ids)
                if self.shop_orders.get(sid) and s not in self.used
            ]
            best = max(rated) if rated else (0.0, 0)
        s = best[1]
        shop_id = market.shop_ids[s]
        orders = self.shop_orders.get(shop_id, 0)
        refunds = len(self.shop_refunds.get(shop_id, ()))
        # The fraudster's arithmetic: refunds / (orders + n) <= margin * threshold.
        needed = max(0, math.ceil(refunds / (REFUND_HIDING_MARGIN * thr) - orders))
        hosts = sorted(market.shop_hosts[s], key=lambda x: (market.link_day[(x, s)], x))
        rnd = self.rnd
        spent = 0.0
        accounts = self.hiding_accounts
        last = self.config.days - 12
        for k, d in enumerate(sorted(self._days(day, last - day, needed) if needed else [])):
            bid = accounts[k % len(accounts)]
            h = hosts[int(rnd() * len(hosts))]
            spent += self._order(
                d * DAY + self._sec(), bid, h, s, self._price(s), stars=self._stars()
            )
        self.hiding.update(
            shopId=shop_id,
            hostId=market.host_ids[hosts[0]],
            yuanSpent=round(spent, 2),
            fakeOrders=needed,
            observedOrders=orders,
            observedForCauseRefunds=refunds,
            threshold=thr,
        )
        self.used.add(s)
        self.window_orders.clear()
        self.order_buyer.clear()
