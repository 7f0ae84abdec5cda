"""Orders and what becomes of them: inspection, delivery, refund, complaint, review.

Each order's outcome is drawn when it is placed, from the norms of its category
(:data:`graph_api.seed.world.NORMS`) and the quality of its shop and host (refund-heavy shops and
false-advertising hosts do worse), and its events are scheduled on later days, so that nothing
about an order is kept once it is placed. A shop with active trust rights converts better in the
live room (the articles report +20% order conversion for some merchants), a buyer who already
bought there returns to it more readily, and a bad experience there is often "made right" by the
rights (refund without return, compensation) instead of driving the buyer away.

The counts the report needs (orders, refunds by category, review stars) are tallied here as the
events are emitted; events past the horizon are dropped and not counted.
"""

from __future__ import annotations

import math
import random
from bisect import bisect

from graph_api.seed.buyers import BAD, SATISFIED, Buyer
from graph_api.seed.calibration import FORGIVE, PLAIN_LOYALTY, RIGHTS_CONVERSION, RIGHTS_LOYALTY
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.sampling import NORM, NORM_SIZE, cumulative, pick
from graph_api.seed.timeline import DAY, Timeline, event
from graph_api.seed.world import (
    CATEGORIES,
    FORGIVING_RIGHTS,
    NORMS,
    RIGHT_INSPECTION,
    RIGHT_REFUND_WITHOUT_RETURN,
    RIGHT_WARRANTY,
    STARS_CAUSE,
    STARS_GOOD,
    STARS_GOOD_BAD_SHOP,
    STARS_REMORSE,
)


class Orders:
    """Places orders and schedules their outcomes; keeps the tallies of what was emitted."""

    def __init__(self, market: Marketplace, timeline: Timeline, rng: random.Random) -> None:
        self.rnd = rng.random
        self.market = market
        self.emit = timeline.emit
        self.horizon = timeline.horizon
        self.n_orders = 0
        self.cat_orders = dict.fromkeys(CATEGORIES, 0)
        self.cat_refunds = dict.fromkeys(CATEGORIES, 0)
        self.stars = dict.fromkeys(range(1, 6), 0)

    def new_id(self) -> str:
        self.n_orders += 1
        return f"o{self.n_orders:07d}"

    def new_order(self, t: int, b: Buyer, h: int, s: int, amount: float, item: str) -> str:
        """A new order of ``b`` at shop ``s`` in ``h``'s room at ``t``: its ORDER_PLACED, counted
        and recorded in the buyer's relation to the shop (:meth:`track`); its id."""
        market = self.market
        oid = self.new_id()
        cat = market.shop_cat[s]
        self.emit(
            t,
            event(
                "ORDER_PLACED",
                orderId=oid,
                buyerId=b.id,
                hostId=market.host_ids[h],
                shopId=market.shop_ids[s],
                amount=amount,
                category=cat,
                itemId=item,
            ),
        )
        self.track(b, s, t // DAY, cat)
        return oid

    def place(self, b: Buyer, h: int, rel: list, t: int, gate: bool) -> bool:
        """Place an order in ``h``'s room at ``t`` and schedule its outcome. With ``gate``, the
        purchase was drawn at the rights-holders' conversion rate: other shops keep only their share
        of it (returns False: no order)."""
        rnd = self.rnd
        market = self.market
        emit = self.emit
        # Which shop: the host's shops by popularity; shops the buyer already used weigh more,
        # and more so when the shop holds trust rights; a shop that let the buyer down, less.
        shops = market.host_shops[h]
        if len(shops) == 1:
            s = shops[0]
        else:
            brels = b.shops
            shop_rights = market.shop_rights
            weights = []
            for ss in shops:
                w = market.shop_pop[ss]
                srel = brels.get(ss)
                if srel is not None:
                    loyalty = RIGHTS_LOYALTY if shop_rights[ss] else PLAIN_LOYALTY
                    w *= loyalty / (1.0 + 3.0 * srel[4])
                weights.append(w)
            s = pick(shops, cumulative(weights), rnd())
        rights = market.shop_rights[s]
        if gate and not rights and not b.late_reg and rnd() * RIGHTS_CONVERSION >= 1.0:
            return False
        cat = market.shop_cat[s]
        prof = NORMS[cat]
        bad_shop = market.shop_bad[s]
        false_ad = market.host_false_ad[h]

        x = prof.price * math.exp(prof.price_sigma * NORM[int(rnd() * NORM_SIZE)])
        amount = float(int(x)) + 0.9 if x < 300 else float(int(x))  # prices like 89.9, 1299.0
        item = f"{market.shop_ids[s]}-i{int(rnd() * rnd() * market.shop_items[s]):03d}"
        oid = self.new_order(t, b, h, s, amount, item)
        if b.late_reg:
            b.late_reg = False
            t_reg = min(t + 300 + int(rnd() * 6 * 3600), self.horizon - 1)
            emit(t_reg, event("BUYER_REGISTERED", buyerId=b.id))
        rel[2] += 1

        outcome = 0  # 0 good, 1 neutral (remorse), 2 bad (for cause)
        hour = 3600
        # Industry-level checks before shipping: authenticity for jewellery,
        # device check for phones.
        inspect = None
        if cat == "jewellery" and rights & RIGHT_INSPECTION and rnd() < 0.92:
            inspect = "AUTHENTICITY"
        elif cat == "phones" and rnd() < (0.85 if rights & RIGHT_WARRANTY else 0.08):
            inspect = "DEVICE"
        t_ship = t + 2 * hour + int(rnd() * 20 * hour)
        if inspect is not None:
            fail = 0.3 if bad_shop else 0.025
            t_insp = t + 12 * hour + int(rnd() * 36 * hour)
            passed = rnd() >= fail
            emit(t_insp, event("INSPECTION_RECORDED", orderId=oid, kind=inspect, passed=passed))
            t_ship = t_insp + hour + int(rnd() * 6 * hour)
            if not passed:
                # Caught before shipping: refunded, the platform protected the buyer.
                caught = "NOT_AS_DESCRIBED" if inspect == "AUTHENTICITY" else "DEFECT"
                self.refund(oid, t_insp + hour + int(rnd() * 12 * hour), caught, True, cat)
                self._experience(b, s, rel, 1)
                return True
        if rnd() < (0.05 if bad_shop else 0.012):
            # Never delivered.
            t_ref = t + 5 * DAY + int(rnd() * 6 * DAY)
            self.refund(oid, t_ref, "NOT_DELIVERED", False, cat)
            if rnd() < 0.35:
                self._complaint(
                    oid, t + 3 * DAY + int(rnd() * (t_ref - t - 3 * DAY)), "NOT_DELIVERED"
                )
            self._experience(
                b, s, rel, 2 if not rights & FORGIVING_RIGHTS or rnd() >= FORGIVE else 1
            )
            return True
        late = rnd() < (0.12 if bad_shop else 0.05)
        ship_days = (
            prof.ship_min
            + int(rnd() * (prof.ship_max - prof.ship_min + 1))
            + (4 + int(rnd() * 3) if late else 0)
        )
        delivered_at = t_ship + ship_days * DAY - int(rnd() * 10 * hour)
        if delivered_at <= t_ship:
            delivered_at = t_ship + hour
        emit(delivered_at, event("ORDER_DELIVERED", orderId=oid))
        if late and rnd() < 0.2:
            self._complaint(
                oid,
                delivered_at - int(rnd() * DAY * 2)
                if delivered_at - 2 * DAY > t
                else delivered_at + hour,
                "LATE_SHIPPING",
            )

        p_cause = prof.cause + (0.30 if bad_shop else 0.0) + (0.10 if false_ad else 0.0)
        u = rnd()
        reason: str | None = None  # why the order is refunded, if it is
        if u < p_cause:
            v = rnd()
            if bad_shop:
                reason = "NOT_AS_DESCRIBED" if v < 0.5 else "DEFECT" if v < 0.9 else "OTHER"
            elif false_ad:
                reason = "NOT_AS_DESCRIBED" if v < 0.7 else "DEFECT"
            else:
                reason = "DEFECT" if v < 0.55 else "NOT_AS_DESCRIBED" if v < 0.85 else "OTHER"
            p_keep = 0.7 if rights & RIGHT_REFUND_WITHOUT_RETURN else prof.without_return
            if amount < 50:
                p_keep += 0.15
            outcome = 2
        elif u < p_cause + prof.remorse:
            reason = "BUYER_REMORSE"
            p_keep = 0.08 if rights & RIGHT_REFUND_WITHOUT_RETURN and amount < 100 else 0.01
            outcome = 1
        if reason is not None:
            t_ref = delivered_at + hour + int(rnd() * 6 * DAY)
            self.refund(oid, t_ref, reason, rnd() >= p_keep, cat)

        # Complaints: few for ordinary orders, many at refund-heavy shops (counterfeits).
        if bad_shop:
            p_complaint = 0.16
        elif outcome == 2:
            p_complaint = 0.12
        else:
            p_complaint = 0.006
        if rnd() < p_complaint:
            v = rnd()
            if bad_shop:
                why = "FAKE_GOODS" if v < 0.45 else "NOT_AS_DESCRIBED" if v < 0.75 else "DEFECT"
            elif outcome == 2:
                assert reason is not None  # outcome 2 is only ever a refund for cause
                why = reason if v < 0.7 else "OTHER"
            else:
                why = "OTHER" if v < 0.5 else "NOT_AS_DESCRIBED" if v < 0.75 else "DEFECT"
            if why == "FAKE_GOODS" or (bad_shop and outcome != 2):
                outcome = 2
            self._complaint(oid, delivered_at + 2 * hour + int(rnd() * 5 * DAY), why)

        # Reviews.
        if outcome == 2:
            p_review, stars = 0.5, STARS_CAUSE
        elif outcome == 1:
            p_review, stars = 0.12, STARS_REMORSE
        else:
            p_review, stars = 0.46, (STARS_GOOD_BAD_SHOP if bad_shop else STARS_GOOD)
        if rnd() < p_review:
            self.review(oid, delivered_at + 1800 + int(rnd() * 5 * DAY), bisect(stars, rnd()) + 1)
        if outcome == 2 and rights & FORGIVING_RIGHTS and rnd() < FORGIVE:
            outcome = 1  # the shop's rights made it right
        self._experience(b, s, rel, outcome)
        return True

    def _experience(self, b: Buyer, s: int, rel: list, outcome: int) -> None:
        """What the buyer remembers of the order: it steers its next choices of host and shop."""
        srel = b.shops[s]
        if outcome == 0:
            rel[SATISFIED] += 1
        elif outcome == 2:
            rel[BAD] += 1
            srel[4] += 1
            b.bad += 1

    # The report's tallies count only what is emitted: events past the horizon are dropped.

    def refund(self, oid: str, t: int, reason: str, returned: bool, cat: str) -> None:
        if t < self.horizon:
            self.cat_refunds[cat] += 1
        self.emit(t, event("ORDER_REFUNDED", orderId=oid, reason=reason, returned=returned))

    def review(self, oid: str, t: int, rating: int) -> None:
        if t < self.horizon:
            self.stars[rating] += 1
        self.emit(t, event("REVIEW_POSTED", orderId=oid, rating=rating))

    def _complaint(self, oid: str, t: int, reason: str) -> None:
        self.emit(t, event("COMPLAINT_FILED", orderId=oid, reason=reason))

    def track(self, b: Buyer, s: int, day: int, cat: str) -> None:
        """Count the order and record it in the buyer's relation to the shop (the report's
        repurchase rates are measured from these)."""
        self.cat_orders[cat] += 1
        if b.first_day < 0:
            b.first_day = day
        elif day != b.first_day:
            b.multi = True
        srel = b.shops.get(s)
        if srel is None:
            b.shops[s] = [day, day, 0, 1, 0]
        else:
            if day != srel[0]:
                srel[2] = 1
            srel[1] = day
            srel[3] += 1
