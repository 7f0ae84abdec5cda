"""Neo4j stopped and started again under a running service: /readyz says 503 and queries fail
with SERVICE_UNAVAILABLE while it is down; the service recovers without a restart."""

from __future__ import annotations

import time

import pytest

from graph_api.neo4j_local import LocalNeo4j

pytestmark = pytest.mark.integration


def test_neo4j_outage_and_recovery(client, neo4j_settings, _session_store):
    if not neo4j_settings.uses_local_neo4j:
        pytest.skip("needs the test session's own Neo4j to stop and start it (NEO4J_URI is set)")

    launcher = LocalNeo4j(neo4j_settings, log=lambda m: print(f"[neo4j] {m}"))
    assert client.http.get("/readyz").status_code == 200
    launcher.stop()
    try:
        ready = client.http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        started = time.monotonic()
        assert client.error_codes("{ clock }") == ["SERVICE_UNAVAILABLE"]
        assert time.monotonic() - started < 15, (
            "a request waited too long for a database that is down"
        )
        body = client.post('{ shop(id: "s1") { id } }').json()
        assert (
            body["errors"][0]["message"] == "the graph database is unavailable; try again shortly"
        )
        assert (
            client.gql("{ policy { version } }", role=None)["policy"]["version"] == "v5"
        )  # no database needed
    finally:
        launcher.start()
    deadline = time.monotonic() + 60
    while client.http.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.5)
    assert "clock" in client.gql("{ clock }", role=None)
