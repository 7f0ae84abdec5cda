"""Screenshots of the browser side for the docs: ``docs/screenshots/*.png`` (``make screenshots``).

    python -m bench.screenshots

Runs what ``make run`` runs, on a Neo4j of its own (home ``.trustgraph/screenshots-neo4j``,
ports 36687/36474, or TRUSTGRAPH_SCREENSHOTS_BOLT_PORT / _HTTP_PORT): ``trustgraph up
--no-serve`` loads the demo platform into an empty graph, ``trustgraph serve`` serves it, and
Debian's Chromium (Playwright, as in tests/browser) takes the pictures, with every request beyond
127.0.0.1 aborted. Then it stops the service and that Neo4j.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route, sync_playwright

from graph_api.neo4j_local import LocalNeo4j
from graph_api.service.ready import wait_ready
from graph_api.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("TRUSTGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")


def _settings() -> Settings:
    env = dict(os.environ)
    for name in [n for n in env if n.startswith(("NEO4J_", "TRUSTGRAPH_"))]:
        if name != "TRUSTGRAPH_CACHE_DIR" and not name.startswith("TRUSTGRAPH_SCREENSHOTS_"):
            del env[name]
    env["TRUSTGRAPH_NEO4J_HOME"] = str(ROOT / ".trustgraph" / "screenshots-neo4j")
    env["TRUSTGRAPH_NEO4J_BOLT_PORT"] = env.get("TRUSTGRAPH_SCREENSHOTS_BOLT_PORT", "36687")
    env["TRUSTGRAPH_NEO4J_HTTP_PORT"] = env.get("TRUSTGRAPH_SCREENSHOTS_HTTP_PORT", "36474")
    env["TRUSTGRAPH_NEO4J_HEAP"] = "1g"
    env["TRUSTGRAPH_NEO4J_PAGECACHE"] = "512m"
    return load_settings(env)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _offline(route: Route) -> None:
    host = httpx.URL(route.request.url).host
    if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
        route.continue_()
    else:
        print(f"blocked {route.request.url}", file=sys.stderr)
        route.abort("internetdisconnected")


def _rendered(page: Page) -> None:
    page.wait_for_function(
        "() => document.body.dataset.ready === 'true' && "
        "[...document.querySelectorAll('trust-badge')].every(b => b.dataset.state !== 'loading')"
    )


def shoot(url: str) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.route("**/*", _offline)
        page = context.new_page()
        for lang in ("zh-CN", "en"):
            page.goto(f"{url}/demo?lang={lang}")
            _rendered(page)
            # The product page's first badge opened: its since-when and public reasons.
            badge = page.locator("[data-slot='product-page'] trust-badge").get_by_role("button")
            if badge.count():
                badge.first.click()
            path = OUT / f"demo-{lang}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
        page.goto(f"{url}/graphql")
        page.locator(".graphiql-query-editor").wait_for()
        page.locator(".graphiql-execute-button").click()
        page.locator(".graphiql-response").get_by_text('"badges"').first.wait_for()
        path = OUT / "graphiql.png"
        page.screenshot(path=str(path))
        written.append(path)
        browser.close()
    return written


def main() -> int:
    settings = _settings()
    env = settings.child_environment()
    env.update(
        TRUSTGRAPH_NEO4J_HOME=str(settings.neo4j_home),
        TRUSTGRAPH_NEO4J_BOLT_PORT=str(settings.bolt_port),
        TRUSTGRAPH_NEO4J_HTTP_PORT=str(settings.http_port),
        TRUSTGRAPH_NEO4J_HEAP=settings.heap_size,
        TRUSTGRAPH_NEO4J_PAGECACHE=settings.pagecache_size,
    )
    del env["NEO4J_URI"]  # the local server of these settings: `up` starts it
    cli = [sys.executable, "-m", "graph_api.cli"]
    subprocess.run([*cli, "up", "--no-serve"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--no-neo4j", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc=server)
        for path in shoot(url):
            print(f"wrote {path.relative_to(ROOT)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        LocalNeo4j(settings, log=lambda m: print(f"[neo4j] {m}", file=sys.stderr)).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
