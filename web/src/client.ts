// One connection to a trustgraph service per endpoint, shared by every widget of the page:
// card reads asked for in the same task go out as one `badges` query (up to the service's 200
// ids), and live updates come over one WebSocket (graphql-transport-ws), one subscription per
// widget on it.
import { createClient, type Client } from "graphql-ws";

export type Kind = "SHOP" | "HOST";

export interface BadgeDetail {
  badge: string;
  held: boolean;
  since: string | null;
  reasons: { code: string }[];
}

export interface Card {
  id: string;
  kind: Kind;
  name: string | null;
  badge: { badges: string[]; since: string | null; details: BadgeDetail[] };
}

/** The service could not be asked (network, CORS, a 5xx, SERVICE_UNAVAILABLE). */
export class Unreachable extends Error {}

const CARDS = `query TrustBadges($shopIds: [ID!], $hostIds: [ID!]) {
  badges(shopIds: $shopIds, hostIds: $hostIds) {
    id kind name
    badge { badges since details { badge held since reasons { code } } }
  }
}`;

const CHANGES = `subscription TrustBadgeChanged($shopId: ID, $hostId: ID) {
  badgeChanged(shopId: $shopId, hostId: $hostId) { targetKind targetId newBadges asOf }
}`;

const MAX_IDS = 200;
const ACCEPT = "application/graphql-response+json, application/json";

interface Answer {
  data?: { badges?: (Card | null)[] } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

let hashed: Promise<string | null> | null = null;

/** The SHA-256 of the cards query, in hex (null without crypto.subtle). */
function cardsHash(): Promise<string | null> {
  if (hashed === null) {
    const subtle = globalThis.crypto?.subtle;
    hashed = subtle
      ? subtle
          .digest("SHA-256", new TextEncoder().encode(CARDS))
          .then((d) => [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join(""))
          .catch(() => null)
      : Promise.resolve(null);
  }
  return hashed;
}

interface Waiting {
  kind: Kind;
  id: string;
  fresh: boolean;
  resolve: (card: Card | null) => void;
  reject: (error: Error) => void;
}

export class BadgeClient {
  private waiting: Waiting[] = [];
  private ws: Client | null = null;
  private reconnectListeners = new Set<() => void>();

  constructor(readonly endpoint: string) {}

  /** The card of one shop or host, or null when the service does not know the id. */
  card(kind: Kind, id: string, fresh = false): Promise<Card | null> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) {
        queueMicrotask(() => void this.flush());
      }
      this.waiting.push({ kind, id, fresh, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    for (let i = 0; i < batch.length; i += MAX_IDS) {
      void this.ask(batch.slice(i, i + MAX_IDS));
    }
  }

  private async ask(batch: Waiting[]): Promise<void> {
    const shopIds = [...new Set(batch.filter((w) => w.kind === "SHOP").map((w) => w.id))];
    const hostIds = [...new Set(batch.filter((w) => w.kind === "HOST").map((w) => w.id))];
    try {
      const cards = await this.post(shopIds, hostIds, batch.some((w) => w.fresh));
      const found = new Map<string, Card | null>();
      shopIds.forEach((id, i) => found.set(`SHOP:${id}`, cards[i] ?? null));
      hostIds.forEach((id, i) => found.set(`HOST:${id}`, cards[shopIds.length + i] ?? null));
      for (const w of batch) {
        w.resolve(found.get(`${w.kind}:${w.id}`) ?? null);
      }
    } catch (error) {
      const e = error instanceof Error ? error : new Unreachable(String(error));
      for (const w of batch) {
        w.reject(e);
      }
    }
  }

  private async post(
    shopIds: string[],
    hostIds: string[],
    fresh: boolean,
  ): Promise<(Card | null)[]> {
    const body = await this.read(shopIds, hostIds, fresh);
    if (!body.data?.badges) {
      const codes = (body.errors ?? []).map((e) => e.extensions?.code);
      // An id the service refuses (BAD_USER_INPUT: not an id) is as unknown to a buyer as a
      // missing one; anything else means the service cannot answer now.
      if (codes.length > 0 && codes.every((c) => c === "BAD_USER_INPUT")) {
        return [...shopIds, ...hostIds].map(() => null);
      }
      throw new Unreachable(body.errors?.map((e) => e.message).join("; ") ?? "no data");
    }
    return body.data.badges;
  }

  /** The cards by GET, as a persisted query (a hash instead of the document), so that the
   * browser and a CDN may cache them and revalidate them with If-None-Match, and a page of
   * another origin needs no preflight; by POST where the page cannot hash (crypto.subtle is
   * only in secure contexts). ``fresh``: revalidate whatever the browser holds (live updates). */
  private async read(shopIds: string[], hostIds: string[], fresh: boolean): Promise<Answer> {
    const variables = { shopIds, hostIds };
    const hash = await cardsHash();
    if (hash === null) {
      return this.send(this.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: ACCEPT },
        body: JSON.stringify({ query: CARDS, variables }),
      });
    }
    const url = new URL(this.endpoint, window.location.href);
    url.searchParams.set("variables", JSON.stringify(variables));
    url.searchParams.set(
      "extensions",
      JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
    );
    const init: RequestInit = { headers: { Accept: ACCEPT }, cache: fresh ? "no-cache" : "default" };
    const first = await this.send(url.toString(), init);
    if (!first.errors?.some((e) => e.extensions?.code === "PERSISTED_QUERY_NOT_FOUND")) {
      return first;
    }
    url.searchParams.set("query", CARDS); // once per service process: it keeps the document
    return this.send(url.toString(), init);
  }

  private async send(url: string, init: RequestInit): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new Unreachable(`cannot reach ${this.endpoint}: ${String(error)}`);
    }
    try {
      return (await response.json()) as Answer;
    } catch {
      throw new Unreachable(`${this.endpoint} answered ${response.status} without JSON`);
    }
  }

  /** Call ``changed`` whenever the service reports a badge change of this shop or host;
   * returns the function that stops it. */
  follow(kind: Kind, id: string, changed: () => void): () => void {
    const variables = kind === "SHOP" ? { shopId: id } : { hostId: id };
    const stop = this.socket().subscribe(
      { query: CHANGES, variables },
      { next: () => changed(), error: () => undefined, complete: () => undefined },
    );
    return stop;
  }

  /** Called after the WebSocket (re)connects: changes may have been missed while it was down. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private socket(): Client {
    if (this.ws === null) {
      const url = new URL(this.endpoint, window.location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      let connections = 0;
      this.ws = createClient({
        url: url.toString(),
        lazy: true,
        retryAttempts: Number.POSITIVE_INFINITY,
        shouldRetry: () => true,
        on: {
          connected: () => {
            connections += 1;
            if (connections > 1) {
              for (const listener of this.reconnectListeners) listener();
            }
          },
        },
      });
    }
    return this.ws;
  }
}

const clients = new Map<string, BadgeClient>();

export function clientFor(endpoint: string): BadgeClient {
  let client = clients.get(endpoint);
  if (client === undefined) {
    client = new BadgeClient(endpoint);
    clients.set(endpoint, client);
  }
  return client;
}
