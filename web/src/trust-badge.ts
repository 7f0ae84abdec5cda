// <trust-badge shop-id="s00010" variant="product-card" lang="zh-CN"></trust-badge>
//
// A shop's or host's trust badges where buyers see them, read from a trustgraph service
// (docs/widget.md). Attributes:
//   shop-id | host-id   whose badges (one of them)
//   variant             live-room | product-card (default) | product-page | order
//   lang                zh-CN (default) or en; else the nearest lang="" of the page
//   endpoint            the service's GraphQL URL; default: /graphql next to this script
//   live                "off" to stop live updates (badgeChanged over graphql-transport-ws)
// The host element reflects what it shows in data-state (loading, badges, none, unknown,
// unreachable) and data-badges (the held badge kinds), and fires "trust-badge-change" when a
// live update changes them.
import { type Card, clientFor, type Kind, Unreachable } from "./client";
import {
  badgeName,
  groupLabel,
  type Lang,
  langOf,
  ruleReason,
  since,
  word,
} from "./i18n";
import { STYLE } from "./style";

const SCRIPT_ENDPOINT = new URL("../graphql", import.meta.url).toString();
const VARIANTS = ["live-room", "product-card", "product-page", "order"] as const;
type Variant = (typeof VARIANTS)[number];
type State = "loading" | "badges" | "none" | "unknown" | "unreachable";
const RETRY_MS = [2000, 5000, 10000, 30000, 60000];

let serial = 0;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class TrustBadge extends HTMLElement {
  static observedAttributes = ["shop-id", "host-id", "variant", "lang", "endpoint", "live"];

  private readonly root: ShadowRoot;
  private readonly uid = `tb${++serial}`;
  private card: Card | null = null;
  private state: State = "loading";
  private stopFollowing: (() => void) | null = null;
  private stopReconnect: (() => void) | null = null;
  private retry: number | undefined;
  private failures = 0;
  private loads = 0;
  private announcement = "";
  private open: string | null = null;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }

  connectedCallback(): void {
    this.restart();
  }

  disconnectedCallback(): void {
    this.stop();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (!this.isConnected || old === value) return;
    if (name === "variant" || name === "lang") {
      this.render();
    } else {
      this.restart();
    }
  }

  private get target(): { kind: Kind; id: string } | null {
    const shop = this.getAttribute("shop-id");
    const host = this.getAttribute("host-id");
    if (shop) return { kind: "SHOP", id: shop };
    if (host) return { kind: "HOST", id: host };
    return null;
  }

  private get variant(): Variant {
    const v = this.getAttribute("variant") as Variant | null;
    return v !== null && VARIANTS.includes(v) ? v : "product-card";
  }

  private get language(): Lang {
    const own = this.getAttribute("lang");
    return langOf(own ?? this.closest("[lang]")?.getAttribute("lang"));
  }

  private get endpoint(): string {
    return this.getAttribute("endpoint") || SCRIPT_ENDPOINT;
  }

  private stop(): void {
    this.stopFollowing?.();
    this.stopReconnect?.();
    this.stopFollowing = this.stopReconnect = null;
    window.clearTimeout(this.retry);
  }

  private restart(): void {
    this.stop();
    this.card = null;
    this.failures = 0;
    this.setState("loading");
    const target = this.target;
    if (target === null) {
      this.setState("unknown");
      return;
    }
    const client = clientFor(this.endpoint);
    if (this.getAttribute("live") !== "off") {
      this.stopFollowing = client.follow(target.kind, target.id, () => void this.load(true));
      this.stopReconnect = client.onReconnect(() => void this.load(true));
    }
    void this.load(false);
  }

  private async load(live: boolean): Promise<void> {
    const target = this.target;
    if (target === null) return;
    const load = ++this.loads;
    const before = this.card?.badge.badges ?? [];
    let card: Card | null;
    try {
      card = await clientFor(this.endpoint).card(target.kind, target.id, live);
    } catch (error) {
      if (load !== this.loads) return;
      // Whatever failed (the network, the service, an answer it could not read), the buyer
      // sees the neutral "unavailable" and the widget tries again later.
      if (!(error instanceof Unreachable)) console.warn("trust-badge:", error);
      const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
      this.retry = window.setTimeout(() => void this.load(live), delay);
      if (this.card === null) this.setState("unreachable");
      return;
    }
    if (load !== this.loads) return; // a newer load answers
    this.failures = 0;
    this.card = card;
    const after = card?.badge.badges ?? [];
    if (live) this.announce(before, after);
    this.setState(card === null ? "unknown" : after.length > 0 ? "badges" : "none");
    if (live && before.join() !== after.join()) {
      this.dispatchEvent(
        new CustomEvent("trust-badge-change", {
          detail: { before, after },
          bubbles: true,
          composed: true,
        }),
      );
    }
  }

  private announce(before: string[], after: string[]): void {
    const lang = this.language;
    const gained = after.filter((b) => !before.includes(b)).map((b) => badgeName(b, lang));
    const lost = before.filter((b) => !after.includes(b)).map((b) => badgeName(b, lang));
    const parts = [];
    if (gained.length) parts.push(word("granted", lang) + gained.join("、"));
    if (lost.length) parts.push(word("lost", lang) + lost.join("、"));
    this.announcement = parts.join(" ");
  }

  private setState(state: State): void {
    this.state = state;
    this.dataset.state = state;
    this.dataset.badges = (this.card?.badge.badges ?? []).join(" ");
    this.render();
  }

  private render(): void {
    const lang = this.language;
    const variant = this.variant;
    const card = this.card;
    const box = el("div", {
      class: `tb tb--${variant} tb--${this.state}`,
      part: "container",
      role: "group",
      lang,
      "aria-label": groupLabel(card?.name ?? null, lang),
    });
    if (variant === "product-page" && card?.name) {
      box.append(el("span", { class: "name", part: "name" }, card.name));
    }
    if (variant === "order") {
      box.append(el("span", { class: "prefix" }, word("orderPrefix", lang)));
    }
    if (this.state === "badges" && card !== null) {
      box.append(this.renderBadges(card, lang, variant));
    } else {
      const s = this.state;
      const text =
        s === "unknown"
          ? word(this.target?.kind === "HOST" ? "unknownHost" : "unknownShop", lang)
          : word(s === "badges" ? "none" : s, lang);
      box.append(el("span", { class: "neutral", part: "neutral" }, text));
    }
    box.append(
      el("span", { class: "sr-only", role: "status", "aria-live": "polite" }, this.announcement),
    );
    const style = el("style", {}, STYLE);
    this.root.replaceChildren(style, box);
  }

  private renderBadges(card: Card, lang: Lang, variant: Variant): HTMLElement {
    const wrap = el("div", { class: "badges" });
    const list = el("ul", { class: "list", role: "list" });
    const held = card.badge.details.filter((d) => d.held);
    for (const detail of held) {
      const panelId = `${this.uid}-${detail.badge}`;
      const expanded = this.open === detail.badge;
      const button = el("button", {
        type: "button",
        class: `badge badge--${detail.badge}`,
        part: "badge",
        "data-badge": detail.badge,
        "aria-expanded": String(expanded),
        "aria-controls": panelId,
      });
      button.append(el("span", { class: "mark", "aria-hidden": "true" }, "✓"));
      button.append(el("span", { class: "label" }, badgeName(detail.badge, lang)));
      if (variant === "product-page" && detail.since) {
        button.append(el("span", { class: "since-inline" }, since(detail.since, lang)));
      }
      button.addEventListener("click", () => this.toggle(detail.badge));
      button.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.open !== null) {
          event.preventDefault();
          this.toggle(null);
        }
      });
      const item = el("li");
      item.append(button);
      list.append(item);

      const panel = el("div", {
        id: panelId,
        class: "details",
        part: "details",
        role: "region",
        "aria-label": `${badgeName(detail.badge, lang)} · ${word("why", lang)}`,
      });
      panel.hidden = !expanded;
      if (detail.since) panel.append(el("p", { class: "since" }, since(detail.since, lang)));
      const inGrace = detail.reasons.some((r) => r.code === "IN_GRACE" || r.code === "GRACE_STARTED");
      const reasons = el("ul", { class: "reasons" });
      if (inGrace) reasons.append(el("li", { class: "grace" }, word("grace", lang)));
      for (const reason of detail.reasons) {
        const text = ruleReason(reason.code, lang);
        if (text !== null) reasons.append(el("li", { "data-code": reason.code }, text));
      }
      panel.append(reasons);
      wrap.append(panel);
    }
    wrap.prepend(list);
    return wrap;
  }

  private toggle(badge: string | null): void {
    this.open = badge === null || this.open === badge ? null : badge;
    const focus = badge ?? this.root.activeElement?.getAttribute("data-badge") ?? null;
    this.render();
    if (focus !== null) {
      this.root.querySelector<HTMLButtonElement>(`button[data-badge="${focus}"]`)?.focus();
    }
  }
}

if (!customElements.get("trust-badge")) {
  customElements.define("trust-badge", TrustBadge);
}
