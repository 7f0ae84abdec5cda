"""WindowCache (graph_api.derive.windows) on hand-built records: a rescored buyer's part replaces
its old one, the window slides with the clock, and the cache holds at most its bound of orders."""

from __future__ import annotations

from graph_api.derive.windows import WindowCache
from graph_api.store.records import BuyerRecord, EntityBuyer, EntityRecord
from scoring.buyer_weight import BuyerWeight
from scoring.facts import OrderFact
from scoring.pair_trust import SHOP, PairTrust

DAY = 86_400_000


def order(oid: str, buyer: str, shop: str, day: int, host: str = "h1") -> OrderFact:
    return OrderFact(oid, buyer, host, shop, day * DAY, 10.0, "item", "food")


def profile(shop: str) -> EntityRecord:
    return EntityRecord(shop, SHOP, "food", 0, (), (), (), (), (), None)


def shop_record(
    shop: str, orders: list[OrderFact], buyers: list[EntityBuyer] | None = None
) -> EntityRecord:
    if buyers is None:  # as the query lists them: every buyer of the orders
        buyers = [EntityBuyer(b, 1.0, "STRANGER") for b in sorted({o.buyer_id for o in orders})]
    at_shop = [OrderFact(o.order_id, o.buyer_id, "", shop, o.placed_at, o.amount) for o in orders]
    return EntityRecord(shop, SHOP, "food", 0, tuple(at_shop), tuple(buyers), (), (), (), None)


def trust(buyer: str, shop: str, level: str) -> PairTrust:
    return PairTrust(  # only the ids and the level matter here
        buyer, shop, SHOP, level, 0.5, 0.5, 0.0, 0.0, 1.0, False, 0.5, 0.5, (), None, 0, 0,
        0.0, 0.0, 0, "test",
    )  # fmt: skip


def test_a_rescored_buyer_replaces_its_part_and_the_window_slides():
    cache = WindowCache()
    a1 = order("o1", "a", "s1", 10)
    cache.fill(shop_record("s1", [a1], [EntityBuyer("a", 1.0, "STRANGER", targets=1)]))
    assert ("SHOP", "s1") in cache and cache.orders_held == 1

    # Buyer a ordered again and was rescored (weight 0.5, now an ACQUAINTANCE); buyer b is new.
    a2 = order("o2", "a", "s1", 20)
    rec_a = BuyerRecord("a", 5, None, (a1, a2), (), ())
    cache.put(
        rec_a,
        BuyerWeight("a", 0.5, (), (), shops=1, hosts=1),
        [trust("a", "s1", "ACQUAINTANCE")],
        0,
    )
    b1 = order("o3", "b", "s1", 30)
    rec_b = BuyerRecord("b", 7, None, (b1,), (), ())
    cache.put(
        rec_b, BuyerWeight("b", 1.0, (), (), shops=2, hosts=1), [trust("b", "s1", "STRANGER")], 0
    )
    assert cache.orders_held == 3

    r = cache.record(profile("s1"), 0, 40 * DAY)
    assert [o.order_id for o in r.orders] == ["o1", "o2", "o3"]
    assert [(o.host_id, o.shop_id, o.item_id) for o in r.orders] == [("", "s1", None)] * 3
    assert r.buyers == (
        EntityBuyer("a", 0.5, "ACQUAINTANCE", None, 1, 5),
        EntityBuyer("b", 1.0, "STRANGER", None, 2, 7),
    )
    # Later, a window from day 25: a's orders fell out, and so did a.
    later = cache.record(profile("s1"), 25 * DAY, 40 * DAY)
    assert [o.order_id for o in later.orders] == ["o3"] and [b.buyer_id for b in later.buyers] == [
        "b"
    ]


def test_windows_not_cached_are_left_to_be_read_and_the_bound_drops_the_oldest():
    cache = WindowCache(max_orders=3)
    cache.put(BuyerRecord("a", 1, None, (order("o1", "a", "s9", 1),), (), ()),
              BuyerWeight("a", 1.0, (), ()), [], 0)  # fmt: skip
    assert len(cache) == 0  # nothing cached yet: s9 is read in full when evaluated

    cache.fill(shop_record("s1", [order("o1", "a", "s1", 1), order("o2", "b", "s1", 2)]))
    cache.fill(shop_record("s2", [order("o3", "c", "s2", 3)]))
    assert cache.orders_held == 3
    cache.record(profile("s1"), 0, 9 * DAY)  # s1 used last: s2 is now the oldest
    cache.fill(shop_record("s3", [order("o4", "d", "s3", 4)]))
    assert cache.ids(SHOP) == ["s1", "s3"] and cache.orders_held == 3
    cache.clear()
    assert len(cache) == 0 and cache.orders_held == 0
