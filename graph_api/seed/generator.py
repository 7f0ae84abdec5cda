"""A deterministic generator of a live-stream-commerce platform, as a stream of events.

``generate(SeedConfig(seed=7, buyers=2000))`` returns ``(events, report)``: ``events`` is an
iterator of event dicts in the import format (``eventId``, ``type``, ``at`` and the fields of the
type), yielded in non-decreasing ``at`` order; ``report`` is a :class:`SeedReport` that fills in
as the stream is consumed and is complete (``report.complete``) once the iterator is exhausted.
The ground truth of the planted bad actors is in the report from the start.

Nothing here reads a clock, the environment or a file: every time derives from
``SeedConfig.start`` (taken as a date in +08:00, Beijing time) and every choice from one
``random.Random(seed)``. The same config always gives the same events, byte for byte.

How the platform is simulated
-----------------------------
Hosts (Zipf-like popularity) sell for 1-5 shops; shops (one main category each) use several
hosts. Most hosts and shops exist from day 0; some join later. About half of the shops open
trust rights (``SHOP_RIGHTS_CHANGED``), mostly in the first weeks; some change their set later.

Buyers register over the period and then visit live rooms in *sessions*, an event-driven
process (each buyer holds only its next session): a session picks a host (mostly one of the
buyer's favourites, sometimes a new one by popularity), the buyer watches, may comment, follow,
buy, report false advertising, and climbs fan-club tiers as interaction accumulates. The chance
to buy grows with familiarity (sessions watched, satisfied orders) and falls after bad
experiences, so strangers become regulars through repeated satisfying purchases. Session rates
and purchase propensities are lognormal across buyers, which gives heavy-tailed orders per buyer.
Each order's outcome (inspection, delivery, refund, review, complaint) is drawn when it is
placed from the norms of its category and the quality of its shop and host, and scheduled on
later days; the stream is produced one day at a time, each day's events sorted by time.

Shops with active trust rights convert better in the live room (the articles report +20% order
conversion for some merchants), a buyer who already bought there returns to them more readily,
and a bad experience there is often "made right" by the rights (refund without return,
compensation) instead of driving the buyer away. Which shops open rights is balanced by
category, opening date and expected traffic, so the measured uplift comes from behaviour, not
from which big shops happened to draw rights.

Calibration (the ``_SESSION_*``, ``_PBUY_*``, ``_RIGHTS_*`` constants below), measured at
20,000 buyers over seeds 7-12: platform repurchase rate 0.698-0.705 (published: > 70% in Sept
2021); rights uplift 1.11-1.18, mean 1.13 (published: +12%, another article +20%). Smaller
worlds scatter more (at 6,000 buyers: 1.05-1.22). About 25 events per buyer: 40,000 buyers give
about 1,000,000 events.

Planted bad actors (ground truth in the report):
  * refund-heavy shops: many DEFECT / NOT_AS_DESCRIBED refunds, complaints including FAKE_GOODS,
    failed inspections, COUNTERFEIT penalties;
  * false-advertising hosts: many FALSE_AD_REPORTED, most confirmed, escalating FALSE_AD
    penalties for repeat offences, more NOT_AS_DESCRIBED refunds;
  * brushing rings: throwaway buyers registered a day or two before, with no other history, each
    placing 2-4 cheap orders at one shop through one host within a few days; all delivered and
    reviewed 5 stars, never refunded or complained about.

About 1% of organic buyers appear in an order before their ``BUYER_REGISTERED`` event (it comes
minutes to hours after their first order), so an ingester must handle forward references.

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

Streaming and memory: per buyer, O(1) state plus its relations to the few hosts and shops it
used; per order, only the follow-up events scheduled for future days. Nothing else is retained.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from statistics import NormalDist
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence, TypeVar

from graph_api.errors import SeedConfigError
from graph_api.events import SHOP_RIGHTS

T = TypeVar("T")

__all__ = [
    "CATEGORIES",
    "SeedConfig",
    "SeedConfigError",
    "SeedReport",
    "generate",
    "write_jsonl",
]


# --- the world's constants ------------------------------------------------------------------------


class _Category(NamedTuple):
    weight: float  # share of shops
    price: float  # median order amount, yuan
    price_sigma: float  # lognormal spread of amounts
    remorse: float  # P(refund for BUYER_REMORSE | delivered)
    cause: float  # P(refund for cause: DEFECT / NOT_AS_DESCRIBED / OTHER | delivered)
    ship_min: int  # delivery days, normal case
    ship_max: int
    without_return: float  # P(a refund for cause is without return), shops without that right


# Refund norms: apparel is the returns-heavy category (30-50% is normal online for clothing),
# tea and snacks rarely come back, seafood is perishable (refunds for cause often not returned).
_CATEGORIES: dict[str, _Category] = {
    "apparel": _Category(0.22, 89.0, 0.55, 0.36, 0.06, 2, 4, 0.10),
    "cosmetics": _Category(0.14, 119.0, 0.60, 0.10, 0.04, 2, 4, 0.10),
    "jewellery": _Category(0.15, 399.0, 1.00, 0.10, 0.05, 2, 5, 0.05),
    "phones": _Category(0.09, 1299.0, 0.50, 0.06, 0.05, 2, 4, 0.05),
    "tea": _Category(0.12, 128.0, 0.70, 0.03, 0.015, 2, 4, 0.20),
    "seafood": _Category(0.12, 159.0, 0.50, 0.02, 0.035, 1, 2, 0.60),
    "snacks": _Category(0.16, 39.0, 0.50, 0.03, 0.015, 2, 4, 0.30),
}
CATEGORIES: tuple[str, ...] = tuple(_CATEGORIES)

RIGHTS = SHOP_RIGHTS  # the bit masks below follow this order
_RWR, _RSC, _FAKE, _SDR, _WAR, _INSP = (1 << i for i in range(6))
# Rights a shop of a category plausibly offers (bits), the first ones the most typical.
_RIGHTS_MENU: dict[str, tuple[int, ...]] = {
    "jewellery": (_INSP, _FAKE, _SDR, _RSC),
    "phones": (_WAR, _SDR, _RSC, _FAKE),
}
_DEFAULT_MENU = (_RWR, _RSC, _SDR, _FAKE)
_FORGIVING = _RWR | _RSC | _FAKE  # rights that can make a bad experience right

# Sessions start mostly in the evening (live rooms peak 19:00-23:00).
_HOUR_WEIGHTS = (
    0.5, 0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3,
    1.5, 1.3, 1.1, 1.1, 1.2, 1.4, 2.0, 3.0, 3.6, 3.8, 3.0, 1.5,
)
_FIRST_SESSION_SEC = 600  # shop rights change at 00:00-00:05, before any session of the day

# Review stars by experience: (cumulative P of 1, 2, 3, 4 stars; the rest is 5).
_STARS_GOOD = (0.02, 0.035, 0.085, 0.25)
_STARS_GOOD_BAD_SHOP = (0.10, 0.16, 0.30, 0.50)
_STARS_REMORSE = (0.07, 0.15, 0.35, 0.65)
_STARS_CAUSE = (0.55, 0.75, 0.87, 0.93)

_HOST_NAMES_1 = ("Xiao", "Da", "A", "Lao", "Mei", "Jin", "Yun", "Hai", "Shan", "Lan", "Qing", "Yu")
_HOST_NAMES_2 = ("Mei", "Long", "Hua", "Fang", "Jie", "Ming", "Li", "Tao", "Xue", "Bo", "Na", "Kai")
_SHOP_WORDS = ("Golden", "Old", "Happy", "Honest", "Spring", "Mountain", "Harbour", "Lucky", "Village")
_SHOP_NOUNS = {
    "apparel": "Wardrobe", "cosmetics": "Beauty", "jewellery": "Jade House", "phones": "Phone Mart",
    "tea": "Tea Garden", "seafood": "Seafood", "snacks": "Snack Shop",
}

def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(items: Sequence[T], cumulative: list[float], u: float) -> T:
    """The item whose cumulative weight first exceeds ``u`` times the total (u in [0, 1));
    the last one if rounding leaves the draw at the total."""
    return items[min(bisect(cumulative, u * cumulative[-1]), len(items) - 1)]


_NORM_SIZE = 4096
# Quantiles of the standard normal: a table lookup is several times faster than gauss().
_NORM = tuple(NormalDist().inv_cdf((i + 0.5) / _NORM_SIZE) for i in range(_NORM_SIZE))
_TIMES = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00" for s in range(86400))
_DAY = 86400
_HOUR_CUM = _cumulative(_HOUR_WEIGHTS)
_HOUR_TABLE = tuple(bisect(_HOUR_CUM, (i + 0.5) / 1024 * _HOUR_CUM[-1]) for i in range(1024))
# Minutes watched per session: lognormal, median 8.
_WATCH = tuple(8.0 * math.exp(z) for z in _NORM)

# Tunable behaviour (calibrated for the published figures; see the module docstring).
_SESSION_RATE_MEDIAN = 0.05  # sessions per day, median buyer
_SESSION_RATE_SIGMA = 1.0
_PBUY_MEDIAN = 0.3  # P(buy in a session) for a median buyer with a familiar host
_PBUY_SIGMA = 0.6
_CHURN = 0.012  # P(a buyer stops visiting) after a session
_CHURN_BAD = 0.18  # extra P(stop) after an unforgiven bad experience
_EXPLORE = 0.12  # P(a session visits a host by popularity instead of a favourite)
_ZIPF = 0.75  # host popularity ~ 1 / rank ** _ZIPF
_RIGHTS_LOYALTY = 2.2  # weight of a shop the buyer already bought from, shop with active rights
_PLAIN_LOYALTY = 1.6  # same, shop without rights
_FORGIVE = 0.55  # P(a bad experience at a shop with forgiving rights is made right)
_RIGHTS_CONVERSION = 1.2  # a live room converts better for a shop with active rights


# --- configuration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedConfig:
    """What to generate. ``None`` sizes derive from ``buyers``.

    ``buyers`` counts every buyer, including the throwaway buyers of brushing rings
    (``brushing_rings * ring_size`` of them). Bad-actor counts default to at least 1 each when
    ``buyers >= 500`` and to 0 below (rings also need ``days >= 7``; at most half of the hosts
    or shops are bad).
    """

    seed: int = 7
    buyers: int = 2000
    hosts: int | None = None
    shops: int | None = None
    start: str = "2021-06-01"
    days: int = 180
    brushing_rings: int | None = None
    ring_size: int = 8
    refund_heavy_shops: int | None = None
    false_ad_hosts: int | None = None

    def __post_init__(self) -> None:
        def need(name: str, ok: bool, expected: str) -> None:
            if not ok:
                raise SeedConfigError(name, getattr(self, name), expected)

        for name in ("seed", "buyers", "days", "ring_size"):
            value = getattr(self, name)
            need(name, isinstance(value, int) and not isinstance(value, bool), "an integer")
        for name in ("hosts", "shops", "brushing_rings", "refund_heavy_shops", "false_ad_hosts"):
            value = getattr(self, name)
            need(name, value is None or (isinstance(value, int) and not isinstance(value, bool)),
                 "an integer or None")
        need("buyers", self.buyers >= 1, "an integer >= 1")
        need("days", 1 <= self.days <= 3660, "an integer in 1..3660")
        need("hosts", self.hosts is None or self.hosts >= 1, "an integer >= 1 or None")
        need("shops", self.shops is None or self.shops >= 1, "an integer >= 1 or None")
        need("ring_size", self.ring_size >= 1, "an integer >= 1")
        try:
            start = date.fromisoformat(self.start) if isinstance(self.start, str) else None
        except ValueError:
            start = None
        need("start", start is not None, "a date as YYYY-MM-DD")
        for name in ("brushing_rings", "refund_heavy_shops", "false_ad_hosts"):
            need(name, getattr(self, name) is None or getattr(self, name) >= 0, "an integer >= 0 or None")
        need("brushing_rings", self.n_rings * self.ring_size <= self.buyers // 2,
             f"at most {self.buyers // 2} ring buyers in all (half of buyers); lower it or ring_size")
        need("brushing_rings", self.n_rings == 0 or self.days >= 7, "0 when days < 7")
        need("refund_heavy_shops", self.n_refund_heavy_shops <= self.n_shops // 2,
             f"at most half of the {self.n_shops} shops")
        need("false_ad_hosts", self.n_false_ad_hosts <= self.n_hosts // 2,
             f"at most half of the {self.n_hosts} hosts")

    @property
    def n_hosts(self) -> int:
        return self.hosts if self.hosts is not None else max(10, self.buyers // 40)

    @property
    def n_shops(self) -> int:
        return self.shops if self.shops is not None else max(8, self.buyers // 60)

    @property
    def n_rings(self) -> int:
        if self.brushing_rings is not None:
            return self.brushing_rings
        return max(1, self.buyers // 4000) if self.buyers >= 500 and self.days >= 7 else 0

    @property
    def n_refund_heavy_shops(self) -> int:
        if self.refund_heavy_shops is not None:
            return self.refund_heavy_shops
        return min(max(1, self.n_shops // 40), self.n_shops // 2) if self.buyers >= 500 else 0

    @property
    def n_false_ad_hosts(self) -> int:
        if self.false_ad_hosts is not None:
            return self.false_ad_hosts
        return min(max(1, self.n_hosts // 40), self.n_hosts // 2) if self.buyers >= 500 else 0


# --- the report ---------------------------------------------------------------------------------------


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

    @property
    def ring_buyers(self) -> set[str]:
        return {b for ring in self.rings for b in ring["buyerIds"]}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["review_stars"] = {str(k): v for k, v in sorted(self.review_stars.items())}
        return out

    def summary(self) -> str:
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{100 * x:.1f}%"

        state = "complete" if self.complete else "PARTIAL (stream not fully consumed)"
        lines = [
            f"seed {self.seed}: {self.events:,} events ({state})",
            f"  {self.buyers:,} buyers, {self.hosts:,} hosts, {self.shops:,} shops, {self.orders:,} orders"
            f" ({self.buyers_with_orders:,} buyers with orders)",
            f"  platform repurchase rate: {pct(self.repurchase_rate)}",
            f"  shop repurchase, shops with trust rights ({self.shops_with_rights}): "
            f"{pct(self.shop_repurchase_with_rights)}; without ({self.shops_without_rights}): "
            f"{pct(self.shop_repurchase_without_rights)}; ratio "
            + ("n/a" if self.rights_uplift is None else f"{self.rights_uplift:.3f}"),
            "  refund rate by category: "
            + ", ".join(f"{c} {pct(r)}" for c, r in self.refund_rate_by_category.items()),
            "  review stars: " + ", ".join(f"{k}*: {v:,}" for k, v in sorted(self.review_stars.items())),
            "  events: " + ", ".join(f"{t} {n:,}" for t, n in sorted(self.event_counts.items())),
            f"  planted: {len(self.rings)} brushing rings ({len(self.ring_buyers)} buyers), "
            f"refund-heavy shops {', '.join(self.refund_heavy_shops) or '-'}, "
            f"false-advertising hosts {', '.join(self.false_ad_hosts) or '-'}",
        ]
        for ring in self.rings:
            lines.append(
                f"    ring {ring['ring']}: shop {ring['shopId']} via host {ring['hostId']}, "
                f"{len(ring['buyerIds'])} buyers from day {ring['startDay']}"
            )
        return "\n".join(lines)


# --- the simulation -----------------------------------------------------------------------------------


class _Buyer:
    __slots__ = ("id", "reg_day", "reg_sec", "rate", "pbuy", "late_reg", "ring", "hosts", "shops",
                 "first_day", "multi", "bad")

    def __init__(self, reg_day: int, reg_sec: int, ring: int) -> None:
        self.id = ""
        self.reg_day = reg_day
        self.reg_sec = reg_sec
        self.ring = ring  # ring index, or -1 for an organic buyer
        self.rate = 0.0
        self.pbuy = 0.0
        self.late_reg = False
        self.hosts: dict[int, list] = {}  # host -> relation (see below)
        self.shops: dict[int, list] = {}  # shop -> [first order day, last, multi-day (0/1), orders, bad]
        self.first_day = -1  # day of the first order
        self.multi = False  # ordered on >= 2 distinct days
        self.bad = 0  # unforgiven bad experiences since the last session


# A buyer's relation to a host is a list: [sessions, interaction score, orders, satisfied orders,
# bad experiences, followed (0/1), fan-club tier, club points since joining].
_SAT, _BAD = 3, 4
# Joining the fan club needs some interaction; tier k + 1 needs _TIER_AT[k - 1] club points
# (4 k^1.6: 4, 12, 23, 37, 53, ...), so most members stay at tiers 1-3 and few pass 10.
_JOIN_AT = 6.0
_TIER_AT = tuple(4.0 * k**1.6 for k in range(1, 20))


class _Simulation:
    def __init__(self, config: SeedConfig, report: SeedReport) -> None:
        self.cfg = config
        self.report = report
        self.rng = random.Random(config.seed)
        self.days = config.days
        self.horizon = config.days * _DAY
        self.start = date.fromisoformat(config.start)
        self.day = -1
        # Queued events carry their absolute second in "at" until they are yielded. (No wrapping
        # tuples: dicts of atomic values are not tracked by the cyclic GC, which matters here.)
        self.today: list[dict] = []
        self.pending: dict[int, list[dict]] = {}
        self.sessions: dict[int, list[tuple[int, int]]] = {}
        self.activations: dict[int, list[tuple]] = {}
        self.n_orders = 0
        self.n_reports = 0
        self.cat_orders = dict.fromkeys(CATEGORIES, 0)
        self.cat_refunds = dict.fromkeys(CATEGORIES, 0)
        self.stars = dict.fromkeys(range(1, 6), 0)
        self._build_world()
        self._build_buyers()

    # -- scheduling --

    def emit(self, t: int, ev: dict) -> None:
        """Queue ``ev`` at absolute second ``t``; events past the horizon are dropped."""
        d = t // _DAY
        ev["at"] = t
        if d == self.day:
            self.today.append(ev)
        elif d < self.days:
            bucket = self.pending.get(d)
            if bucket is None:
                self.pending[d] = [ev]
            else:
                bucket.append(ev)

    def activate(self, day: int, action: tuple) -> None:
        self.activations.setdefault(day, []).append(action)

    def schedule_session(self, b: int, day: int, min_sec: int = 0) -> None:
        if day < self.days:
            bucket = self.sessions.get(day)
            if bucket is None:
                self.sessions[day] = [(b, min_sec)]
            else:
                bucket.append((b, min_sec))

    def evening_sec(self) -> int:
        rnd = self.rng.random
        sec = _HOUR_TABLE[int(rnd() * 1024)] * 3600 + int(rnd() * 3600)
        return sec if sec >= _FIRST_SESSION_SEC else _FIRST_SESSION_SEC + sec

    # -- the world: hosts, shops, links, rights, bad actors --

    def _build_world(self) -> None:
        cfg, rng, rep = self.cfg, self.rng, self.report
        rnd = rng.random
        n_hosts, n_shops = cfg.n_hosts, cfg.n_shops
        cats = list(CATEGORIES)
        cat_cum = _cumulative(_CATEGORIES[c].weight for c in cats)

        def draw_cat() -> str:
            return cats[bisect(cat_cum, rnd() * cat_cum[-1])]

        self.host_ids = [f"h{i + 1:05d}" for i in range(n_hosts)]
        self.shop_ids = [f"s{i + 1:05d}" for i in range(n_shops)]
        self.shop_cat = [draw_cat() for _ in range(n_shops)]
        # Every category gets at least one shop when there are enough shops.
        cat_count = Counter(self.shop_cat)
        for c in cats[:n_shops]:
            if not cat_count[c]:
                donor = cat_count.most_common(1)[0][0]
                self.shop_cat[self.shop_cat.index(donor)] = c
                cat_count[donor] -= 1
                cat_count[c] += 1
        self.host_cat = [draw_cat() for _ in range(n_hosts)]
        # Join days: most exist from day 0, a share opens later in the first two thirds.
        late = max(1, self.days * 2 // 3)
        self.host_day = [0 if rnd() < 0.85 or self.days < 3 else 1 + int(rnd() * late) for _ in range(n_hosts)]
        self.shop_day = [0 if rnd() < 0.85 or self.days < 3 else 1 + int(rnd() * late) for _ in range(n_shops)]
        # Zipf-like host popularity, in a random order of host ids.
        order = list(range(n_hosts))
        rng.shuffle(order)
        pop = [0.0] * n_hosts
        for rank, h in enumerate(order):
            pop[h] = 1.0 / (rank + 1) ** _ZIPF
        self.host_pop = pop
        self.host_cum = _cumulative(pop)
        self.shop_pop = [math.exp(0.6 * _NORM[int(rnd() * _NORM_SIZE)]) for _ in range(n_shops)]
        self.shop_items = [5 + int(rnd() * rnd() * 200) for _ in range(n_shops)]

        # Links: each host sells for 1-5 shops, mostly of its own category.
        by_cat: dict[str, list[int]] = {c: [] for c in cats}
        for s, c in enumerate(self.shop_cat):
            by_cat[c].append(s)
        links: list[list[int]] = [[] for _ in range(n_hosts)]
        shop_hosts: list[list[int]] = [[] for _ in range(n_shops)]
        k_cum = _cumulative((0.35, 0.30, 0.18, 0.11, 0.06))
        for h in range(n_hosts):
            k = min(n_shops, 1 + bisect(k_cum, rnd() * k_cum[-1]))
            tries = 0
            while len(links[h]) < k and tries < 50:
                tries += 1
                own = by_cat[self.host_cat[h]]
                s = own[int(rnd() * len(own))] if own and rnd() < 0.75 else int(rnd() * n_shops)
                if s not in links[h]:
                    links[h].append(s)
                    shop_hosts[s].append(h)
            if links[h]:
                self.host_cat[h] = self.shop_cat[links[h][0]]
        for s in range(n_shops):
            if not shop_hosts[s]:
                h = int(rnd() * n_hosts)
                links[h].append(s)
                shop_hosts[s].append(h)
        self.shop_hosts = shop_hosts
        # The host's shops that are open and linked, filled in by activations.
        self.host_shops: list[list[int]] = [[] for _ in range(n_hosts)]

        # Expected share of sessions that reach each shop.
        traffic = [0.0] * n_shops
        for h in range(n_hosts):
            shop_total = sum(self.shop_pop[x] for x in links[h])
            for x in links[h]:
                traffic[x] += pop[h] * self.shop_pop[x] / shop_total

        # Bad actors. Refund-heavy shops are mid-sized: not the biggest (those get noticed), not
        # the tiny ones.
        by_traffic = sorted(range(n_shops), key=lambda s: traffic[s])
        lo = min(n_shops // 4, n_shops - 2 * cfg.n_refund_heavy_shops)
        candidates = by_traffic[lo: max(lo + 2 * cfg.n_refund_heavy_shops, n_shops * 3 // 4)]
        rng.shuffle(candidates)
        self.shop_bad = [False] * n_shops
        for s in candidates[: cfg.n_refund_heavy_shops]:
            self.shop_bad[s] = True
        hosts_by_pop = sorted(range(n_hosts), key=lambda h: -pop[h])
        # False advertisers are mid-popularity hosts (not the very top: those are watched closely).
        pool = hosts_by_pop[1:] if n_hosts > 2 else hosts_by_pop
        pool = pool[: max(cfg.n_false_ad_hosts * 4, len(pool) // 3)]
        rng.shuffle(pool)
        self.host_false_ad = [False] * n_hosts
        for h in pool[: cfg.n_false_ad_hosts]:
            self.host_false_ad[h] = True
        self.host_confirmed = [0] * n_hosts  # confirmed false-ad reports so far
        self.host_penalties = [0] * n_hosts
        rep.refund_heavy_shops = sorted(self.shop_ids[s] for s in range(n_shops) if self.shop_bad[s])
        rep.false_ad_hosts = sorted(self.host_ids[h] for h in range(n_hosts) if self.host_false_ad[h])

        # Registration and link events, at the first minutes of the join day.
        for h in range(n_hosts):
            t = self.host_day[h] * _DAY + int(rnd() * 240)
            name = f"{_HOST_NAMES_1[int(rnd() * 12)]} {_HOST_NAMES_2[int(rnd() * 12)]} {h + 1}"
            self.emit(t, {"eventId": None, "type": "HOST_REGISTERED", "at": None,
                          "hostId": self.host_ids[h], "name": name, "category": self.host_cat[h]})
        for s in range(n_shops):
            t = self.shop_day[s] * _DAY + int(rnd() * 240)
            name = f"{_SHOP_WORDS[int(rnd() * len(_SHOP_WORDS))]} {_SHOP_NOUNS[self.shop_cat[s]]} {s + 1}"
            self.emit(t, {"eventId": None, "type": "SHOP_REGISTERED", "at": None,
                          "shopId": self.shop_ids[s], "name": name, "category": self.shop_cat[s]})
        for h in range(n_hosts):
            for s in links[h]:
                day = max(self.host_day[h], self.shop_day[s])
                self.emit(day * _DAY + 250 + int(rnd() * 50), {
                    "eventId": None, "type": "HOST_SELLS_FOR_SHOP", "at": None,
                    "hostId": self.host_ids[h], "shopId": self.shop_ids[s]})
                self.activate(day, ("link", h, s))
        self.link_day = {(h, s): max(self.host_day[h], self.shop_day[s]) for h in range(n_hosts) for s in links[h]}

        # Trust rights: about half of the shops open them, most in the first weeks (the trust card
        # launched on 2021-06-01); some change their set later, a few drop them. Which shops open
        # them is balanced: one of each consecutive pair of similar shops (same category, both open
        # from the start or both later, similar traffic), so that the measured rights effect is the
        # behavioural one rather than an accident of which big shops drew rights. Refund-heavy
        # shops rarely open rights.
        opens = [False] * n_shops
        ordinary = sorted((s for s in range(n_shops) if not self.shop_bad[s]),
                          key=lambda s: (self.shop_cat[s], self.shop_day[s] > 0, -traffic[s]))
        for k in range(0, len(ordinary), 2):
            pair = ordinary[k:k + 2]
            opens[pair[int(rnd() * len(pair))]] = True
        for s in range(n_shops):
            if self.shop_bad[s]:
                opens[s] = rnd() < 0.25
        self.shop_rights = [0] * n_shops
        self.ever_rights = [False] * n_shops
        for s in range(n_shops):
            if not opens[s]:
                continue
            first = self.shop_day[s]
            day = first + (int(rnd() * 14) if rnd() < 0.65 else int(rnd() * max(1, self.days * 0.6)))
            if day >= self.days:
                continue
            menu = _RIGHTS_MENU.get(self.shop_cat[s], _DEFAULT_MENU)
            mask = menu[0]
            for bit in menu[1:]:
                if rnd() < 0.5:
                    mask |= bit
            self.ever_rights[s] = True
            self._change_rights(s, day, mask)
            if rnd() < 0.35:
                later = day + 20 + int(rnd() * 90)
                if later < self.days:
                    if rnd() < 0.1:
                        new = 0
                    else:
                        new = mask ^ menu[1 + int(rnd() * (len(menu) - 1))]
                        new = new or mask
                    if new != mask:
                        self._change_rights(s, later, new)

        # Penalties unrelated to false advertising: bad shops are penalised for counterfeits, with
        # escalating severity; a few ordinary shops and hosts get a minor one.
        for s in range(n_shops):
            span = self.days - self.shop_day[s]
            if self.shop_bad[s] and span > 10:
                n = 2 + int(rnd() * 2)
                days = sorted(self.shop_day[s] + 10 + int(rnd() * (span - 10)) for _ in range(n))
                for i, d in enumerate(days):
                    self._penalty(d * _DAY + 3600 * 9 + int(rnd() * 3600 * 8), "shopId", self.shop_ids[s],
                                  min(3, i + 1), "COUNTERFEIT")
            elif span > 1 and rnd() < 0.1:
                d = self.shop_day[s] + 1 + int(rnd() * (span - 1))
                code = "FAKE_SHIPPING" if rnd() < 0.6 else "LATE_SHIPPING"
                self._penalty(d * _DAY + 3600 * 9 + int(rnd() * 3600 * 8), "shopId", self.shop_ids[s], 1, code)
        for h in range(n_hosts):
            span = self.days - self.host_day[h]
            if not self.host_false_ad[h] and span > 1 and rnd() < 0.05:
                d = self.host_day[h] + 1 + int(rnd() * (span - 1))
                code = "VULGAR_CONTENT" if rnd() < 0.5 else "FALSE_AD"
                self._penalty(d * _DAY + 3600 * 9 + int(rnd() * 3600 * 8), "hostId", self.host_ids[h], 1, code)

    def _change_rights(self, s: int, day: int, mask: int) -> None:
        rights = [RIGHTS[i] for i in range(6) if mask >> i & 1]
        self.emit(day * _DAY + 5 + int(self.rng.random() * 290), {
            "eventId": None, "type": "SHOP_RIGHTS_CHANGED", "at": None,
            "shopId": self.shop_ids[s], "rights": rights})
        self.activate(day, ("rights", s, mask))

    def _penalty(self, t: int, key: str, target: str, severity: int, code: str) -> None:
        self.emit(t, {"eventId": None, "type": "VIOLATION_PENALIZED", "at": None,
                      key: target, "severity": severity, "code": code})

    # -- buyers --

    def _build_buyers(self) -> None:
        cfg, rng, rep = self.cfg, self.rng, self.report
        rnd = rng.random
        days = self.days
        n_ring_buyers = cfg.n_rings * cfg.ring_size
        n_organic = cfg.buyers - n_ring_buyers
        buyers: list[_Buyer] = []
        for _ in range(n_organic):
            # A cohort already on the platform joins in the first days, the rest over the period.
            reg_day = int(rnd() * min(days, 4)) if rnd() < 0.45 else int(rnd() * max(1, days * 0.9))
            b = _Buyer(reg_day, int(rnd() * _DAY), -1)
            b.rate = _SESSION_RATE_MEDIAN * math.exp(_SESSION_RATE_SIGMA * _NORM[int(rnd() * _NORM_SIZE)])
            b.pbuy = min(0.95, _PBUY_MEDIAN * math.exp(_PBUY_SIGMA * _NORM[int(rnd() * _NORM_SIZE)]))
            b.late_reg = rnd() < 0.011
            buyers.append(b)

        # Brushing rings: one shop and one of its hosts each, a start day, throwaway buyers.
        self.ring_orders: dict[int, list[tuple[int, int, int]]] = {}
        rings: list[tuple[int, int, int]] = []
        clean_shops = [s for s in range(cfg.n_shops) if not self.shop_bad[s]] or list(range(cfg.n_shops))
        for r in range(cfg.n_rings):
            s = clean_shops[int(rnd() * len(clean_shops))]
            h = self.shop_hosts[s][int(rnd() * len(self.shop_hosts[s]))]
            earliest = max(3, self.link_day[(h, s)] + 1)
            latest = max(earliest, days - 5)
            rings.append((s, h, earliest + int(rnd() * (latest - earliest + 1))))
        self.ring_targets = [(s, h) for s, h, _ in rings]
        for r, (s, h, start) in enumerate(rings):
            for _ in range(cfg.ring_size):
                reg_day = max(0, start - int(rnd() * 3))
                buyers.append(_Buyer(reg_day, int(rnd() * _DAY), r))

        # Ids follow registration order, so ring buyers' ids mix with everyone else's.
        order = sorted(range(len(buyers)), key=lambda i: (buyers[i].reg_day, buyers[i].reg_sec, i))
        self.buyers = [buyers[i] for i in order]
        for i, b in enumerate(self.buyers):
            b.id = f"b{i + 1:06d}"

        ring_members: list[list[str]] = [[] for _ in rings]
        for i, b in enumerate(self.buyers):
            if b.ring < 0:
                continue
            s, h, start = rings[b.ring]
            ring_members[b.ring].append(b.id)
            n = 2 + int(rnd() * 3)
            first = max(start, b.reg_day)
            for k in range(n):
                day = min(days - 1, first + (0 if k == 0 else int(rnd() * 4)))
                sec = self.evening_sec()
                if day == b.reg_day and sec <= b.reg_sec:
                    sec = min(_DAY - 1, b.reg_sec + 300 + int(rnd() * 3600))
                self.ring_orders.setdefault(day, []).append((i, b.ring, sec))
        rep.rings = [
            {"ring": r + 1, "shopId": self.shop_ids[s], "hostId": self.host_ids[h], "startDay": start,
             "buyerIds": ring_members[r]}
            for r, (s, h, start) in enumerate(rings)
        ]

    # -- the day loop --

    def run(self) -> Iterator[dict]:
        rep = self.report
        counts: Counter[str] = Counter()
        seed = self.cfg.seed
        n = 0
        buyers = self.buyers
        next_reg = 0
        for d in range(self.days):
            self.day = d
            self.today = self.pending.pop(d, [])
            for action in self.activations.pop(d, ()):
                if action[0] == "link":
                    self.host_shops[action[1]].append(action[2])
                else:
                    self.shop_rights[action[1]] = action[2]
            while next_reg < len(buyers) and buyers[next_reg].reg_day == d:
                self._register(next_reg)
                next_reg += 1
            for b, min_sec in self.sessions.pop(d, ()):
                self._session(b, d, min_sec)
            for b, r, sec in self.ring_orders.pop(d, ()):
                self._ring_order(b, r, d * _DAY + sec)
            today = self.today
            today.sort(key=_at)  # stable: events at the same second keep their causal order
            prefix = (self.start + timedelta(days=d)).isoformat() + "T"
            base = d * _DAY
            for ev in today:
                n += 1
                ev["eventId"] = f"seed{seed}-{n}"
                ev["at"] = prefix + _TIMES[ev["at"] - base]
                yield ev
            counts.update(map(_type, today))
            rep.events = n
            rep.event_counts = dict(counts)
            self.today = []
        self._finish()

    def _register(self, i: int) -> None:
        b = self.buyers[i]
        t = b.reg_day * _DAY + b.reg_sec
        if not b.late_reg:
            self.emit(t, {"eventId": None, "type": "BUYER_REGISTERED", "at": None, "buyerId": b.id})
        if b.ring >= 0:
            return
        rnd = self.rng.random
        if rnd() < 0.55:
            day, min_sec = b.reg_day, b.reg_sec + 60 + int(rnd() * 3600)
        else:
            day, min_sec = b.reg_day + 1 + int(-math.log(1.0 - rnd()) * 3.0), 0
        if day >= self.days and b.late_reg:  # no session left to order in: register on time
            b.late_reg = False
            self.emit(t, {"eventId": None, "type": "BUYER_REGISTERED", "at": None, "buyerId": b.id})
        self.schedule_session(i, day, min_sec)

    # -- one visit to a live room --

    def _session(self, i: int, day: int, min_sec: int) -> None:
        # The hot path (about half of all events come from here), hence the local names.
        rnd = self.rng.random
        b = self.buyers[i]
        rels = b.hosts
        # Which live room: a favourite (weighted by accumulated interaction), or a popular one.
        if not rels or rnd() < _EXPLORE:
            host_cum = self.host_cum
            h = bisect(host_cum, rnd() * host_cum[-1])
            if self.host_day[h] > day:
                h = self._fallback_host(day)
                if h < 0:  # no host is open yet: come back later
                    if b.late_reg:
                        b.late_reg = False
                        self.emit(day * _DAY + min_sec, {"eventId": None, "type": "BUYER_REGISTERED",
                                                         "at": None, "buyerId": b.id})
                    self.schedule_session(i, day + 1 + int(rnd() * 7))
                    return
        elif len(rels) == 1:
            h = next(iter(rels))
        else:
            hosts = list(rels)
            h = _pick(hosts, _cumulative((1.0 + r[1] + 4.0 * r[3]) / (1.0 + 3.0 * r[4]) for r in rels.values()), rnd())
        rel = rels.get(h)
        if rel is None:
            rel = rels[h] = [0, 0.0, 0, 0, 0, 0, 0, 0.0]
        sess, score, n_ord, sat, bad, followed, tier, club = rel
        hid = self.host_ids[h]
        bid = b.id
        today = self.today
        day_end = (day + 1) * _DAY
        emit = self.emit

        sec = _HOUR_TABLE[int(rnd() * 1024)] * 3600 + int(rnd() * 3600)
        if sec < min_sec:
            sec = min_sec
        if sec < _FIRST_SESSION_SEC:
            sec += _FIRST_SESSION_SEC
        t0 = day * _DAY + sec
        minutes = int(_WATCH[int(rnd() * _NORM_SIZE)] * (1.0 + 0.08 * tier)) + 1
        if minutes > 600:
            minutes = 600
        span = minutes * 60
        t_end = t0 + span

        # Comments.
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
        familiarity = (0.3 + 0.14 * (sess if sess < 5 else 5) + 0.22 * (sat if sat < 5 else 5)
                       + (0.15 if followed else 0.0))
        p_buy = b.pbuy * familiarity / (1.0 + 1.5 * bad)
        if b.late_reg:
            p_buy = 1.0
        shops = self.host_shops[h]
        n_orders = 0
        if shops and rnd() < p_buy * _RIGHTS_CONVERSION:
            n_orders = 1 + (rnd() < 0.12) + (rnd() < 0.03)
            horizon = self.horizon
            for k in range(n_orders):
                t = t0 + int(rnd() * span)
                if t >= horizon or not self._order(b, h, rel, t, k == 0):
                    n_orders = k
                    break
        if b.late_reg:  # no order was possible after all: register now
            b.late_reg = False
            emit(min(t_end, self.horizon - 1), {"eventId": None, "type": "BUYER_REGISTERED", "at": None,
                                                 "buyerId": bid})

        # Watching is recorded when the buyer leaves the room.
        ev = {"eventId": None, "type": "WATCHED", "at": t_end, "buyerId": bid, "hostId": hid, "minutes": minutes}
        if t_end < day_end:
            today.append(ev)
        else:
            emit(t_end, ev)

        # False-advertising reports (Pinocchio): frequent in false advertisers' rooms.
        if self.host_false_ad[h]:
            if rnd() < 0.07 + (0.15 if rel[4] else 0.0):
                self._report_false_ad(b, h, t0 + int(rnd() * span) + 60)
        elif rnd() < 0.0012:
            self._report_false_ad(b, h, t0 + int(rnd() * span) + 60)

        # Follow / unfollow, fan club. ``rel`` may have changed in _order (orders, experiences).
        rel[0] = sess + 1
        gained = minutes / 15.0 + n_comments + 3.0 * n_orders
        rel[1] = score + gained
        t_after = t_end + 1
        if not followed:
            p_follow = 0.06 + 0.04 * (sess if sess < 5 else 5) + (0.25 if rel[2] else 0.0)
            if not (b.bad and rel[4]) and rnd() < p_follow:
                rel[5] = 1
                emit(t_after, {"eventId": None, "type": "FOLLOWED", "at": None, "buyerId": bid, "hostId": hid})
        elif rnd() < (0.3 if b.bad and rel[4] else 0.003):
            rel[5] = 0
            emit(t_after, {"eventId": None, "type": "UNFOLLOWED", "at": None, "buyerId": bid, "hostId": hid})
            if tier and rnd() < 0.7:
                rel[6] = 0
                rel[7] = 0.0
                emit(t_after + 1, {"eventId": None, "type": "FAN_CLUB_TIER_SET", "at": None,
                                   "buyerId": bid, "hostId": hid, "tier": 0})
        elif tier:
            # Club points count from joining (a point a visit, two an order); tiers climb with them
            # and never fall on their own.
            club += 1.0 + 2.0 * n_orders
            rel[7] = club
            new = 1 + bisect(_TIER_AT, club)
            if new > tier:
                rel[6] = new if new < 20 else 20
                emit(t_after + 1, {"eventId": None, "type": "FAN_CLUB_TIER_SET", "at": None,
                                   "buyerId": bid, "hostId": hid, "tier": rel[6]})
        elif rel[1] >= _JOIN_AT and rnd() < 0.25:
            rel[6] = 1
            emit(t_after + 1, {"eventId": None, "type": "FAN_CLUB_TIER_SET", "at": None,
                               "buyerId": bid, "hostId": hid, "tier": 1})

        # The next visit, unless the buyer drifts away.
        if rnd() >= (_CHURN + _CHURN_BAD if b.bad else _CHURN):
            d = day + 1 + int(-math.log(1.0 - rnd()) / b.rate)
            if d < self.days:
                bucket = self.sessions.get(d)
                if bucket is None:
                    self.sessions[d] = [(i, 0)]
                else:
                    bucket.append((i, 0))
        b.bad = 0

    def _fallback_host(self, day: int) -> int:
        rnd = self.rng.random
        for _ in range(8):
            h = int(rnd() * len(self.host_ids))
            if self.host_day[h] <= day:
                return h
        return -1

    def _order(self, b: _Buyer, h: int, rel: list, t: int, gate: bool) -> bool:
        """Place an order in ``h``'s room at ``t`` and schedule its outcome. With ``gate``, the
        purchase was drawn at the rights-holders' conversion rate: other shops keep only their share
        of it (returns False: no order)."""
        rnd = self.rng.random
        # Which shop: the host's shops by popularity; shops the buyer already used weigh more,
        # and more so when the shop holds trust rights; a shop that let the buyer down, less.
        shops = self.host_shops[h]
        if len(shops) == 1:
            s = shops[0]
        else:
            brels = b.shops
            rights = self.shop_rights
            weights = []
            for ss in shops:
                w = self.shop_pop[ss]
                srel = brels.get(ss)
                if srel is not None:
                    w *= (_RIGHTS_LOYALTY if rights[ss] else _PLAIN_LOYALTY) / (1.0 + 3.0 * srel[4])
                weights.append(w)
            s = _pick(shops, _cumulative(weights), rnd())
        rights = self.shop_rights[s]
        if gate and not rights and not b.late_reg and rnd() * _RIGHTS_CONVERSION >= 1.0:
            return False
        cat = self.shop_cat[s]
        prof = _CATEGORIES[cat]
        bad_shop = self.shop_bad[s]
        false_ad = self.host_false_ad[h]

        self.n_orders += 1
        oid = f"o{self.n_orders:07d}"
        x = prof.price * math.exp(prof.price_sigma * _NORM[int(rnd() * _NORM_SIZE)])
        amount = float(int(x)) + 0.9 if x < 300 else float(int(x))  # prices like 89.9, 1299.0
        item = f"{self.shop_ids[s]}-i{int(rnd() * rnd() * self.shop_items[s]):03d}"
        self.emit(t, {"eventId": None, "type": "ORDER_PLACED", "at": None, "orderId": oid, "buyerId": b.id,
                      "hostId": self.host_ids[h], "shopId": self.shop_ids[s], "amount": amount,
                      "category": cat, "itemId": item})
        if b.late_reg:
            b.late_reg = False
            t_reg = min(t + 300 + int(rnd() * 6 * 3600), self.horizon - 1)
            self.emit(t_reg, {"eventId": None, "type": "BUYER_REGISTERED", "at": None, "buyerId": b.id})
        self._track(b, s, t // _DAY, cat)
        rel[2] += 1

        outcome = 0  # 0 good, 1 neutral (remorse), 2 bad (for cause)
        hour = 3600
        # Industry-level checks before shipping: authenticity for jewellery, device check for phones.
        inspect = None
        if cat == "jewellery" and rights & _INSP and rnd() < 0.92:
            inspect = "AUTHENTICITY"
        elif cat == "phones" and rnd() < (0.85 if rights & _WAR else 0.08):
            inspect = "DEVICE"
        t_ship = t + 2 * hour + int(rnd() * 20 * hour)
        if inspect is not None:
            fail = 0.3 if bad_shop else 0.025
            t_insp = t + 12 * hour + int(rnd() * 36 * hour)
            passed = rnd() >= fail
            self.emit(t_insp, {"eventId": None, "type": "INSPECTION_RECORDED", "at": None, "orderId": oid,
                               "kind": inspect, "passed": passed})
            t_ship = t_insp + hour + int(rnd() * 6 * hour)
            if not passed:
                # Caught before shipping: refunded, the platform protected the buyer.
                reason = "NOT_AS_DESCRIBED" if inspect == "AUTHENTICITY" else "DEFECT"
                self._refund(oid, t_insp + hour + int(rnd() * 12 * hour), reason, True, cat)
                self._experience(b, s, rel, 1)
                return True
        if rnd() < (0.05 if bad_shop else 0.012):
            # Never delivered.
            t_ref = t + 5 * _DAY + int(rnd() * 6 * _DAY)
            self._refund(oid, t_ref, "NOT_DELIVERED", False, cat)
            if rnd() < 0.35:
                self._complaint(oid, t + 3 * _DAY + int(rnd() * (t_ref - t - 3 * _DAY)), "NOT_DELIVERED")
            self._experience(b, s, rel, 2 if not rights & _FORGIVING or rnd() >= _FORGIVE else 1)
            return True
        late = rnd() < (0.12 if bad_shop else 0.05)
        ship_days = prof.ship_min + int(rnd() * (prof.ship_max - prof.ship_min + 1)) + (4 + int(rnd() * 3) if late else 0)
        delivered_at = t_ship + ship_days * _DAY - int(rnd() * 10 * hour)
        if delivered_at <= t_ship:
            delivered_at = t_ship + hour
        self.emit(delivered_at, {"eventId": None, "type": "ORDER_DELIVERED", "at": None, "orderId": oid})
        if late and rnd() < 0.2:
            self._complaint(oid, delivered_at - int(rnd() * _DAY * 2) if delivered_at - 2 * _DAY > t else delivered_at + hour,
                            "LATE_SHIPPING")

        p_cause = prof.cause + (0.30 if bad_shop else 0.0) + (0.10 if false_ad else 0.0)
        u = rnd()
        reason = None
        if u < p_cause:
            v = rnd()
            if bad_shop:
                reason = "NOT_AS_DESCRIBED" if v < 0.5 else "DEFECT" if v < 0.9 else "OTHER"
            elif false_ad:
                reason = "NOT_AS_DESCRIBED" if v < 0.7 else "DEFECT"
            else:
                reason = "DEFECT" if v < 0.55 else "NOT_AS_DESCRIBED" if v < 0.85 else "OTHER"
            p_keep = 0.7 if rights & _RWR else prof.without_return
            if amount < 50:
                p_keep += 0.15
            outcome = 2
        elif u < p_cause + prof.remorse:
            reason = "BUYER_REMORSE"
            p_keep = 0.08 if rights & _RWR and amount < 100 else 0.01
            outcome = 1
        if reason is not None:
            t_ref = delivered_at + hour + int(rnd() * 6 * _DAY)
            self._refund(oid, t_ref, reason, rnd() >= p_keep, cat)

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
                why = reason if v < 0.7 else "OTHER"
            else:
                why = "OTHER" if v < 0.5 else "NOT_AS_DESCRIBED" if v < 0.75 else "DEFECT"
            if why == "FAKE_GOODS" or (bad_shop and outcome != 2):
                outcome = 2
            self._complaint(oid, delivered_at + 2 * hour + int(rnd() * 5 * _DAY), why)

        # Reviews.
        if outcome == 2:
            p_review, stars = 0.5, _STARS_CAUSE
        elif outcome == 1:
            p_review, stars = 0.12, _STARS_REMORSE
        else:
            p_review, stars = 0.46, (_STARS_GOOD_BAD_SHOP if bad_shop else _STARS_GOOD)
        if rnd() < p_review:
            self._review(oid, delivered_at + 1800 + int(rnd() * 5 * _DAY), bisect(stars, rnd()) + 1)
        if outcome == 2 and rights & _FORGIVING and rnd() < _FORGIVE:
            outcome = 1  # the shop's rights made it right
        self._experience(b, s, rel, outcome)
        return True

    def _experience(self, b: _Buyer, s: int, rel: list, outcome: int) -> None:
        srel = b.shops[s]
        if outcome == 0:
            rel[_SAT] += 1
        elif outcome == 2:
            rel[_BAD] += 1
            srel[4] += 1
            b.bad += 1

    # The report's tallies count only what is emitted: events past the horizon are dropped.

    def _refund(self, oid: str, t: int, reason: str, returned: bool, cat: str) -> None:
        if t < self.horizon:
            self.cat_refunds[cat] += 1
        self.emit(t, {"eventId": None, "type": "ORDER_REFUNDED", "at": None, "orderId": oid,
                      "reason": reason, "returned": returned})

    def _review(self, oid: str, t: int, rating: int) -> None:
        if t < self.horizon:
            self.stars[rating] += 1
        self.emit(t, {"eventId": None, "type": "REVIEW_POSTED", "at": None, "orderId": oid, "rating": rating})

    def _complaint(self, oid: str, t: int, reason: str) -> None:
        self.emit(t, {"eventId": None, "type": "COMPLAINT_FILED", "at": None, "orderId": oid, "reason": reason})

    def _track(self, b: _Buyer, s: int, day: int, cat: str) -> None:
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

    def _report_false_ad(self, b: _Buyer, h: int, t: int) -> None:
        rnd = self.rng.random
        self.n_reports += 1
        rid = f"r{self.n_reports:06d}"
        self.emit(t, {"eventId": None, "type": "FALSE_AD_REPORTED", "at": None, "reportId": rid,
                      "buyerId": b.id, "hostId": self.host_ids[h]})
        if rnd() < (0.75 if self.host_false_ad[h] else 0.2):
            t_conf = t + 3600 + int(rnd() * 3 * _DAY)
            self.emit(t_conf, {"eventId": None, "type": "FALSE_AD_CONFIRMED", "at": None, "reportId": rid})
            self.host_confirmed[h] += 1
            # Automatic warning, then penalties that escalate for repeat offenders (累犯从严).
            if self.host_confirmed[h] % 4 == 0:
                self.host_penalties[h] += 1
                self._penalty(t_conf + 600 + int(rnd() * 3 * 3600), "hostId", self.host_ids[h],
                              min(3, self.host_penalties[h]), "FALSE_AD")

    def _ring_order(self, i: int, r: int, t: int) -> None:
        rnd = self.rng.random
        b = self.buyers[i]
        s, h = self.ring_targets[r]
        cat = self.shop_cat[s]
        self.n_orders += 1
        oid = f"o{self.n_orders:07d}"
        amount = float(5 + int(rnd() * 25)) + 0.9
        item = f"{self.shop_ids[s]}-i{int(rnd() * 3):03d}"
        self.emit(t, {"eventId": None, "type": "ORDER_PLACED", "at": None, "orderId": oid, "buyerId": b.id,
                      "hostId": self.host_ids[h], "shopId": self.shop_ids[s], "amount": amount,
                      "category": cat, "itemId": item})
        self._track(b, s, t // _DAY, cat)
        t_del = t + _DAY + int(rnd() * _DAY)
        self.emit(t_del, {"eventId": None, "type": "ORDER_DELIVERED", "at": None, "orderId": oid})
        self._review(oid, t_del + 1800 + int(rnd() * 20 * 3600), 5)

    # -- the report --

    def _finish(self) -> None:
        rep = self.report
        rep.buyers = len(self.buyers)
        rep.hosts = len(self.host_ids)
        rep.shops = len(self.shop_ids)
        rep.orders = self.n_orders
        with_orders = [b for b in self.buyers if b.first_day >= 0]
        rep.buyers_with_orders = len(with_orders)
        rep.repurchase_rate = _ratio(sum(b.multi for b in with_orders), len(with_orders))
        n_shops = len(self.shop_ids)
        shop_buyers = [0] * n_shops
        shop_repeat = [0] * n_shops
        for b in with_orders:
            for s, srel in b.shops.items():
                shop_buyers[s] += 1
                shop_repeat[s] += srel[2]
        groups = {True: [0, 0, []], False: [0, 0, []]}
        for s in range(n_shops):
            g = groups[self.ever_rights[s]]
            g[0] += shop_buyers[s]
            g[1] += shop_repeat[s]
            if shop_buyers[s] >= 20:
                g[2].append(shop_repeat[s] / shop_buyers[s])
        rep.shops_with_rights = sum(self.ever_rights)
        rep.shops_without_rights = n_shops - rep.shops_with_rights
        rep.shop_repurchase_with_rights = _ratio(groups[True][1], groups[True][0])
        rep.shop_repurchase_without_rights = _ratio(groups[False][1], groups[False][0])
        if rep.shop_repurchase_with_rights is not None and rep.shop_repurchase_without_rights:
            rep.rights_uplift = rep.shop_repurchase_with_rights / rep.shop_repurchase_without_rights
        for flag, attr in ((True, "mean_shop_repurchase_with_rights"), (False, "mean_shop_repurchase_without_rights")):
            rates = groups[flag][2]
            setattr(rep, attr, sum(rates) / len(rates) if rates else None)
        rep.refund_rate_by_category = {
            c: round(self.cat_refunds[c] / self.cat_orders[c], 4) for c in CATEGORIES if self.cat_orders[c]
        }
        rep.review_stars = dict(self.stars)
        rep.complete = True


_at = itemgetter("at")
_type = itemgetter("type")


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


# --- the public functions -----------------------------------------------------------------------------


def generate(config: SeedConfig | None = None) -> tuple[Iterator[dict[str, Any]], SeedReport]:
    """Build the world for ``config`` and return ``(events, report)``.

    ``events`` yields event dicts in non-decreasing ``at`` order, one day at a time; ``report``
    fills in as ``events`` is consumed (see :class:`SeedReport`). Calling ``generate`` twice with
    the same config gives identical streams.
    """
    config = config or SeedConfig()
    report = SeedReport(seed=config.seed, config=asdict(config))
    sim = _Simulation(config, report)
    report.buyers, report.hosts, report.shops = config.buyers, config.n_hosts, config.n_shops
    return sim.run(), report


def write_jsonl(
    events: Iterable[dict[str, Any]], path: str, progress: Callable[[int], Any] | None = None
) -> int:
    """Write ``events`` to ``path`` as JSON lines (UTF-8); return how many were written.

    ``progress``, if given, is called with the number of events written since its previous call,
    every 10,000 events and once at the end (``tqdm(...).update`` fits).
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    n = 0
    since = 0
    with open(path, "w", encoding="utf-8") as out:
        buf: list[str] = []
        for ev in events:
            buf.append(encode(ev))
            n += 1
            if len(buf) == 10_000:
                buf.append("")
                out.write("\n".join(buf))
                buf = []
                if progress is not None:
                    progress(n - since)
                    since = n
        if buf:
            buf.append("")
            out.write("\n".join(buf))
    if progress is not None and n > since:
        progress(n - since)
    return n
