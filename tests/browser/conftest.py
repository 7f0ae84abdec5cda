"""Browser fixtures: Debian's Chromium (``/usr/bin/chromium``, installed by scripts/bootstrap.sh;
``playwright install`` downloads browsers and cannot work offline) driven by Playwright, against
the real service (uvicorn, real HTTP and WebSockets) over the session's Neo4j, with a seeded
platform.

Every page runs offline: a request to any host but 127.0.0.1 or localhost is aborted and
recorded, and a test that caused one fails (``offline.blocked``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from graph_api.auth import load_keys
from graph_api.seed import SeedConfig
from graph_api.settings import Settings
from tests.e2e.conftest import API_KEYS, Client, Server
from tests.platforms import seed_platform

CHROMIUM = os.environ.get("TRUSTGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
LOCAL_HOSTS = ("127.0.0.1", "localhost")

CARDS = """query($ids: [ID!]) {
  badges(shopIds: $ids) { id name badge { badges details { badge held since } } }
}"""


@dataclass
class Offline:
    """What the pages of one test asked for beyond this machine (aborted) and in all."""

    blocked: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.requested.append(url)
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob") or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: scripts/bootstrap.sh installs Debian's chromium as root "
            "(apt-get install chromium fonts-wqy-microhei), or set TRUSTGRAPH_TEST_CHROMIUM"
        )
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield b
    b.close()


@pytest.fixture()
def offline() -> Offline:
    return Offline()


@pytest.fixture()
def page(browser: Browser, offline: Offline) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", offline.route)
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()
    assert not offline.blocked, f"the page asked for the internet: {offline.blocked}"


@pytest.fixture(scope="module")
def browser_settings(neo4j_settings: Settings) -> Settings:
    return neo4j_settings.with_overrides(
        api_keys=load_keys({"TRUSTGRAPH_API_KEYS": API_KEYS}), change_poll_ms=100
    )


@pytest.fixture(scope="module")
def platform(_session_store) -> dict[str, Any]:
    """A seeded, scored platform: its shops by what they hold."""
    seed_platform(_session_store, SeedConfig(seed=3, buyers=400, days=90))
    records, _, _ = _session_store.driver.execute_query(
        "MATCH (s:Shop) RETURN s.id AS s ORDER BY s.id", database_=_session_store.database
    )
    return {"shops": [r["s"] for r in records], "store": _session_store}


@pytest.fixture(scope="module")
def server(browser_settings: Settings, platform) -> Iterator[Server]:
    with Server(browser_settings) as s:
        yield s


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Client]:
    c = Client(server.url)
    yield c
    c.http.close()


@pytest.fixture(scope="module")
def cards(client: Client, platform) -> dict[str, dict[str, Any]]:
    """Every shop's badge card as the API gives it, by id."""
    got = client.gql(CARDS, {"ids": platform["shops"]}, role=None)["badges"]
    return {c["id"]: c for c in got}


def wait_rendered(page: Page) -> None:
    """Until no widget of the page is loading."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('trust-badge')].length > 0 && "
        "[...document.querySelectorAll('trust-badge')].every(b => b.dataset.state && "
        "b.dataset.state !== 'loading')"
    )


def held(card: dict[str, Any]) -> list[str]:
    return [d["badge"] for d in card["badge"]["details"] if d["held"]]


def iso_date(text: str) -> str:
    return re.sub(r"T.*$", "", text)
