// The /demo page (graph_api/service/static/demo.html): a mock live room, product cards, a product
// page and an order page, each with <trust-badge> against this service. Which shops and host:
// ?shops=s1,s2,...&host=h1 (the first shop is the live room's and the product page's), else the
// demo platform's: the shops and host among the first ids that hold the most badges, and one
// without any. ?lang=en|zh-CN picks the language (the buttons switch it).
// The widget itself comes from /static/trust-badge.js, loaded by the page as an embedder would.

const ENDPOINT = new URL("../graphql", import.meta.url).toString();
const PRODUCTS = [
  { zh: "明前西湖龙井 250g", en: "Pre-Qingming Longjing tea, 250 g", price: 268 },
  { zh: "和田玉平安扣吊坠", en: "Hetian jade pendant", price: 1280 },
  { zh: "纯棉宽松T恤", en: "Loose cotton T-shirt", price: 89 },
  { zh: "手工铁观音礼盒", en: "Tieguanyin tea gift box", price: 398 },
];

interface Found {
  id: string;
  kind: "SHOP" | "HOST";
  badge: { badges: string[] };
}

async function discover(): Promise<{ shops: string[]; host: string | null }> {
  const ids = (p: string) => Array.from({ length: 60 }, (_, i) => `${p}${String(i + 1).padStart(5, "0")}`);
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      query: "query($s: [ID!], $h: [ID!]) { badges(shopIds: $s, hostIds: $h) { id kind badge { badges } } }",
      variables: { s: ids("s"), h: ids("h") },
    }),
  });
  const cards = ((await response.json()).data?.badges ?? []).filter(Boolean) as Found[];
  const rank = (kind: string) =>
    cards
      .filter((c) => c.kind === kind)
      .sort((a, b) => b.badge.badges.length - a.badge.badges.length);
  const shops = rank("SHOP");
  const chosen = shops.filter((c) => c.badge.badges.length > 0).slice(0, 3).map((c) => c.id);
  const without = shops.find((c) => c.badge.badges.length === 0);
  if (without) chosen.push(without.id);
  return { shops: chosen, host: rank("HOST")[0]?.id ?? null };
}

function badge(attrs: Record<string, string>): HTMLElement {
  const node = document.createElement("trust-badge");
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function slot(name: string): HTMLElement {
  const node = document.querySelector<HTMLElement>(`[data-slot="${name}"]`);
  if (node === null) throw new Error(`demo: no slot ${name}`);
  return node;
}

function setLang(lang: string): void {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("trust-badge")) node.setAttribute("lang", lang);
  for (const node of document.querySelectorAll<HTMLElement>("[data-zh]")) {
    node.textContent = lang === "en" ? (node.dataset.en ?? "") : (node.dataset.zh ?? "");
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-set-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.setLang === lang));
  }
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  history.replaceState(null, "", url);
}

async function main(): Promise<void> {
  await customElements.whenDefined("trust-badge");
  const params = new URLSearchParams(window.location.search);
  const lang = params.get("lang") === "en" ? "en" : "zh-CN";
  let shops = (params.get("shops") ?? "").split(",").filter(Boolean);
  let host = params.get("host");
  if (shops.length === 0) {
    const found = await discover().catch(() => ({ shops: [], host: null }));
    shops = found.shops.length ? found.shops : ["s00001"];
    host = host ?? found.host;
  }
  const first = shops[0];
  const live = slot("live-room");
  if (host) live.append(badge({ "host-id": host, variant: "live-room", lang }));
  slot("live-product").append(badge({ "shop-id": first, variant: "live-room", lang }));
  const grid = slot("product-cards");
  shops.forEach((shop, i) => {
    const product = PRODUCTS[i % PRODUCTS.length];
    const card = document.createElement("article");
    card.className = "card";
    card.dataset.shop = shop;
    const title = document.createElement("h3");
    title.dataset.zh = product.zh;
    title.dataset.en = product.en;
    const price = document.createElement("p");
    price.className = "price";
    price.textContent = `¥${product.price}`;
    card.append(title, badge({ "shop-id": shop, variant: "product-card", lang }), price);
    grid.append(card);
  });
  slot("product-page").append(badge({ "shop-id": first, variant: "product-page", lang }));
  slot("order").append(badge({ "shop-id": first, variant: "order", lang }));
  for (const button of document.querySelectorAll<HTMLButtonElement>("[data-set-lang]")) {
    button.addEventListener("click", () => setLang(button.dataset.setLang ?? "zh-CN"));
  }
  setLang(lang);
  document.body.dataset.ready = "true";
}

void main();
