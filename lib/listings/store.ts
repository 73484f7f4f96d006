import "server-only";
import { customAlphabet } from "nanoid";
import { catalog } from "@/lib/listings/catalog";
import { listingIdSchema, type Listing, type ListingSummary, type NewListing } from "@/lib/listings/schema";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { Caller } from "@/lib/limits/caller";
import { takeAll } from "@/lib/limits/limiter";
import { CREATE_LISTING } from "@/lib/listings/scripts";
import { keys, ttl } from "@/lib/redis/keys";
import { hgetallRecord } from "@/lib/redis/client";

// URL- and key-safe ids without "-" or "_" at the edges, so they read well in the data browser.
const newId = customAlphabet("0123456789abcdefghijklmnopqrstuvwxyz", 12);

export function summarize(listing: Listing): ListingSummary {
  const flat = listing.text.replace(/\s+/g, " ").trim();
  return {
    id: listing.id,
    title: listing.title,
    source: listing.source,
    chars: listing.text.length,
    excerpt: flat.length > 160 ? `${flat.slice(0, 157)}…` : flat,
  };
}

export function listCatalog(): ListingSummary[] {
  return catalog.map(summarize);
}

/** A catalog listing, or a pasted one from Redis; null when unknown or expired. */
export async function getListing(id: string): Promise<Listing | null> {
  if (!listingIdSchema.safeParse(id).success) return null;
  const fromCatalog = catalog.find((l) => l.id === id);
  if (fromCatalog) return fromCatalog;
  const hash = await hgetallRecord(keys.listing(id));
  if (!hash?.text) return null;
  return { id, title: hash.title ?? "Untitled", text: hash.text, source: "pasted" };
}

/** A listing that exists, or the 404 a person is answered with. */
export async function requireListing(listingId: string): Promise<Listing> {
  const listing = await getListing(listingId);
  if (!listing) throw new AppError("not_found:listing", `No listing with the id ${listingId} (pasted listings expire after 7 days).`);
  return listing;
}

/**
 * Stores a pasted listing with its TTL, within its caller's limits: how many listings the visitor
 * and the client address may paste per window (LISTING_RATE_LIMIT*), and how much the ones still
 * kept may hold (LISTING_QUOTA_PER_*: count and bytes). The quota check and the write are one
 * script: over a quota nothing is written.
 */
export async function createListing(input: NewListing, caller: Caller): Promise<Listing> {
  const e = env();
  const rate = await takeAll([
    { name: "listing", window: e.LISTING_RATE_LIMIT, who: caller.owner.id },
    { name: "listing:address", window: e.LISTING_RATE_LIMIT_PER_ADDRESS, who: caller.address },
  ]);
  if (!rate.ok) {
    const who = rate.refused === 0 ? "You have" : "Your network has";
    throw new AppError("rate_limited:listing", `${who} pasted ${rate.window.requests} listings in the last ${rate.window.seconds} s, the most we allow. Try again in ${rate.waitS} s.`, { "retry-after": String(rate.waitS) });
  }
  const listing: Listing = { id: `lst_${newId()}`, title: input.title, text: input.text, source: "pasted" };
  const now = Date.now();
  const bytes = Buffer.byteLength(listing.title) + Buffer.byteLength(listing.text);
  const [v, a] = [e.LISTING_QUOTA_PER_VISITOR, e.LISTING_QUOTA_PER_ADDRESS];
  const fields = { title: listing.title, text: listing.text, source: listing.source, createdAt: new Date(now).toISOString(), bytes };
  const { outcome, values } = await CREATE_LISTING.run({
    keys: {
      listing: keys.listing(listing.id), ownerListings: keys.ownerListings(caller.owner.id),
      addressListings: keys.addressListings(caller.address),
    },
    args: {
      listingId: listing.id, now, listingTtl: ttl.listing, size: bytes, visitorMaxCount: v.count,
      visitorMaxBytes: v.bytes, addressMaxCount: a.count, addressMaxBytes: a.bytes,
    },
    rest: Object.entries(fields).flatMap(([k, x]) => [k, String(x)]),
  });
  if (outcome === "stored") return listing;
  await rate.giveBack();
  const [count, used, oldest] = values.map(Number);
  const byVisitor = outcome === "visitor_full";
  const whose = byVisitor ? "Your pasted listings" : "The listings pasted from your network";
  throw quotaFull(whose, { count, bytes: used, oldest }, byVisitor ? v : a, now);
}

function quotaFull(whose: string, used: { count: number; bytes: number; oldest: number }, quota: { count: number; bytes: number }, now: number): AppError {
  const waitS = Math.max(1, Math.ceil((used.oldest + ttl.listing * 1000 - now) / 1000));
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return new AppError(
    "rate_limited:listing",
    `${whose} already hold ${used.count} listing(s), ${mb(used.bytes)} (at most ${quota.count} and ${mb(quota.bytes)} are kept, each for 7 days). The oldest expires in ${Math.ceil(waitS / 3600)} h.`,
    { "retry-after": String(waitS) },
  );
}
