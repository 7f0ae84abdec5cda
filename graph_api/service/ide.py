"""The pages the service serves to browsers, from the package only (no CDN: they work on a
machine without internet): GraphiQL at ``/graphql`` and the widget's demo at ``/demo``.

GraphiQL and React are bundled from npm by ``web/build.mjs`` into ``static/vendor/`` (the
versions of ``web/package-lock.json``; ``scripts/bootstrap.sh`` builds them), the badge widget
into ``static/trust-badge.js``; both are served under ``/static``.
"""

from __future__ import annotations

import html
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEMO_PAGE = STATIC_DIR / "demo.html"

# What `trustgraph serve` prints and GraphiQL opens with: badge cards of three demo shops.
FIRST_QUERY = """{
  badges(shopIds: ["s00010", "s00031", "s00003"]) {
    id
    name
    badge { eligible badges }
    boost { multiplier tier }
  }
}
"""


def one_line(query: str) -> str:
    """A query on one line, to print in a terminal."""
    return " ".join(query.split())


_MISSING = (
    "GraphiQL is not built: run scripts/bootstrap.sh (make install), which builds web/ with "
    "npm into graph_api/service/static/vendor/"
)


def built() -> bool:
    """Whether the browser bundles are there (a checkout not yet bootstrapped has none)."""
    return (STATIC_DIR / "vendor" / "graphiql.js").is_file() and (
        STATIC_DIR / "trust-badge.js"
    ).is_file()


def graphiql_page(default_query: str = FIRST_QUERY) -> str:
    """GraphiQL's page: the bundle and its stylesheet, and the first query as data."""
    if not built():
        return f"<!doctype html><title>GraphiQL</title><p>{html.escape(_MISSING)}</p>"
    query = html.escape(default_query, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>trustgraph GraphiQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/graphiql.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql" data-default-query="{query}">Loading...</div>
<script type="module" src="/static/vendor/graphiql.js"></script>
</body>
</html>
"""
