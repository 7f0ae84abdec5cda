"""The behaviour's tunable constants, calibrated so the generated platform matches published
figures.

Measured at 20,000 buyers over seeds 7-12: platform repurchase rate 0.698-0.705 (published: > 70%
in Sept 2021); rights uplift 1.11-1.18, mean 1.13 (published: +12%, another article +20%). Smaller
worlds scatter more (at 6,000 buyers: 1.05-1.22). About 25 events per buyer: 40,000 buyers give
about 1,000,000 events. Changing any value here changes the generated events: re-measure (the
figures are in :class:`~graph_api.seed.report.SeedReport`) and update these numbers.
"""

from __future__ import annotations

SESSION_RATE_MEDIAN = 0.05  # sessions per day, median buyer
SESSION_RATE_SIGMA = 1.0
PBUY_MEDIAN = 0.3  # P(buy in a session) for a median buyer with a familiar host
PBUY_SIGMA = 0.6
CHURN = 0.012  # P(a buyer stops visiting) after a session
CHURN_BAD = 0.18  # extra P(stop) after an unforgiven bad experience
EXPLORE = 0.12  # P(a session visits a host by popularity instead of a favourite)
ZIPF = 0.75  # host popularity ~ 1 / rank ** ZIPF
RIGHTS_LOYALTY = 2.2  # weight of a shop the buyer already bought from, shop with active rights
PLAIN_LOYALTY = 1.6  # same, shop without rights
FORGIVE = 0.55  # P(a bad experience at a shop with forgiving rights is made right)
RIGHTS_CONVERSION = 1.2  # a live room converts better for a shop with active rights
