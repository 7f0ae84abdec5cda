"""The world's constants: product categories and their norms, the trust rights shops offer, when
live rooms are busy, how buyers rate, and what hosts and shops are called.

These are facts about live commerce that the simulation takes as given (refund norms by category,
evening peaks, star distributions); the knobs tuned to match published figures are in
:mod:`graph_api.seed.calibration` instead, so the two are not confused.
"""

from __future__ import annotations

from typing import NamedTuple

from graph_api.events import SHOP_RIGHTS


class CategoryNorms(NamedTuple):
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
NORMS: dict[str, CategoryNorms] = {
    "apparel": CategoryNorms(0.22, 89.0, 0.55, 0.36, 0.06, 2, 4, 0.10),
    "cosmetics": CategoryNorms(0.14, 119.0, 0.60, 0.10, 0.04, 2, 4, 0.10),
    "jewellery": CategoryNorms(0.15, 399.0, 1.00, 0.10, 0.05, 2, 5, 0.05),
    "phones": CategoryNorms(0.09, 1299.0, 0.50, 0.06, 0.05, 2, 4, 0.05),
    "tea": CategoryNorms(0.12, 128.0, 0.70, 0.03, 0.015, 2, 4, 0.20),
    "seafood": CategoryNorms(0.12, 159.0, 0.50, 0.02, 0.035, 1, 2, 0.60),
    "snacks": CategoryNorms(0.16, 39.0, 0.50, 0.03, 0.015, 2, 4, 0.30),
}
CATEGORIES: tuple[str, ...] = tuple(NORMS)

# A shop's rights are a bit mask (cheap to test on the hot path); bit i is SHOP_RIGHTS[i], the
# code that goes into SHOP_RIGHTS_CHANGED.
RIGHTS = SHOP_RIGHTS
(
    RIGHT_REFUND_WITHOUT_RETURN,
    RIGHT_SHIPPING_COMPENSATION,
    RIGHT_FAKE_ONE_PAY_N,
    RIGHT_SEVEN_DAY_RETURN,
    RIGHT_WARRANTY,
    RIGHT_INSPECTION,
) = (1 << i for i in range(6))
# Rights a shop of a category plausibly offers (bits), the first ones the most typical.
RIGHTS_MENU: dict[str, tuple[int, ...]] = {
    "jewellery": (
        RIGHT_INSPECTION,
        RIGHT_FAKE_ONE_PAY_N,
        RIGHT_SEVEN_DAY_RETURN,
        RIGHT_SHIPPING_COMPENSATION,
    ),
    "phones": (
        RIGHT_WARRANTY,
        RIGHT_SEVEN_DAY_RETURN,
        RIGHT_SHIPPING_COMPENSATION,
        RIGHT_FAKE_ONE_PAY_N,
    ),
}
DEFAULT_MENU = (
    RIGHT_REFUND_WITHOUT_RETURN,
    RIGHT_SHIPPING_COMPENSATION,
    RIGHT_SEVEN_DAY_RETURN,
    RIGHT_FAKE_ONE_PAY_N,
)
# Rights that can make a bad experience right.
FORGIVING_RIGHTS = RIGHT_REFUND_WITHOUT_RETURN | RIGHT_SHIPPING_COMPENSATION | RIGHT_FAKE_ONE_PAY_N

# Sessions start mostly in the evening (live rooms peak 19:00-23:00).
HOUR_WEIGHTS = (
    0.5,
    0.3,
    0.15,
    0.1,
    0.1,
    0.1,
    0.2,
    0.4,
    0.7,
    1.0,
    1.2,
    1.3,
    1.5,
    1.3,
    1.1,
    1.1,
    1.2,
    1.4,
    2.0,
    3.0,
    3.6,
    3.8,
    3.0,
    1.5,
)

# Review stars by experience: (cumulative P of 1, 2, 3, 4 stars; the rest is 5).
STARS_GOOD = (0.02, 0.035, 0.085, 0.25)
STARS_GOOD_BAD_SHOP = (0.10, 0.16, 0.30, 0.50)
STARS_REMORSE = (0.07, 0.15, 0.35, 0.65)
STARS_CAUSE = (0.55, 0.75, 0.87, 0.93)

HOST_NAMES_1 = ("Xiao", "Da", "A", "Lao", "Mei", "Jin", "Yun", "Hai", "Shan", "Lan", "Qing", "Yu")
HOST_NAMES_2 = ("Mei", "Long", "Hua", "Fang", "Jie", "Ming", "Li", "Tao", "Xue", "Bo", "Na", "Kai")
SHOP_WORDS = (
    "Golden",
    "Old",
    "Happy",
    "Honest",
    "Spring",
    "Mountain",
    "Harbour",
    "Lucky",
    "Village",
)
SHOP_NOUNS = {
    "apparel": "Wardrobe",
    "cosmetics": "Beauty",
    "jewellery": "Jade House",
    "phones": "Phone Mart",
    "tea": "Tea Garden",
    "seafood": "Seafood",
    "snacks": "Snack Shop",
}
