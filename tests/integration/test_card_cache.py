"""The badge-card cache of a service process (graph_api.usecases.cards) against the real Neo4j:
cards are served from it until derivation rewrites them, a rewrite (an ingest, a rebuild, an
emptied graph) drops them at the next look, a read that raced a rewrite is not kept, and nothing
is served once the follower has not looked for longer than its bound."""

from __future__ import annotations

import time

import pytest

from graph_api.derive import Deriver
from graph_api.derive.rebuild import rescore_all
from graph_api.ingest import Ingester
from graph_api.usecases import Trustgraph
from graph_api.usecases.cards import CardCache
from scoring.policy import default_policy

pytestmark = pytest.mark.integration

POLICY = default_policy()


def events(shop: str, day: int, rights: list[str]) -> list[dict]:
    at = f"2021-09-{day:02d}T20:00:00+08:00"
    return [
        {"eventId": f"{shop}-reg-{day}", "type": "SHOP_REGISTERED", "at": at, "shopId": shop},
        {
            "eventId": f"{shop}-rights-{day}",
            "type": "SHOP_RIGHTS_CHANGED",
            "at": at,
            "shopId": shop,
            "rights": rights,
        },
    ]


@pytest.fixture()
def platform(store):
    """Two shops, scored by ingestion; the facade with a cache that has looked once."""
    ingester = Ingester(store, 100, deriver=Deriver(store, POLICY))
    ingester.ingest([*events("s1", 1, ["SEVEN_DAY_RETURN"]), *events("s2", 1, [])])
    cache = CardCache(1000, max_age=60)
    cache.follow(store)
    return Trustgraph(store, POLICY, card_cache=cache), ingester, cache


def rights(tg: Trustgraph, key: str) -> list[str]:
    return sorted(tg.cards([key])[key]["rights"])


def test_cards_come_from_the_cache_until_a_rewrite_drops_them(store, platform):
    tg, ingester, cache = platform
    assert rights(tg, "SHOP:s1") == ["SEVEN_DAY_RETURN"]
    found, missing = tg.cached_cards(["SHOP:s1", "SHOP:s2", "SHOP:nobody"])
    assert set(found) == {"SHOP:s1"} and missing == ["SHOP:s2", "SHOP:nobody"]
    tg.cards(["SHOP:s2", "SHOP:nobody"])
    found, missing = tg.cached_cards(["SHOP:s1", "SHOP:s2", "SHOP:nobody"])
    assert set(found) == {"SHOP:s1", "SHOP:s2"} and missing == ["SHOP:nobody"]  # misses unkept

    # A rewrite of s1 (its rights change, derivation evaluates it again) is not seen by the
    # cache until it looks: then s1 alone is dropped and read again.
    ingester.ingest(events("s1", 2, ["SEVEN_DAY_RETURN", "WARRANTY_180_DAYS"]))
    assert rights(tg, "SHOP:s1") == ["SEVEN_DAY_RETURN"]  # held: the follower has not looked
    assert cache.follow(store) == 1
    assert tg.cached_cards(["SHOP:s1", "SHOP:s2"])[1] == ["SHOP:s1"]
    assert rights(tg, "SHOP:s1") == ["SEVEN_DAY_RETURN", "WARRANTY_180_DAYS"]
    assert cache.follow(store) == 0  # nothing new

    # A full rebuild rewrites every standing: everything is dropped.
    rescore_all(store, POLICY, store.latest_event_at())
    assert cache.follow(store) == 2
    assert len(cache) == 0


def test_an_emptied_graph_drops_everything_even_when_the_counter_catches_up(store, platform):
    tg, ingester, cache = platform
    tg.cards(["SHOP:s1", "SHOP:s2"])
    revision = cache.revision
    assert revision is not None and revision > 0
    store.wipe()
    # The counter starts again and reaches the old revision before the cache looks.
    for day in range(1, revision + 3):
        ingester.ingest(events("s1", day, []))
    assert store.rows("read/card_head")[0]["seq"] >= revision
    cache.follow(store)
    assert len(cache) == 0
    assert rights(tg, "SHOP:s1") == []
    assert "SHOP:s2" not in tg.cards(["SHOP:s2"])


def test_a_read_that_raced_a_rewrite_is_not_kept(store, platform):
    tg, ingester, cache = platform
    held = cache.lookup(["SHOP:s1"])  # a read starts: the card is not held
    assert held.missing == ["SHOP:s1"] and held.token is not None
    old = tg._reads.entities(["SHOP:s1"])  # what it read
    ingester.ingest(events("s1", 2, ["WARRANTY_180_DAYS"]))
    cache.follow(store)  # the rewrite is seen before the read stores what it read
    cache.store(old, held.token)
    assert cache.lookup(["SHOP:s1"]).missing == ["SHOP:s1"]
    assert rights(tg, "SHOP:s1") == ["WARRANTY_180_DAYS"]


def test_nothing_is_served_once_the_follower_has_not_looked_for_too_long(store):
    Ingester(store, 100, deriver=Deriver(store, POLICY)).ingest(events("s1", 1, []))
    cache = CardCache(1000, max_age=0.3)
    tg = Trustgraph(store, POLICY, card_cache=cache)
    assert not cache.fresh()  # never looked: every read goes to Neo4j, none is kept
    tg.cards(["SHOP:s1"])
    assert len(cache) == 0
    cache.follow(store)
    tg.cards(["SHOP:s1"])
    assert tg.cached_cards(["SHOP:s1"])[1] == []
    time.sleep(0.4)
    assert not cache.fresh()
    assert tg.cached_cards(["SHOP:s1"]) == ({}, ["SHOP:s1"])
    assert CardCache(0, max_age=60).lookup(["SHOP:s1"]).token is None  # size 0: off
