"""schema/schema.graphql is the SDL of the code's schema, and keeps the names clients rely on."""

from pathlib import Path

from schema import sdl

FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def test_exported_schema_matches_the_code():
    assert FILE.read_text(encoding="utf-8") == sdl(), (
        "schema/schema.graphql is stale: run python -m schema.export"
    )


def test_the_operations_clients_rely_on_keep_their_names():
    text = sdl()
    for needle in (
        "trust(buyerId: ID!, hostId: ID = null, shopId: ID = null, asOf: DateTime = null): "
        "TrustRelation!",
        "trustBatch(buyerId: ID!, hostIds: [ID!] = null, shopIds: [ID!] = null, asOf: DateTime "
        "= null): TrustBatch!",
        "recordEvents(events: [EventInput!]!, waitForDerived: Boolean! = false): "
        "RecordEventsResult!",
        "enum TrustLevel",
        "trustChanged(",
        "badgeChanged(",
        "journey(buyerId: ID!",
        "badges(shopIds: [ID!] = null, hostIds: [ID!] = null): [BadgeCard]!",
    ):
        assert needle in text, needle
