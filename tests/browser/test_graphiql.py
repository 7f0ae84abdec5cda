"""GraphiQL at /graphql in a real browser, with no network beyond this machine: it loads from the
package (no CDN), opens with the first query `trustgraph serve` prints, and runs it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from graph_api.service.ide import FIRST_QUERY
from tests.browser.conftest import Offline
from tests.e2e.conftest import Server

pytestmark = pytest.mark.integration


def test_graphiql_loads_offline_and_runs_the_first_query(
    page: Page, server: Server, offline: Offline
):
    page.goto(f"{server.url}/graphql")
    editor = page.locator(".graphiql-query-editor")
    expect(editor).to_contain_text("badges(shopIds:", timeout=30_000)
    # (GraphiQL's introspection goes first; without a key it is refused, as the docs say.)
    with page.expect_response(lambda r: "badges(shopIds" in (r.request.post_data or "")) as answer:
        page.locator(".graphiql-execute-button").click()
    body = answer.value.json()
    assert "errors" not in body and isinstance(body["data"]["badges"], list), body
    # The result pane shows what the service answered.
    result = page.locator(".graphiql-response")
    expect(result).to_contain_text('"badges"')
    assert json.loads(answer.value.request.post_data or "{}")["query"].split() == (
        FIRST_QUERY.split()
    )
    # Everything the page needed came from the service itself; nothing was blocked (checked
    # again by the fixture at the end).
    assert offline.requested and all(u.startswith(server.url) for u in offline.requested), (
        offline.requested
    )
    assert not offline.blocked
    assert any(u.endswith("/static/vendor/graphiql.js") for u in offline.requested)


def test_graphiql_page_refers_to_no_other_host(server: Server, client):
    html = client.http.get("/graphql", headers={"Accept": "text/html"}).text
    assert "unpkg.com" not in html and "cdn" not in html.lower()
    assert "/static/vendor/graphiql.js" in html
