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

interface Waiting {
  kind: Kind;
  id: string;
  resolve: (card: Card | null) => void;
  reject: (error: Error) => void;
}

export class BadgeClient {
  private waiting: Waiting[] = [];
  private ws: Client | null = null;
  private reconnectListeners = new Set<() => void>();

  constructor(readonly endpoint: string) {}

  /** The card of one shop or host, or null when the service does not know the id. */
  card(kind: Kind, id: string): Promise<Card | null> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) {
        queueMicrotask(() => void this.flush());
      }
      this.waiting.push({ kind, id, resolve, reject });
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
      const cards = await this.post(shopIds, hostIds);
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

  private async post(shopIds: string[], hostIds: string[]): Promise<(Card | null)[]> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/graphql-response+json, application/json",
        },
        body: JSON.stringify({ query: CARDS, variables: { shopIds, hostIds } }),
      });
    } catch (error) {
      throw new Unreachable(`cannot reach ${this.endpoint}: ${String(error)}`);
    }
    let body: {
      data?: { badges?: (Card | null)[] } | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    try {
      body = await response.json();
    } catch {
      throw new Unreachable(`${this.endpoint} answered ${response.status} without JSON`);
    }
    if (!body.data?.badges) {
      const codes = (body.errors ?? []).map((e) => e.extensions?.code);
      // An id the service refuses (BAD_USER_INPUT: not an id) is as unknown to a buyer as a
      // missing one; anything else means the service cannot answer now.
      if (codes.length > 0 && codes.every((c) => c === "BAD_USER_INPUT")) {
        return [...shopIds, ...hostIds].map(() => null);
      }
      const message = body.errors?.map((e) => e.message).join("; ") ?? `HTTP ${response.status}`;
      throw new Unreachable(message);
    }
    return body.data.badges;
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
