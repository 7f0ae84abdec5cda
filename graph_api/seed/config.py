"""What to generate: :class:`SeedConfig`, checked when it is made.

A config is checked as a whole in ``__post_init__`` so that a bad one fails before any event is
generated, with a :class:`~graph_api.errors.SeedConfigError` that names the field and what it
expects. Sizes left as ``None`` derive from ``buyers``, so one number scales the whole platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from graph_api.errors import SeedConfigError

# The attack families of ``attacks`` (graph_api.seed.attacks plants them) and the sizes of
# ``attack_size``: accounts per family, and review-bombing accounts.
ATTACK_FAMILIES = (
    "aged_sleepers",
    "camouflage",
    "refund_hiding",
    "slow_trickle",
    "patient_throwaways",
    "review_bombing",
)
ATTACK_SIZES = {"small": (12, 6), "large": (40, 15)}
# Adaptations of every family to published defences (``attack_adapt``): ``in_room`` places each
# attack order inside a watch session of the order's live room (a bot sits in the room while it
# orders), against policy v2's OUT_OF_ROOM; ``history`` gives every attack account interactions
# on three distinct days (buyers.history_days: a bot browsing the room on the days after its
# orders), against the signals a history clears and v4's weighed crowds and claim bursts.
ATTACK_ADAPTATIONS = ("in_room", "history")
ATTACK_MIN_DAYS = 180  # aged accounts need two months of history and 2-4 months of orders
ATTACK_FIELDS = ("attacks", "attack_accounts", "attack_size", "attack_adapt")


@dataclass(frozen=True)
class SeedConfig:
    """What to generate. ``None`` sizes derive from ``buyers``.

    ``buyers`` counts every buyer, including the throwaway buyers of brushing rings
    (``brushing_rings * ring_size`` of them). Bad-actor counts default to at least 1 each when
    ``buyers >= 500`` and to 0 below (rings also need ``days >= 7``; at most half of the hosts
    or shops are bad).

    ``attacks`` names the red team's attack families to plant (none by default; see
    :mod:`graph_api.seed.attacks`), ``attack_size`` sizes them (``small``: 12 accounts per family
    and 6 review bombers, ``large``: 40 and 15) and ``attack_accounts``, if given, sets both counts.
    ``attack_adapt`` names adaptations of every family (:data:`ATTACK_ADAPTATIONS`).
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
    attacks: tuple[str, ...] = ()
    attack_accounts: int | None = None
    attack_size: str = "small"
    attack_adapt: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def need(name: str, ok: bool, expected: str) -> None:
            if not ok:
                raise SeedConfigError(name, getattr(self, name), expected)

        for name in ("seed", "buyers", "days", "ring_size"):
            value = getattr(self, name)
            need(name, isinstance(value, int) and not isinstance(value, bool), "an integer")
        for name in ("hosts", "shops", "brushing_rings", "refund_heavy_shops", "false_ad_hosts"):
            value = getattr(self, name)
            need(
                name,
                value is None or (isinstance(value, int) and not isinstance(value, bool)),
                "an integer or None",
            )
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
            need(
                name,
                getattr(self, name) is None or getattr(self, name) >= 0,
                "an integer >= 0 or None",
            )
        need(
            "brushing_rings",
            self.n_rings * self.ring_size <= self.buyers // 2,
            f"at most {self.buyers // 2} ring buyers in all (half of buyers); "
            "lower it or ring_size",
        )
        need("brushing_rings", self.n_rings == 0 or self.days >= 7, "0 when days < 7")
        need(
            "refund_heavy_shops",
            self.n_refund_heavy_shops <= self.n_shops // 2,
            f"at most half of the {self.n_shops} shops",
        )
        need(
            "false_ad_hosts",
            self.n_false_ad_hosts <= self.n_hosts // 2,
            f"at most half of the {self.n_hosts} hosts",
        )
        self._check_attacks(need)

    def _check_attacks(self, need: Callable[[str, bool, str], None]) -> None:
        known = ", ".join(ATTACK_FAMILIES)
        need("attacks", isinstance(self.attacks, tuple), f"a tuple of attack families ({known})")
        for family in self.attacks:
            need("attacks", family in ATTACK_FAMILIES, f"attack families among: {known}")
        need("attacks", len(set(self.attacks)) == len(self.attacks), "each family at most once")
        need("attack_size", self.attack_size in ATTACK_SIZES, "one of: " + ", ".join(ATTACK_SIZES))
        adaptations = ", ".join(ATTACK_ADAPTATIONS)
        need(
            "attack_adapt",
            isinstance(self.attack_adapt, tuple)
            and all(a in ATTACK_ADAPTATIONS for a in self.attack_adapt),
            f"a tuple of adaptations among: {adaptations}",
        )
        need("attack_adapt", not self.attack_adapt or bool(self.attacks), "() without attacks")
        value = self.attack_accounts
        need(
            "attack_accounts",
            value is None
            or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000),
            "an integer in 1..10000 or None",
        )
        need(
            "days",
            not self.attacks or self.days >= ATTACK_MIN_DAYS,
            f"at least {ATTACK_MIN_DAYS} days when attacks are planted",
        )

    @property
    def n_attack_accounts(self) -> int:
        if self.attack_accounts is not None:
            return self.attack_accounts
        return ATTACK_SIZES[self.attack_size][0]

    @property
    def n_bombers(self) -> int:
        if self.attack_accounts is not None:
            return self.attack_accounts
        return ATTACK_SIZES[self.attack_size][1]

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
