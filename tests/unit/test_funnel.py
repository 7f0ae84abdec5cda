"""The funnel's aggregation (scoring/funnel.py) on hand-built level paths whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from scoring.funnel import (
    ALL,
    DAY_MS,
    FAN_CLUB_TIER,
    SHOP_RIGHTS,
    PairPath,
    build_funnel,
    period_bounds,
    tier_group,
)

CST = timezone(timedelta(hours=8))
A, R, S = "ACQUAINTANCE", "REGULAR", "STRANGER"


def ms(y: int, m: int, d: int, h: int = 12) -> int:
    return int(datetime(y, m, d, h, tzinfo=CST).timestamp() * 1000)


def path(
    kind: str,
    first: int,
    *changes: tuple[int, str],
    category: str = "tea",
    rights: bool | None = None,
    tiers: tuple[tuple[int, float], ...] = (),
) -> PairPath:
    return PairPath(
        "b1",
        kind,
        "t1",
        category,
        first,
        ((first, S), *changes) if not changes or changes[0][0] != first else changes,
        rights if kind == "SHOP" else None,
        tiers,
    )


def test_months_and_weeks_are_calendar_periods_in_platform_time():
    bounds = period_bounds(ms(2021, 6, 15), ms(2021, 8, 2), "MONTH")
    assert [datetime.fromtimestamp(a / 1000, CST).date().isoformat() for a, _ in bounds] == [
        "2021-06-01",
        "2021-07-01",
        "2021-08-01",
    ]
    assert bounds[0][1] == bounds[1][0] and bounds[1][1] - bounds[1][0] == 31 * DAY_MS
    weeks = period_bounds(ms(2021, 6, 2), ms(2021, 6, 9), "WEEK")  # a Wednesday to the next
    assert [datetime.fromtimestamp(a / 1000, CST).strftime("%a %d") for a, _ in weeks] == [
        "Mon 31",
        "Mon 07",
    ]
    assert len(period_bounds(ms(2021, 6, 1, 0), ms(2021, 6, 3, 23), "DAY")) == 3
    with pytest.raises(ValueError, match="period"):
        period_bounds(0, 1, "YEAR")
    with pytest.raises(ValueError, match="until"):
        period_bounds(2, 1, "DAY")


def test_periods_follow_the_zone_asked_daylight_saving_included():
    york = ZoneInfo("America/New_York")
    since = int(datetime(2021, 3, 1, 12, tzinfo=york).timestamp() * 1000)
    until = int(datetime(2021, 4, 20, tzinfo=york).timestamp() * 1000)
    bounds = period_bounds(since, until, "MONTH", york)
    starts = [datetime.fromtimestamp(a / 1000, york).isoformat() for a, _ in bounds]
    # March starts in EST (-05:00), April in EDT (-04:00): each at local midnight.
    assert starts == ["2021-03-01T00:00:00-05:00", "2021-04-01T00:00:00-04:00"]
    assert bounds[0][1] == bounds[1][0] and bounds[0][1] - bounds[0][0] == 31 * DAY_MS - 3_600_000
    utc = period_bounds(ms(2021, 6, 15), ms(2021, 6, 20), "MONTH", UTC)
    assert datetime.fromtimestamp(utc[0][0] / 1000, UTC).isoformat() == "2021-06-01T00:00:00+00:00"
    f = build_funnel([], ms(2021, 6, 1, 0), ms(2021, 6, 30, 23), "MONTH", tz=york)
    assert f.local(f.periods[0].start).utcoffset() == timedelta(hours=-4)


def test_moves_are_counted_in_the_period_they_happen():
    paths = [
        # began in June as a stranger, acquaintance in July, regular in August
        path("HOST", ms(2021, 6, 3), (ms(2021, 7, 5), A), (ms(2021, 8, 9), R)),
        # began in June already an acquaintance (first fact a delivered order), fell back in August
        path("HOST", ms(2021, 6, 20), (ms(2021, 6, 20), A), (ms(2021, 8, 1), S)),
        # began in July, a stranger throughout
        path("SHOP", ms(2021, 7, 7), rights=True),
        # began after the window: not counted at all
        path("SHOP", ms(2021, 9, 2), (ms(2021, 9, 3), A), rights=False),
    ]
    f = build_funnel(paths, ms(2021, 6, 1, 0), ms(2021, 8, 31, 23), "MONTH", horizon_days=30)
    assert f.pairs == 3
    assert [p.new_pairs for p in f.periods] == [2, 1, 0]
    assert [p.transitions for p in f.periods] == [{(S, A): 1}, {(S, A): 1}, {(A, R): 1, (A, S): 1}]
    assert [p.new_by_kind for p in f.periods] == [{"HOST": 2}, {"SHOP": 1}, {}]
    assert f.periods[1].moves(S, A, "HOST") == 1 and f.periods[1].moves(S, A, "SHOP") == 0
    assert f.periods[2].moves_by_kind == {"HOST": {(A, R): 1, (A, S): 1}}


def test_moves_after_until_are_left_out():
    p = path("HOST", ms(2021, 6, 3), (ms(2021, 6, 10), A), (ms(2021, 7, 10), R))
    f = build_funnel([p], ms(2021, 6, 1, 0), ms(2021, 6, 30, 23), "MONTH", horizon_days=10)
    assert f.periods[0].transitions == {(S, A): 1}
    assert f.time_to_regular.reached == 0 and f.time_to_regular.not_reached == 1


def test_time_to_level_from_the_first_fact():
    first = ms(2021, 6, 1)
    paths = [
        path("HOST", first, (first + 2 * DAY_MS, A), (first + 40 * DAY_MS, R)),
        path("HOST", first, (first + 6 * DAY_MS, A)),
        path("HOST", first, (first + 10 * DAY_MS, A), (first + 70 * DAY_MS, R)),
        path("HOST", first),
    ]
    f = build_funnel(paths, first, first + 100 * DAY_MS, "MONTH", horizon_days=30)
    ta, tr = f.time_to_acquaintance, f.time_to_regular
    assert (ta.began, ta.reached, ta.not_reached) == (4, 3, 1)
    assert (
        ta.days == (2.0, 6.0, 10.0)
        and ta.median == 6.0
        and ta.quantile(0.25) == 4.0
        and ta.mean == 6.0
    )
    assert tr.days == (40.0, 70.0) and tr.median == 55.0
    # a pair that jumped straight to REGULAR reached ACQUAINTANCE at the same moment
    jump = build_funnel(
        [path("HOST", first, (first + 3 * DAY_MS, R))], first, first + 10 * DAY_MS, "DAY", 5
    )
    assert jump.time_to_acquaintance.days == (3.0,) and jump.time_to_regular.days == (3.0,)


def test_conversion_counts_only_pairs_with_the_whole_horizon():
    start, until = ms(2021, 6, 1, 0), ms(2021, 9, 30, 23)
    early = path("SHOP", ms(2021, 6, 5), (ms(2021, 6, 10), A), (ms(2021, 8, 1), R), rights=True)
    slow = path(
        "SHOP", ms(2021, 6, 5), (ms(2021, 6, 10), A), (ms(2021, 9, 20), R), rights=False
    )  # regular after 90 days
    late = path(
        "SHOP", ms(2021, 9, 1), (ms(2021, 9, 2), A), rights=True
    )  # began after until - horizon
    f = build_funnel([early, slow, late], start, until, "MONTH", horizon_days=90)
    assert f.cohort_until == until - 90 * DAY_MS
    rows = {(c.category, c.factor, c.group): c for c in f.conversion}
    everyone = rows[(None, ALL, "all")]
    assert (everyone.pairs, everyone.acquaintances, everyone.regulars) == (2, 2, 1)
    assert everyone.regular_rate == 0.5 and rows[("tea", ALL, "all")].pairs == 2
    assert (
        rows[(None, SHOP_RIGHTS, "with rights")].regulars,
        rows[(None, SHOP_RIGHTS, "without rights")].regulars,
    ) == (1, 0)
    assert not any(c.factor == FAN_CLUB_TIER for c in f.conversion)  # shops have no fan club


def test_fan_club_tier_counts_only_before_converting():
    first = ms(2021, 6, 1)
    converted = path(
        "HOST",
        first,
        (first + DAY_MS, A),
        (first + 50 * DAY_MS, R),
        tiers=((first + 10 * DAY_MS, 2.0), (first + 60 * DAY_MS, 7.0)),
    )  # tier 7 came after
    never = path(
        "HOST",
        first,
        (first + DAY_MS, A),
        tiers=((first + 5 * DAY_MS, 4.0), (first + 95 * DAY_MS, 9.0)),
    )
    f = build_funnel([converted, never], first, first + 200 * DAY_MS, "MONTH", horizon_days=90)
    tiers = {c.group: c for c in f.conversion if c.factor == FAN_CLUB_TIER and c.category is None}
    assert set(tiers) == {"1-2", "3-5"}  # 9 was reached after the horizon, 7 after converting
    assert (tiers["1-2"].regulars, tiers["3-5"].regulars) == (1, 0)
    assert [tier_group(t) for t in (0, 1, 2, 3, 5, 6, 20)] == [
        "none",
        "1-2",
        "1-2",
        "3-5",
        "3-5",
        "6+",
        "6+",
    ]


def test_an_empty_graph_gives_an_empty_funnel():
    f = build_funnel([], ms(2021, 6, 1), ms(2021, 6, 2), "DAY", 30)
    assert f.pairs == 0 and f.conversion == [] and f.time_to_regular.median is None
    assert all(p.new_pairs == 0 and not p.transitions for p in f.periods)
    with pytest.raises(ValueError, match="horizon"):
        build_funnel([], 0, 1, "DAY", 0)
