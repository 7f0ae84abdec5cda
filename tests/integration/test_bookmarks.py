"""Reads after writes are causally consistent: write transactions share the driver's bookmark
manager with the reads (``execute_query``), so on a cluster a read routed to a replica waits for
the write it follows. Run over ``bolt://`` and over ``neo4j://`` (routing, which a single
Community server answers as a one-member cluster)."""

from __future__ import annotations

import re

import pytest
from neo4j import RoutingControl

from graph_api.ingest import Ingester
from graph_api.settings import Settings
from graph_api.store import Store

pytestmark = pytest.mark.integration


def _uri(settings: Settings, scheme: str) -> str:
    return re.sub(r"^[a-z0-9+]+://", f"{scheme}://", settings.bolt_uri)


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_a_read_right_after_a_write_sees_it(store, neo4j_settings, scheme):
    with Store(neo4j_settings.with_overrides(neo4j_uri=_uri(neo4j_settings, scheme))) as s:
        manager = s.driver.execute_query_bookmark_manager
        seen = set(manager.get_bookmarks())
        for i in range(5):
            event = {
                "eventId": f"bm-{scheme}-{i}",
                "type": "BUYER_REGISTERED",
                "at": f"2021-06-0{i + 1}T10:00:00+08:00",
                "buyerId": f"bm-buyer-{i}",
            }
            assert len(Ingester(s, 100).ingest([event]).accepted) == 1
            # The write's bookmark is now the reads' bookmark: the next read waits for it.
            now = set(manager.get_bookmarks())
            assert now and now != seen, "the write transaction did not share its bookmark"
            seen = now
            records, _, _ = s.driver.execute_query(
                "MATCH (b:Buyer {id: $id}) RETURN count(b) AS n",
                id=f"bm-buyer-{i}",
                database_=s.database,
                routing_=RoutingControl.READ,
            )
            assert records[0]["n"] == 1
            assert s.latest_event_at() is not None  # the store's own reads (routing_=READ)
