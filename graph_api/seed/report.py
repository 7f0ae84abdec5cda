"""The report of a generated platform: what was generated, the rates it was calibrated on, and the
ground truth of the planted bad actors (:class:`SeedReport`).

Definitions used in the report
------------------------------
* platform repurchase rate: among buyers with at least one order, the share who placed orders
  on at least two distinct days (calendar days in +08:00) over the whole period.
* shop repurchase rate: among a shop's buyers, the share who bought from that shop on at least
  two distinct days.
* shops with trust rights: shops that held a non-empty set of rights at any time in the period.
  The report compares the two groups pooled over buyer-shop pairs (``with`` / ``without`` and
  their ``ratio``) and, as a check, the mean of per-shop rates over shops with >= 20 buyers.
* refund rate of a category: refunded orders / placed orders of that category.
All of these are measured on the emitted events (rings included, as an analyst would see them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from graph_api.seed.buyers import Buyer
from graph_api.seed.marketplace import Marketplace
from graph_api.seed.orders import Orders
from graph_api.seed.world import CATEGORIES


@dataclass
class SeedReport:
    """What was generated, and the ground truth of the planted bad actors.

    Counts fill in as the event iterator is consumed (updated after each day of events) and the
    measured rates once it is exhausted (``complete`` becomes True). The ground truth of the
    planted bad actors is known before the first event.
    """

    seed: int
    config: dict[str, Any]
    complete: bool = False
    events: int = 0
    event_counts: dict[str, int] = field(default_factory=dict)
    buyers: int = 0
    hosts: int = 0
    shops: int = 0
    orders: int = 0
    buyers_with_orders: int = 0
    repurchase_rate: float | None = None
    shops_with_rights: int = 0
    shops_without_rights: int = 0
    shop_repurchase_with_rights: float | None = None
    shop_repurchase_without_rights: float | None = None
    rights_uplift: float | None = None
    mean_shop_repurchase_with_rights: float | None = None
    mean_shop_repurchase_without_rights: float | None = None
    refund_rate_by_category: dict[str, float] = field(default_factory=dict)
    review_stars: dict[int, int] = field(default_factory=dict)
    rings: list[dict[str, Any]] = field(default_factory=list)
    refund_heavy_shops: list[str] = field(default_factory=list)
    false_ad_hosts: list[str] = field(default_factory=list)
    # The planted attacks (graph_api.seed.attacks): family, buyerIds, shopId, hostId, yuanSpent
    # (and victimShopId / victimHostId for review bombing). Refund hiding's target and orders are
    # filled in on its decision day, 60 days before the end.
    attacks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ring_buyers(self) -> set[str]:
        return {b for ring in self.rings for b in ring["buyerIds"]}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["review_stars"] = {str(k): v for k, v in sorted(self.review_stars.items())}
        if not self.attacks:  # as before attacks existed
            del out["attacks"]
        return out

    def summary(self) -> str:
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{100 * x:.1f}%"

        state = "complete" if self.complete else "PARTIAL (stream not fully consumed)"
        lines = [
            f"seed {self.seed}: {self.events:,} events ({state})",
            f"  {self.buyers:,} buyers, {self.hosts:,} hosts, {self.shops:,} shops, "
            f"{self.orders:,} orders ({self.buyers_with_orders:,} buyers with orders)",
            f"  platform repurchase rate: {pct(self.repurchase_rate)}",
            f"  shop repurchase, shops with trust rights ({self.shops_with_rights}): "
            f"{pct(self.shop_repurchase_with_rights)}; without ({self.shops_without_rights}): "
            f"{pct(self.shop_repurchase_without_rights)}; ratio "
            + ("n/a" if self.rights_uplift is None else f"{self.rights_uplift:.3f}"),
            "  refund rate by category: "
            + ", ".join(f"{c} {pct(r)}" for c, r in self.refund_rate_by_category.items()),
            "  review stars: "
            + ", ".join(f"{k}*: {v:,}" for k, v in sorted(self.review_stars.items())),
            "  events: " + ", ".join(f"{t} {n:,}" for t, n in sorted(self.event_counts.items())),
            f"  planted: {len(self.rings)} brushing rings ({len(self.ring_buyers)} buyers), "
            f"refund-heavy shops {', '.join(self.refund_heavy_shops) or '-'}, "
            f"false-advertising hosts {', '.join(self.false_ad_hosts) or '-'}",
        ]
        for a in self.attacks:
            lines.append(
                f"    attack {a['family']}: {len(a['buyerIds'])} accounts on shop {a['shopId']} "
                f"via host {a['hostId']}, {a['yuanSpent']:,.2f} yuan"
                + (f", victim shop {a['victimShopId']}" if "victimShopId" in a else "")
            )
        for ring in self.rings:
            lines.append(
                f"    ring {ring['ring']}: shop {ring['shopId']} via host {ring['hostId']}, "
                f"{len(ring['buyerIds'])} buyers from day {ring['startDay']}"
            )
        return "\n".join(lines)


@dataclass
class _RightsGroup:
    """The shops that held trust rights at some time (or those that never did), pooled."""

    buyers: int = 0
    repeat_buyers: int = 0
    shop_rates: list[float] = field(default_factory=list)  # per shop, shops with >= 20 buyers


def complete_report(
    rep: SeedReport, buyers: Sequence[Buyer], market: Marketplace, orders: Orders
) -> None:
    """Measure the rates of the finished stream into ``rep`` and mark it complete."""
    rep.buyers = len(buyers)
    rep.hosts = len(market.host_ids)
    rep.shops = len(market.shop_ids)
    rep.orders = orders.n_orders
    with_orders = [b for b in buyers if b.first_day >= 0]
    rep.buyers_with_orders = len(with_orders)
    rep.repurchase_rate = _ratio(sum(b.multi for b in with_orders), len(with_orders))
    n_shops = len(market.shop_ids)
    shop_buyers = [0] * n_shops
    shop_repeat = [0] * n_shops
    for b in with_orders:
        for s, srel in b.shops.items():
            shop_buyers[s] += 1
            shop_repeat[s] += srel[2]
    groups = {True: _RightsGroup(), False: _RightsGroup()}  # by whether the shop held rights
    for s in range(n_shops):
        g = groups[market.ever_rights[s]]
        g.buyers += shop_buyers[s]
        g.repeat_buyers += shop_repeat[s]
        if shop_buyers[s] >= 20:
            g.shop_rates.append(shop_repeat[s] / shop_buyers[s])
    rep.shops_with_rights = sum(market.ever_rights)
    rep.shops_without_rights = n_shops - rep.shops_with_rights
    rep.shop_repurchase_with_rights = _ratio(groups[True].repeat_buyers, groups[True].buyers)
    rep.shop_repurchase_without_rights = _ratio(groups[False].repeat_buyers, groups[False].buyers)
    if rep.shop_repurchase_with_rights is not None and rep.shop_repurchase_without_rights:
        rep.rights_uplift = rep.shop_repurchase_with_rights / rep.shop_repurchase_without_rights
    for flag, attr in (
        (True, "mean_shop_repurchase_with_rights"),
        (False, "mean_shop_repurchase_without_rights"),
    ):
        rates = groups[flag].shop_rates
        setattr(rep, attr, sum(rates) / len(rates) if rates else None)
    rep.refund_rate_by_category = {
        c: round(orders.cat_refunds[c] / orders.cat_orders[c], 4)
        for c in CATEGORIES
        if orders.cat_orders[c]
    }
    rep.review_stars = dict(orders.stars)
    rep.complete = True


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
