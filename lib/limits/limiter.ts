import "server-only";
import { Ratelimit } from "@upstash/ratelimit";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/** A sliding window: at most `requests` per `seconds`. */
export type Window = { requests: number; seconds: number };

/**
 * Slots taken from a limit (given back, all or `n` of them, when they turned out to make no
 * work), or the wait until one frees.
 */
export type Taken =
  | { ok: true; giveBack(n?: number): Promise<void> }
  | { ok: false; waitS: number; window: Window };

const FREE: Taken = { ok: true, giveBack: async () => {} };
const limiters = new Map<string, Ratelimit>();

function limiter(name: string, window: Window): Ratelimit {
  const id = `${name}|${window.requests}/${window.seconds}`;
  let found = limiters.get(id);
  if (!found) {
    found = new Ratelimit({
      redis: redis(),
      limiter: Ratelimit.slidingWindow(window.requests, `${window.seconds} s`),
      prefix: keys.rateLimitPrefix(name),
      analytics: false,
    });
    limiters.set(id, found);
  }
  return found;
}

/**
 * Takes `cost` from `who`'s window of the limit `name` (@upstash/ratelimit: one script per
 * call; keys `ratelimit:{name}:{who}…`). A null window is no limit. A refund (negative rate) is
 * never refused, so a slot taken for work that turned out not to be new can be given back.
 */
export async function take(
  name: string,
  window: Window | null,
  who: string,
  cost = 1,
): Promise<Taken> {
  if (!window || cost <= 0) return FREE;
  const limit = limiter(name, window);
  const { success, reset } = await limit.limit(who, { rate: cost });
  if (success)
    return {
      ok: true,
      giveBack: (n = cost) =>
        n > 0 ? limit.limit(who, { rate: -Math.min(n, cost) }).then(() => {}) : Promise.resolve(),
    };
  return { ok: false, waitS: Math.max(1, Math.ceil((reset - Date.now()) / 1000)), window };
}

/**
 * Takes from several limits at once (the visitor's and the network's): all or nothing — when one
 * refuses, the slots already taken are given back. Returns the refused limit's index.
 */
export async function takeAll(
  claims: Array<{ name: string; window: Window | null; who: string; cost?: number }>,
): Promise<
  | { ok: true; giveBack(n?: number): Promise<void> }
  | { ok: false; refused: number; waitS: number; window: Window }
> {
  const taken: Array<Extract<Taken, { ok: true }>> = [];
  for (const [i, c] of claims.entries()) {
    const t = await take(c.name, c.window, c.who, c.cost);
    if (!t.ok) {
      await Promise.all(taken.map((x) => x.giveBack()));
      return { ok: false, refused: i, waitS: t.waitS, window: t.window };
    }
    taken.push(t);
  }
  return {
    ok: true,
    giveBack: (n?: number) => Promise.all(taken.map((x) => x.giveBack(n))).then(() => {}),
  };
}
