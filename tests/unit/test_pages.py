"""The pages the service serves to browsers refer to nothing but its own files (it must work
without internet), and GraphiQL opens with the first query that `trustgraph serve` prints."""

from __future__ import annotations

import html
import re

from graph_api.service import ide

URL_ATTRS = re.compile(r'\b(?:src|href)="([^"]*)"')


def test_graphiql_page_loads_only_the_packaged_bundle():
    page = ide.graphiql_page()
    if not ide.built():  # a checkout that was not bootstrapped says how to build it
        assert "scripts/bootstrap.sh" in page
        return
    assert URL_ATTRS.findall(page) == [
        "data:,",
        "/static/vendor/graphiql.css",
        "/static/vendor/graphiql.js",
    ]
    assert "https://" not in page and "http://" not in page
    query = re.search(r'data-default-query="([^"]*)"', page)
    assert query is not None and html.unescape(query.group(1)) == ide.FIRST_QUERY


def test_the_demo_page_loads_only_the_services_files():
    page = ide.DEMO_PAGE.read_text(encoding="utf-8")
    assert URL_ATTRS.findall(page) == ["data:,", "/static/trust-badge.js", "/static/demo.js"]
    assert "https://" not in page and "http://" not in page


def test_the_first_query_prints_on_one_line():
    line = ide.one_line(ide.FIRST_QUERY)
    assert "\n" not in line and line.startswith("{ badges(shopIds: [") and line.endswith("} }")
