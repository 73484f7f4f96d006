import "server-only";
import { env } from "@/lib/env";
import { AppError, type ErrorCode } from "@/lib/errors";
import type { Caller } from "@/lib/limits/caller";
import { takeAll } from "@/lib/limits/limiter";
import { CREATE_LISTING } from "@/lib/listings/scripts";
import { keys, ttl } from "@/lib/redis/keys";

/**
 * What a visitor stores for 7 days, pasted listings and uploaded conversations alike, is kept
 * within one set of limits: how many they may add per window (LISTING_RATE_LIMIT*) and how much
 * the ones still kept may hold (LISTING_QUOTA_PER_*: count and bytes). One set, so uploading
 * cannot double what a visitor keeps; the 429 speaks of what the person was adding.
 */
export type QuotaItem = {
  what: "listing" | "conversation";
  /** The item's hash (keys.listing / keys.conversation) and its id. */
  key: string;
  id: string;
  /** What it counts against the byte quotas. */
  bytes: number;
  fields: Record<string, string | number>;
};

const WORDS = {
  listing: {
    code: "rate_limited:listing",
    added: (n: number) => `pasted ${n} listings`,
    whose: ["Your pasted listings", "The listings pasted from your network"],
    held: (n: number) => `${n} listing(s)`,
  },
  conversation: {
    code: "rate_limited:conversation",
    added: (n: number) => `added ${n} conversations and listings`,
    whose: ["Your conversations and listings", "The conversations and listings from your network"],
    held: (n: number) => `${n} conversation(s) and listing(s)`,
  },
} as const satisfies Record<QuotaItem["what"], { code: ErrorCode } & Record<string, unknown>>;

/**
 * Stores `item` with the listings' TTL within its caller's limits, or throws the 429 that says
 * which limit is full. The quota check and the write are one script: over a quota nothing is
 * written, and the rate-limit slot is given back.
 */
export async function storeWithinQuota(item: QuotaItem, caller: Caller): Promise<void> {
  const e = env();
  const words = WORDS[item.what];
  const [v, a] = [e.LISTING_QUOTA_PER_VISITOR, e.LISTING_QUOTA_PER_ADDRESS];
  // Larger than a whole quota: no wait would make room, so it is not a 429 with a Retry-After.
  const whole = [v, a].findIndex((q) => q.bytes > 0 && item.bytes > q.bytes);
  if (whole >= 0) throw largerThanQuota(item, whole as 0 | 1, [v, a][whole]);
  const rate = await takeAll([
    { name: "listing", window: e.LISTING_RATE_LIMIT, who: caller.owner.id },
    { name: "listing:address", window: e.LISTING_RATE_LIMIT_PER_ADDRESS, who: caller.address },
  ]);
  if (!rate.ok) {
    const who = rate.refused === 0 ? "You have" : "Your network has";
    const { requests, seconds } = rate.window;
    const message =
      `${who} ${words.added(requests)} in the last ${seconds} s, the most we allow. ` +
      `Try again in ${rate.waitS} s.`;
    throw new AppError(words.code, message, { "retry-after": String(rate.waitS) });
  }
  const now = Date.now();
  const { outcome, values } = await CREATE_LISTING.run({
    keys: {
      listing: item.key,
      ownerListings: keys.ownerListings(caller.owner.id),
      addressListings: keys.addressListings(caller.address),
    },
    args: {
      listingId: item.id,
      now,
      listingTtl: ttl.listing,
      size: item.bytes,
      visitorMaxCount: v.count,
      visitorMaxBytes: v.bytes,
      addressMaxCount: a.count,
      addressMaxBytes: a.bytes,
    },
    rest: Object.entries(item.fields).flatMap(([k, x]) => [k, String(x)]),
  });
  if (outcome === "stored") return;
  await rate.giveBack();
  const visitorFull = outcome === "visitor_full";
  const [count, bytes, oldest] = values.map(Number);
  const used = { count, bytes, oldest };
  throw quotaFull(item.what, visitorFull ? 0 : 1, used, visitorFull ? v : a, now);
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

type Usage = { count: number; bytes: number; oldest: number };
type Quota = { count: number; bytes: number };

function largerThanQuota(item: QuotaItem, whose: 0 | 1, quota: Quota): AppError {
  const holders = WORDS[item.what].whose[whose].replace(/^\w/, (c) => c.toLowerCase());
  const message =
    `This ${item.what} (${mb(item.bytes)}) is larger than the ${mb(quota.bytes)} ` +
    `that ${holders} may hold together.`;
  const code = item.what === "listing" ? "payload_too_large:body" : "payload_too_large:file";
  return new AppError(code, message);
}

/** `whose`: 0 the visitor's quota, 1 the address's. */
function quotaFull(what: QuotaItem["what"], whose: 0 | 1, used: Usage, quota: Quota, now: number) {
  const words = WORDS[what];
  const waitS = Math.max(1, Math.ceil((used.oldest + ttl.listing * 1000 - now) / 1000));
  const message =
    `${words.whose[whose]} already hold ${words.held(used.count)}, ${mb(used.bytes)} ` +
    `(at most ${quota.count} and ${mb(quota.bytes)} are kept, each for 7 days). ` +
    `The oldest expires in ${Math.ceil(waitS / 3600)} h.`;
  return new AppError(words.code, message, { "retry-after": String(waitS) });
}
