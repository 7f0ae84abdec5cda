"""The <trust-badge> widget and the /demo page in a real browser (Chromium), against the real
service over a seeded platform: the badges the API holds, in both languages, the expandable
reasons, keyboard use, the neutral states, and a badge change made through recordEvents showing
in the open page without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import held, wait_rendered
from tests.e2e.conftest import Client, Server, _free_port

pytestmark = pytest.mark.integration

NAMES = {
    "zh-CN": {
        "TRUST_PURCHASE": "信任购",
        "QUALITY_MERCHANT": "优质商家",
        "OFFICIAL_AUTHENTICITY": "官方保真",
    },
    "en": {
        "TRUST_PURCHASE": "Trusted purchase",
        "QUALITY_MERCHANT": "Quality merchant",
        "OFFICIAL_AUTHENTICITY": "Official authenticity",
    },
}

RECORD = """mutation($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted rejected { code message } badgeChanges { targetId } }
}"""


def _pick(cards: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Shops of the seeded platform: the one with the most badges, one with TRUST_PURCHASE, one
    with none."""
    by_count = sorted(cards.values(), key=lambda c: (-len(held(c)), c["id"]))
    most = by_count[0]
    trust = next(c for c in by_count if "TRUST_PURCHASE" in held(c))
    none = next(c for c in by_count if not held(c))
    assert held(most), "the seeded platform has shops with badges"
    return {"most": most["id"], "trust": trust["id"], "none": none["id"]}


def _widgets(page: Page, variant: str) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(
        f'trust-badge[variant="{variant}"]',
        """els => els.map(e => ({shop: e.getAttribute('shop-id'), state: e.dataset.state,
             badges: e.dataset.badges ? e.dataset.badges.split(' ') : [],
             text: e.shadowRoot.textContent}))""",
    )


def test_the_demo_shows_each_shops_badges_in_both_languages(
    page: Page, server: Server, cards, offline
):
    shops = _pick(cards)
    ids = [shops["most"], shops["trust"], shops["none"]]
    page.goto(f"{server.url}/demo?shops={','.join(ids)}&lang=zh-CN")
    wait_rendered(page)
    got = _widgets(page, "product-card")
    assert [w["shop"] for w in got] == ids
    for w in got:
        want = held(cards[w["shop"]])
        assert w["badges"] == want, w
        assert w["state"] == ("badges" if want else "none")
        for badge in want:
            assert NAMES["zh-CN"][badge] in w["text"]
    assert "暂无信任徽章" in got[2]["text"]
    # The four places: live room (host and product), product card, product page, order page.
    for variant in ("live-room", "product-page", "order"):
        assert _widgets(page, variant), variant
    page_widget = _widgets(page, "product-page")[0]
    assert page_widget["badges"] == held(cards[shops["most"]])
    assert cards[shops["most"]]["name"] in page_widget["text"]  # the product page names the shop
    assert "自" in page_widget["text"] and "起" in page_widget["text"]  # since-when, in Chinese

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    got = _widgets(page, "product-card")
    for w in got:
        for badge in held(cards[w["shop"]]):
            assert NAMES["en"][badge] in w["text"]
            assert NAMES["zh-CN"][badge] not in w["text"]
    assert "No trust badges yet" in got[2]["text"]
    assert "since " in _widgets(page, "product-page")[0]["text"]
    assert all(u.startswith(server.url) for u in offline.requested), offline.requested
    # The cards were read by GET as a persisted query (cacheable, no preflight across origins).
    assert any("persistedQuery" in u for u in offline.requested), offline.requested


def test_a_badge_opens_its_reasons_and_since_when_by_mouse_and_keyboard(
    page: Page, server: Server, cards
):
    shop = _pick(cards)["most"]
    page.goto(f"{server.url}/demo?shops={shop}&lang=en")
    wait_rendered(page)
    widget = page.locator(f'[data-shop="{shop}"] trust-badge')
    first = held(cards[shop])[0]
    button = widget.get_by_role("button", name=NAMES["en"][first])
    expect(button).to_have_attribute("aria-expanded", "false")
    panel = widget.get_by_role("region", name=f"{NAMES['en'][first]} · Why this badge")
    expect(panel).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    since = next(d["since"] for d in cards[shop]["badge"]["details"] if d["badge"] == first)
    year = since[:4]
    expect(panel).to_contain_text("since ")
    expect(panel).to_contain_text(year)
    assert panel.locator("li[data-code$='_MET']").count() >= 1  # the public reasons
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    # Keyboard only: Enter opens it again, the group is labelled with the shop's name.
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    group = widget.get_by_role("group")
    expect(group).to_have_attribute("aria-label", f"Trust badges of {cards[shop]['name']}")


def test_neutral_states_unknown_id_no_badges_and_unreachable_api(page: Page, server: Server, cards):
    none = _pick(cards)["none"]
    page.goto(f"{server.url}/demo?shops={none},no-such-shop&lang=zh-CN")
    wait_rendered(page)
    got = {w["shop"]: w for w in _widgets(page, "product-card")}
    assert got[none]["state"] == "none" and "暂无信任徽章" in got[none]["text"]
    assert got["no-such-shop"]["state"] == "unknown"
    assert "未找到该商家" in got["no-such-shop"]["text"]
    # A service that is not there (a closed port of this machine).
    dead = f"http://127.0.0.1:{_free_port()}/graphql"
    page.evaluate(
        """([dead, shop]) => {
          for (const lang of ['zh-CN', 'en']) {
            const b = document.createElement('trust-badge');
            b.id = 'dead-' + lang;
            b.setAttribute('endpoint', dead);
            b.setAttribute('shop-id', shop);
            b.setAttribute('lang', lang);
            document.body.append(b);
          }
        }""",
        [dead, none],
    )
    for lang, text in (("zh-CN", "信任信息暂不可用"), ("en", "Trust info unavailable")):
        dead_widget = page.locator(f"#dead-{lang}")
        expect(dead_widget).to_have_attribute("data-state", "unreachable")
        expect(dead_widget).to_contain_text(text)


def test_a_badge_changed_through_record_events_updates_the_open_page(
    page: Page, server: Server, client: Client, cards
):
    shop = _pick(cards)["trust"]
    rights = client.gql("query($id: ID!) { shop(id: $id) { rights } }", {"id": shop}, role=None)[
        "shop"
    ]["rights"]
    page.goto(f"{server.url}/demo?shops={shop}&lang=zh-CN")
    wait_rendered(page)
    page.evaluate(
        """() => {
          window.__notReloaded = true;
          window.__changes = [];
          document.addEventListener('trust-badge-change', e => window.__changes.push(
            {...e.detail, variant: e.target.getAttribute('variant')}));
        }"""
    )
    widget = page.locator(f'[data-shop="{shop}"] trust-badge')
    expect(widget).to_contain_text("信任购")
    clock = client.gql("{ clock }", role=None)["clock"]

    def set_rights(event_id: str, new_rights: list[str]) -> None:
        got = client.gql(
            RECORD,
            {
                "events": [
                    {
                        "eventId": event_id,
                        "type": "SHOP_RIGHTS_CHANGED",
                        "at": clock,
                        "shopId": shop,
                        "rights": new_rights,
                    }
                ]
            },
            role="INGEST",
        )["recordEvents"]
        assert got["accepted"] == 1 and not got["rejected"], got
        assert shop in [c["targetId"] for c in got["badgeChanges"]], got

    # Lost: without its trust rights the shop fails a hard rule of 信任购 at once.
    set_rights("browser-rights-off", [r for r in rights if r == "SEVEN_DAY_RETURN"])
    expect(widget).not_to_have_attribute(
        "data-badges", re.compile("TRUST_PURCHASE"), timeout=15_000
    )
    expect(widget.get_by_role("button", name="信任购")).to_have_count(0)
    expect(widget.get_by_role("status")).to_have_text("失去徽章：信任购")
    # Granted again: the rights are back and every other rule still passes.
    set_rights("browser-rights-on", rights)
    expect(widget).to_have_attribute("data-badges", " ".join(held(cards[shop])), timeout=15_000)
    expect(widget.get_by_role("button", name="信任购")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    # Every widget of the shop on the page (live room, card, product and order page) changed.
    changes = page.evaluate("window.__changes")
    for variant in ("live-room", "product-card", "product-page", "order"):
        assert [
            ("TRUST_PURCHASE" in c["before"], "TRUST_PURCHASE" in c["after"])
            for c in changes
            if c["variant"] == variant
        ] == [(True, False), (False, True)], (variant, changes)
    # The change was announced to screen readers in the polite live region.
    expect(widget.get_by_role("status")).to_have_text("获得徽章：信任购")


def test_a_page_of_another_origin_reads_badges_only_from_a_service_that_allows_it(
    page: Page, server: Server, browser_settings, cards
):
    """The demo opened as http://localhost:PORT, another origin than the services' 127.0.0.1:
    one service lists that origin in TRUSTGRAPH_CORS_ORIGINS, the other has no allow-list."""
    shop = _pick(cards)["trust"]
    origin = server.url.replace("127.0.0.1", "localhost")
    with Server(browser_settings.with_overrides(cors_origins=(origin,))) as allowing:
        page.goto(f"{origin}/demo?shops={shop}&lang=en")
        wait_rendered(page)
        page.evaluate(
            """([shop, endpoints]) => {
              for (const [id, endpoint] of Object.entries(endpoints)) {
                const b = document.createElement('trust-badge');
                b.id = id;
                b.setAttribute('endpoint', endpoint);
                b.setAttribute('shop-id', shop);
                document.body.append(b);
              }
            }""",
            [shop, {"allowed": f"{allowing.url}/graphql", "refused": f"{server.url}/graphql"}],
        )
        allowed = page.locator("#allowed")
        expect(allowed).to_have_attribute("data-state", "badges")
        expect(allowed).to_have_attribute("data-badges", " ".join(held(cards[shop])))
        expect(page.locator("#refused")).to_have_attribute("data-state", "unreachable")
