"""The seed generator: determinism, the event format, causal order, calibration, ground truth."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from functools import cache
from typing import Any

import pytest

from graph_api.errors import ConfigError
from graph_api.seed import CATEGORIES, SeedConfig, SeedReport, generate, write_jsonl

# --- a small, independent checker of the event format ---------------------------------------------

REFUND_REASONS = {"BUYER_REMORSE", "DEFECT", "NOT_AS_DESCRIBED", "NOT_DELIVERED", "OTHER"}
COMPLAINT_REASONS = REFUND_REASONS | {"FAKE_GOODS", "LATE_SHIPPING"}
RIGHTS = {
    "REFUND_WITHOUT_RETURN",
    "RETURN_SHIPPING_COMPENSATION",
    "FAKE_ONE_PAY_N",
    "SEVEN_DAY_RETURN",
    "WARRANTY_180_DAYS",
    "OFFICIAL_INSPECTION",
}
ORDER_FOLLOW_UPS = {
    "ORDER_DELIVERED",
    "ORDER_REFUNDED",
    "REVIEW_POSTED",
    "COMPLAINT_FILED",
    "INSPECTION_RECORDED",
}

BUYER = re.compile(r"^b\d{6,}$")
HOST = re.compile(r"^h\d{5,}$")
SHOP = re.compile(r"^s\d{5,}$")
ORDER = re.compile(r"^o\d{7,}$")
REPORT = re.compile(r"^r\d{6,}$")
AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def ident(pattern: re.Pattern[str]):
    return lambda v: isinstance(v, str) and bool(pattern.match(v))


def integer(lo: int, hi: int):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def one_of(values: set[str]):
    return lambda v: v in values


def is_bool(v) -> bool:
    return isinstance(v, bool)


def amount(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and round(v, 2) == v


def text(v) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 200


def category(v) -> bool:
    return v in CATEGORIES and v == v.lower()


def rights(v) -> bool:
    return isinstance(v, list) and set(v) <= RIGHTS and len(set(v)) == len(v)


def item(v) -> bool:
    return isinstance(v, str) and bool(re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:@/\-]*$", v))


buyer, host, shop, order, report = (ident(p) for p in (BUYER, HOST, SHOP, ORDER, REPORT))
pair = {"buyerId": buyer, "hostId": host}

# type -> (required fields, optional fields)
SPEC: dict[str, tuple[dict, dict]] = {
    "BUYER_REGISTERED": ({"buyerId": buyer}, {}),
    "HOST_REGISTERED": ({"hostId": host}, {"name": text, "category": category}),
    "SHOP_REGISTERED": ({"shopId": shop}, {"name": text, "category": category}),
    "HOST_SELLS_FOR_SHOP": ({"hostId": host, "shopId": shop}, {}),
    "SHOP_RIGHTS_CHANGED": ({"shopId": shop, "rights": rights}, {}),
    "ORDER_PLACED": (
        {"orderId": order, "buyerId": buyer, "hostId": host, "shopId": shop, "amount": amount},
        {"category": category, "itemId": item},
    ),
    "ORDER_DELIVERED": ({"orderId": order}, {}),
    "ORDER_REFUNDED": (
        {"orderId": order, "reason": one_of(REFUND_REASONS), "returned": is_bool},
        {},
    ),
    "REVIEW_POSTED": ({"orderId": order, "rating": integer(1, 5)}, {}),
    "COMPLAINT_FILED": ({"orderId": order, "reason": one_of(COMPLAINT_REASONS)}, {}),
    "FOLLOWED": (pair, {}),
    "UNFOLLOWED": (pair, {}),
    "COMMENTED": (pair, {}),
    "WATCHED": ({**pair, "minutes": integer(1, 1440)}, {}),
    "FAN_CLUB_TIER_SET": ({**pair, "tier": integer(0, 20)}, {}),
    "FALSE_AD_REPORTED": ({"reportId": report, **pair}, {}),
    "FALSE_AD_CONFIRMED": ({"reportId": report}, {}),
    "VIOLATION_PENALIZED": (
        {
            "severity": integer(1, 3),
            "code": lambda v: isinstance(v, str) and bool(re.match(r"^[A-Z][A-Z_]+$", v)),
        },
        {"hostId": host, "shopId": shop},
    ),
    "INSPECTION_RECORDED": (
        {"orderId": order, "kind": one_of({"AUTHENTICITY", "DEVICE"}), "passed": is_bool},
        {},
    ),
}


def problems(ev: dict) -> list[str]:
    """What is wrong with one event (empty when it is well formed)."""
    out = []
    for name in ("eventId", "type", "at"):
        if not isinstance(ev.get(name), str):
            out.append(f"{name} missing or not a string")
    if out:
        return out
    if not AT.match(ev["at"]):
        out.append(f"at {ev['at']!r} is not ISO-8601 seconds with +08:00")
    spec = SPEC.get(ev["type"])
    if spec is None:
        return out + [f"unknown type {ev['type']}"]
    required, optional = spec
    for name, ok in required.items():
        if name not in ev:
            out.append(f"{ev['type']}: {name} missing")
        elif not ok(ev[name]):
            out.append(f"{ev['type']}: {name}={ev[name]!r} invalid")
    for name, ok in optional.items():
        if name in ev and not ok(ev[name]):
            out.append(f"{ev['type']}: {name}={ev[name]!r} invalid")
    extra = set(ev) - {"eventId", "type", "at"} - set(required) - set(optional)
    if extra:
        out.append(f"{ev['type']}: unexpected fields {sorted(extra)}")
    if ev["type"] == "VIOLATION_PENALIZED" and ("hostId" in ev) == ("shopId" in ev):
        out.append("VIOLATION_PENALIZED needs exactly one of hostId, shopId")
    return out


# --- shared streams (generated once per test session: the generator is deterministic) -------------


@cache
def stream(
    seed: int = 7, buyers: int = 3000, days: int = 180
) -> tuple[tuple[dict, ...], SeedReport]:
    events, rep = generate(SeedConfig(seed=seed, buyers=buyers, days=days))
    return tuple(events), rep


def canonical(events) -> list[str]:
    return [json.dumps(e, sort_keys=True) for e in events]


# --- determinism and format ----------------------------------------------------------------------


def test_same_seed_gives_identical_events_and_report():
    a, rep_a = generate(SeedConfig(seed=11, buyers=400, days=60))
    b, rep_b = generate(SeedConfig(seed=11, buyers=400, days=60))
    assert canonical(a) == canonical(b)
    assert rep_a.to_dict() == rep_b.to_dict()


def test_different_seeds_give_different_events():
    a, _ = generate(SeedConfig(seed=1, buyers=400, days=60))
    b, _ = generate(SeedConfig(seed=2, buyers=400, days=60))
    assert canonical(a) != canonical(b)


def test_event_ids_are_unique_and_name_the_seed():
    events, _ = stream()
    ids = [e["eventId"] for e in events]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("seed7-") for i in ids)


def test_every_event_is_well_formed():
    events, _ = stream()
    bad = [(e, p) for e in events if (p := problems(e))]
    assert not bad, bad[:5]
    assert set(Counter(e["type"] for e in events)) == set(SPEC), "every event type occurs"


def test_times_are_non_decreasing_and_inside_the_period():
    events, _ = stream()
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert all(a <= b for a, b in zip(times, times[1:], strict=False))
    assert times[0] >= datetime.fromisoformat("2021-06-01T00:00:00+08:00")
    assert times[-1] < datetime.fromisoformat("2021-11-28T00:00:00+08:00")  # 180 days


def test_start_date_moves_every_time():
    events, _ = generate(SeedConfig(seed=3, buyers=200, days=10, start="2022-01-01"))
    days = {e["at"][:10] for e in events}
    assert min(days) == "2022-01-01" and max(days) <= "2022-01-10"


def test_order_follow_ups_and_confirmations_come_after_their_cause():
    events, _ = stream()
    placed: dict[str, str] = {}
    reported: dict[str, str] = {}
    for e in events:
        if e["type"] == "ORDER_PLACED":
            assert e["orderId"] not in placed, "order ids are unique"
            placed[e["orderId"]] = e["at"]
        elif e["type"] in ORDER_FOLLOW_UPS:
            assert e["orderId"] in placed, e
            assert e["at"] >= placed[e["orderId"]]
        elif e["type"] == "FALSE_AD_REPORTED":
            reported[e["reportId"]] = e["at"]
        elif e["type"] == "FALSE_AD_CONFIRMED":
            assert e["reportId"] in reported, e


def test_an_order_has_at_most_one_delivery_and_one_refund():
    events, _ = stream()
    per_order = Counter((e["orderId"], e["type"]) for e in events if e["type"] in ORDER_FOLLOW_UPS)
    assert (
        max(n for (_, t), n in per_order.items() if t in ("ORDER_DELIVERED", "ORDER_REFUNDED")) == 1
    )


def test_entities_are_registered_mostly_before_use_with_a_few_forward_references():
    events, rep = stream()
    registered: set[str] = set()
    hosts: set[str] = set()
    shops: set[str] = set()
    forward: set[str] = set()
    ordering: set[str] = set()
    for e in events:
        t = e["type"]
        if t == "BUYER_REGISTERED":
            registered.add(e["buyerId"])
        elif t == "HOST_REGISTERED":
            hosts.add(e["hostId"])
        elif t == "SHOP_REGISTERED":
            shops.add(e["shopId"])
        elif t == "ORDER_PLACED":
            assert e["hostId"] in hosts and e["shopId"] in shops
            ordering.add(e["buyerId"])
            if e["buyerId"] not in registered:
                forward.add(e["buyerId"])
    assert len(registered) == rep.buyers == 3000, "every buyer is registered in the end"
    assert forward <= registered
    assert 0.003 <= len(forward) / len(ordering) <= 0.03


def test_hosts_sell_for_several_shops_and_shops_use_several_hosts():
    events, _ = stream()
    shops_of = defaultdict(set)
    hosts_of = defaultdict(set)
    for e in events:
        if e["type"] == "HOST_SELLS_FOR_SHOP":
            shops_of[e["hostId"]].add(e["shopId"])
            hosts_of[e["shopId"]].add(e["hostId"])
    assert max(len(s) for s in shops_of.values()) >= 3
    assert sum(len(h) > 1 for h in hosts_of.values()) > len(hosts_of) / 2
    # orders go only through a host that sells for the shop
    for e in events:
        if e["type"] == "ORDER_PLACED":
            assert e["shopId"] in shops_of[e["hostId"]]


# --- realism --------------------------------------------------------------------------------------


def test_shapes_are_heavy_tailed_and_category_norms_differ():
    events, rep = stream()
    orders_per_buyer = sorted(
        Counter(e["buyerId"] for e in events if e["type"] == "ORDER_PLACED").values()
    )
    median = orders_per_buyer[len(orders_per_buyer) // 2]
    assert orders_per_buyer[-1] >= 6 * median
    host_orders = sorted(
        Counter(e["hostId"] for e in events if e["type"] == "ORDER_PLACED").values(), reverse=True
    )
    top = max(1, len(host_orders) // 10)
    assert sum(host_orders[:top]) > 0.3 * sum(host_orders), "top 10% of hosts take a large share"
    refunds = rep.refund_rate_by_category
    assert refunds["apparel"] > 0.3 and refunds["apparel"] > 2 * max(
        refunds["tea"], refunds["seafood"]
    )
    stars = Counter(e["rating"] for e in events if e["type"] == "REVIEW_POSTED")
    assert stars[5] > sum(stars.values()) / 2 and stars[1] > stars[2], "many 5s, a bump at 1"
    tiers = Counter(e["tier"] for e in events if e["type"] == "FAN_CLUB_TIER_SET")
    assert tiers[1] > tiers[5] > tiers[10]
    n_buyers = rep.buyers
    assert 18 <= len(events) / n_buyers <= 32


def test_about_half_of_shops_open_trust_rights():
    events, rep = stream()
    opened = {e["shopId"] for e in events if e["type"] == "SHOP_RIGHTS_CHANGED" and e["rights"]}
    assert 0.35 <= len(opened) / rep.shops <= 0.65
    assert rep.shops_with_rights == len(opened)
    inspected = Counter(e["kind"] for e in events if e["type"] == "INSPECTION_RECORDED")
    assert inspected["AUTHENTICITY"] > 0 and inspected["DEVICE"] > 0


@pytest.mark.parametrize("seed", [7, 8])
def test_calibration_repurchase_and_rights_uplift(seed):
    events, rep = generate(SeedConfig(seed=seed, buyers=6000))
    for _ in events:
        pass
    assert rep.complete
    # a complete report has measured its rates: the bounds below need them to be numbers
    assert rep.repurchase_rate is not None and rep.rights_uplift is not None
    assert rep.shop_repurchase_with_rights is not None
    assert rep.shop_repurchase_without_rights is not None
    assert 0.62 <= rep.repurchase_rate <= 0.78
    assert 1.05 <= rep.rights_uplift <= 1.25
    assert rep.shop_repurchase_with_rights > rep.shop_repurchase_without_rights


def test_measured_repurchase_matches_its_definition():
    events, rep = stream()
    days = defaultdict(set)
    for e in events:
        if e["type"] == "ORDER_PLACED":
            days[e["buyerId"]].add(e["at"][:10])
    assert rep.buyers_with_orders == len(days)
    assert rep.repurchase_rate == pytest.approx(sum(len(d) >= 2 for d in days.values()) / len(days))


# --- planted bad actors ---------------------------------------------------------------------------


def test_ground_truth_is_known_before_streaming_and_non_empty():
    events, rep = generate(SeedConfig(seed=7, buyers=3000))
    assert not rep.complete
    assert rep.rings and rep.refund_heavy_shops and rep.false_ad_hosts
    assert all(len(r["buyerIds"]) == 8 for r in rep.rings)
    next(events)  # streams lazily
    assert not rep.complete


def test_brushing_rings_buy_only_at_their_shop_with_no_other_history():
    events, rep = stream(seed=5, buyers=4000)
    assert rep.rings
    ring_of: dict[str, dict[str, Any]] = {b: r for r in rep.rings for b in r["buyerIds"]}
    orders: dict[str, str | None] = {}
    registered_at: dict[str, str] = {}
    order_days = defaultdict(set)
    for e in events:
        b: str | None = e.get("buyerId")
        if e["type"] == "BUYER_REGISTERED" and b in ring_of:
            registered_at[b] = e["at"]
        elif e["type"] == "ORDER_PLACED":
            orders[e["orderId"]] = b
            if b in ring_of:
                ring = ring_of[b]
                assert (e["shopId"], e["hostId"]) == (ring["shopId"], ring["hostId"])
                assert e["at"] > registered_at[b], "registered just before"
                assert e["amount"] < 50
                order_days[ring["ring"]].add(e["at"][:10])
        elif b in ring_of:
            pytest.fail(f"ring buyer {b} has other history: {e}")
        elif e["type"] in ("ORDER_REFUNDED", "COMPLAINT_FILED"):
            assert orders[e["orderId"]] not in ring_of, "ring orders are never disputed"
        elif e["type"] == "REVIEW_POSTED" and orders[e["orderId"]] in ring_of:
            assert e["rating"] == 5
    assert all(len(d) <= 8 for d in order_days.values()), "bunched within a few days"


def test_refund_heavy_shops_and_false_advertisers_stand_out():
    events, rep = stream()
    shop_of: dict[str, str] = {}
    orders: Counter[str] = Counter()
    refunds_for_cause: Counter[str] = Counter()
    fake_complaints: Counter[str] = Counter()
    reports_by_host: dict[str, str] = {}
    confirmed: Counter[str] = Counter()
    host_orders: Counter[str] = Counter()
    penalties: Counter[str] = Counter()
    for e in events:
        t = e["type"]
        if t == "ORDER_PLACED":
            shop_of[e["orderId"]] = e["shopId"]
            orders[e["shopId"]] += 1
            host_orders[e["hostId"]] += 1
        elif t == "ORDER_REFUNDED" and e["reason"] in ("DEFECT", "NOT_AS_DESCRIBED"):
            refunds_for_cause[shop_of[e["orderId"]]] += 1
        elif t == "COMPLAINT_FILED" and e["reason"] == "FAKE_GOODS":
            fake_complaints[shop_of[e["orderId"]]] += 1
        elif t == "FALSE_AD_REPORTED":
            reports_by_host[e["reportId"]] = e["hostId"]
        elif t == "FALSE_AD_CONFIRMED":
            confirmed[reports_by_host[e["reportId"]]] += 1
        elif t == "VIOLATION_PENALIZED" and e["code"] == "FALSE_AD":
            penalties[e["hostId"]] += 1

    bad = set(rep.refund_heavy_shops)
    good = set(orders) - bad

    def rate(counter, shops):
        return sum(counter[s] for s in shops) / max(1, sum(orders[s] for s in shops))

    assert rate(refunds_for_cause, bad) > 3 * rate(refunds_for_cause, good)
    assert sum(fake_complaints[s] for s in bad) > sum(fake_complaints[s] for s in good)
    liars = set(rep.false_ad_hosts)
    honest = set(host_orders) - liars
    per_order = {h: confirmed[h] / max(1, host_orders[h]) for h in host_orders}
    assert min(per_order[h] for h in liars) > 5 * sum(confirmed[h] for h in honest) / sum(
        host_orders[h] for h in honest
    )
    assert any(penalties[h] >= 2 for h in liars), "repeat offenders are penalised again"


# --- the report and the file writer --------------------------------------------------------------


def test_report_counts_match_the_stream_and_serialise():
    events, rep = stream()
    counts = Counter(e["type"] for e in events)
    assert rep.complete and rep.events == len(events)
    assert rep.event_counts == dict(counts)
    assert rep.orders == counts["ORDER_PLACED"]
    assert (rep.hosts, rep.shops) == (counts["HOST_REGISTERED"], counts["SHOP_REGISTERED"])
    assert set(rep.refund_rate_by_category) <= set(CATEGORIES)
    json.dumps(rep.to_dict())
    text = rep.summary()
    assert "repurchase" in text and rep.refund_heavy_shops[0] in text


def test_write_jsonl_round_trips(tmp_path):
    events, _ = generate(SeedConfig(seed=4, buyers=300, days=30))
    expected = canonical(generate(SeedConfig(seed=4, buyers=300, days=30))[0])
    seen: list[int] = []
    path = tmp_path / "seed.jsonl"
    n = write_jsonl(events, str(path), progress=seen.append)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert n == len(lines) == len(expected) == sum(seen)
    assert canonical(json.loads(line) for line in lines) == expected


def test_small_worlds_work():
    events, rep = generate(SeedConfig(seed=1, buyers=1, days=1))
    out = list(events)
    assert rep.complete and rep.buyers == 1 and not rep.rings
    assert not [p for e in out if (p := problems(e))]


# --- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("buyers", {"buyers": 0}),
        ("buyers", {"buyers": "many"}),
        ("days", {"days": 0}),
        ("hosts", {"hosts": 0}),
        ("shops", {"shops": -1}),
        ("start", {"start": "June 1st"}),
        ("ring_size", {"ring_size": 0}),
        ("brushing_rings", {"brushing_rings": -1}),
        ("brushing_rings", {"buyers": 100, "brushing_rings": 10, "ring_size": 10}),
        ("refund_heavy_shops", {"shops": 10, "refund_heavy_shops": 9}),
        ("false_ad_hosts", {"false_ad_hosts": -2}),
    ],
)
def test_bad_config_raises_value_error_naming_the_field(field, kwargs):
    with pytest.raises(ValueError, match=field) as caught:
        SeedConfig(**kwargs)
    assert isinstance(caught.value, ConfigError) and caught.value.name == field


def test_sizes_derive_from_buyers():
    cfg = SeedConfig(buyers=40000)
    assert (cfg.n_hosts, cfg.n_shops) == (1000, 666)
    assert cfg.n_rings >= 1 and cfg.n_refund_heavy_shops >= 1 and cfg.n_false_ad_hosts >= 1
    small = SeedConfig(buyers=100)
    assert (small.n_hosts, small.n_shops, small.n_rings) == (10, 8, 0)
