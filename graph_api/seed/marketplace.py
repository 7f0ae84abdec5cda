"""The platform's hosts and shops: who sells for whom, how popular each is, when it joins, and
which shops open trust rights.

Hosts (Zipf-like popularity) sell for 1-5 shops; shops (one main category each) use several
hosts. Most hosts and shops exist from day 0; some join later. About half of the shops open
trust rights (``SHOP_RIGHTS_CHANGED``), mostly in the first weeks; some change their set later.
Which shops open rights is balanced by category, opening date and expected traffic, so the
measured uplift comes from behaviour, not from which big shops happened to draw rights.

Built in steps, because the bad actors are chosen from the structure before anything is
announced, and every step draws from the one ``random.Random`` in turn: ``Marketplace(...)``
draws the structure, :func:`graph_api.seed.bad_actors.plant_bad_shops_and_hosts` marks the bad
ones, then :meth:`Marketplace.announce` and :meth:`Marketplace.open_rights` emit the events.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable

from graph_api.seed.calibration import ZIPF
from graph_api.seed.config import SeedConfig
from graph_api.seed.sampling import NORM, NORM_SIZE, cumulative
from graph_api.seed.timeline import DAY, Timeline, event
from graph_api.seed.world import (
    CATEGORIES,
    DEFAULT_MENU,
    HOST_NAMES_1,
    HOST_NAMES_2,
    NORMS,
    RIGHTS,
    RIGHTS_MENU,
    SHOP_NOUNS,
    SHOP_WORDS,
)


class Marketplace:
    """Hosts and shops by index (host ``h`` has id ``host_ids[h]``), one list per attribute, read
    by index on the hot path (no object per host or shop)."""

    def __init__(self, config: SeedConfig, rng: random.Random) -> None:
        """Draw the structure: categories, join days, popularity, links, expected traffic."""
        rnd = rng.random
        self.days = days = config.days
        n_hosts, n_shops = config.n_hosts, config.n_shops
        cats = list(CATEGORIES)
        cat_cum = cumulative(NORMS[c].weight for c in cats)

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
        late = max(1, days * 2 // 3)
        self.host_day = [
            0 if rnd() < 0.85 or days < 3 else 1 + int(rnd() * late) for _ in range(n_hosts)
        ]
        self.shop_day = [
            0 if rnd() < 0.85 or days < 3 else 1 + int(rnd() * late) for _ in range(n_shops)
        ]
        # Zipf-like host popularity, in a random order of host ids.
        order = list(range(n_hosts))
        rng.shuffle(order)
        pop = [0.0] * n_hosts
        for rank, h in enumerate(order):
            pop[h] = 1.0 / (rank + 1) ** ZIPF
        self.host_pop = pop
        self.host_cum = cumulative(pop)
        self.shop_pop = [math.exp(0.6 * NORM[int(rnd() * NORM_SIZE)]) for _ in range(n_shops)]
        self.shop_items = [5 + int(rnd() * rnd() * 200) for _ in range(n_shops)]

        # Links: each host sells for 1-5 shops, mostly of its own category.
        by_cat: dict[str, list[int]] = {c: [] for c in cats}
        for s, c in enumerate(self.shop_cat):
            by_cat[c].append(s)
        links: list[list[int]] = [[] for _ in range(n_hosts)]
        shop_hosts: list[list[int]] = [[] for _ in range(n_shops)]
        k_cum = cumulative((0.35, 0.30, 0.18, 0.11, 0.06))
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
        self.links = links  # host -> the shops it will sell for
        self.shop_hosts = shop_hosts
        self.link_day: dict[tuple[int, int], int] = {}  # (host, shop) -> the day the link starts
        # The host's shops that are open and linked so far, filled in by activations.
        self.host_shops: list[list[int]] = [[] for _ in range(n_hosts)]

        # Expected share of sessions that reach each shop.
        traffic = [0.0] * n_shops
        for h in range(n_hosts):
            shop_total = sum(self.shop_pop[x] for x in links[h])
            for x in links[h]:
                traffic[x] += pop[h] * self.shop_pop[x] / shop_total
        self.traffic = traffic

        # Marked by the bad actors' step.
        self.shop_bad = [False] * n_shops  # refund-heavy
        self.host_false_ad = [False] * n_hosts
        # The trust rights in force (bits), changed by activations; and whether ever held
        # (the report's groups).
        self.shop_rights = [0] * n_shops
        self.ever_rights = [False] * n_shops

    def announce(self, timeline: Timeline, rng: random.Random) -> None:
        """Registration and link events, at the first minutes of the join day."""
        rnd = rng.random
        n_hosts, n_shops = len(self.host_ids), len(self.shop_ids)
        for h in range(n_hosts):
            t = self.host_day[h] * DAY + int(rnd() * 240)
            name = f"{HOST_NAMES_1[int(rnd() * 12)]} {HOST_NAMES_2[int(rnd() * 12)]} {h + 1}"
            timeline.emit(
                t,
                event(
                    "HOST_REGISTERED", hostId=self.host_ids[h], name=name, category=self.host_cat[h]
                ),
            )
        for s in range(n_shops):
            t = self.shop_day[s] * DAY + int(rnd() * 240)
            name = (
                f"{SHOP_WORDS[int(rnd() * len(SHOP_WORDS))]} {SHOP_NOUNS[self.shop_cat[s]]} {s + 1}"
            )
            timeline.emit(
                t,
                event(
                    "SHOP_REGISTERED", shopId=self.shop_ids[s], name=name, category=self.shop_cat[s]
                ),
            )
        links = self.links
        for h in range(n_hosts):
            for s in links[h]:
                day = max(self.host_day[h], self.shop_day[s])
                timeline.emit(
                    day * DAY + 250 + int(rnd() * 50),
                    event("HOST_SELLS_FOR_SHOP", hostId=self.host_ids[h], shopId=self.shop_ids[s]),
                )
                timeline.activate(day, ("link", h, s))
        self.link_day = {
            (h, s): max(self.host_day[h], self.shop_day[s])
            for h in range(n_hosts)
            for s in links[h]
        }

    def open_rights(self, timeline: Timeline, rng: random.Random) -> None:
        """Trust rights: about half of the shops open them, most in the first weeks (the trust card
        launched on 2021-06-01); some change their set later, a few drop them. Which shops open
        them is balanced: one of each consecutive pair of similar shops (same category, both open
        from the start or both later, similar traffic), so that the measured rights effect is the
        behavioural one rather than an accident of which big shops drew rights. Refund-heavy
        shops rarely open rights."""
        rnd = rng.random
        days = self.days
        n_shops = len(self.shop_ids)
        traffic = self.traffic
        opens = [False] * n_shops
        ordinary = sorted(
            (s for s in range(n_shops) if not self.shop_bad[s]),
            key=lambda s: (self.shop_cat[s], self.shop_day[s] > 0, -traffic[s]),
        )
        for k in range(0, len(ordinary), 2):
            pair = ordinary[k : k + 2]
            opens[pair[int(rnd() * len(pair))]] = True
        for s in range(n_shops):
            if self.shop_bad[s]:
                opens[s] = rnd() < 0.25
        for s in range(n_shops):
            if not opens[s]:
                continue
            first = self.shop_day[s]
            day = first + (int(rnd() * 14) if rnd() < 0.65 else int(rnd() * max(1, days * 0.6)))
            if day >= days:
                continue
            menu = RIGHTS_MENU.get(self.shop_cat[s], DEFAULT_MENU)
            mask = menu[0]
            for bit in menu[1:]:
                if rnd() < 0.5:
                    mask |= bit
            self.ever_rights[s] = True
            self._change_rights(timeline, rnd, s, day, mask)
            if rnd() < 0.35:
                later = day + 20 + int(rnd() * 90)
                if later < days:
                    if rnd() < 0.1:
                        new = 0
                    else:
                        new = mask ^ menu[1 + int(rnd() * (len(menu) - 1))]
                        new = new or mask
                    if new != mask:
                        self._change_rights(timeline, rnd, s, later, new)

    def _change_rights(
        self, timeline: Timeline, rnd: Callable[[], float], s: int, day: int, mask: int
    ) -> None:
        rights = [RIGHTS[i] for i in range(6) if mask >> i & 1]
        timeline.emit(
            day * DAY + 5 + int(rnd() * 290),
            event("SHOP_RIGHTS_CHANGED", shopId=self.shop_ids[s], rights=rights),
        )
        timeline.activate(day, ("rights", s, mask))

    def apply(self, action: tuple) -> None:
        """A change queued with ``Timeline.activate`` that takes effect today: a link opens (the
        host starts selling for the shop) or the shop's rights change."""
        if action[0] == "link":
            self.host_shops[action[1]].append(action[2])
        else:
            self.shop_rights[action[1]] = action[2]
