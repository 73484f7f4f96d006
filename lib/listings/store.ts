import "server-only";
import { customAlphabet } from "nanoid";
import { catalog } from "@/lib/listings/catalog";
import {
  listingIdSchema,
  type Listing,
  type ListingSummary,
  type NewListing,
} from "@/lib/listings/schema";
import type { Caller } from "@/lib/limits/caller";
import { storeWithinQuota } from "@/lib/listings/quota";
import { AppError } from "@/lib/errors";
import { keys } from "@/lib/redis/keys";
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
  if (!listing)
    throw new AppError(
      "not_found:listing",
      `No listing with the id ${listingId} (pasted listings expire after 7 days).`,
    );
  return listing;
}

/**
 * Stores a pasted listing with its TTL, within its caller's limits and quotas (shared with
 * uploaded conversations: lib/listings/quota.ts). Over a quota nothing is written.
 */
export async function createListing(input: NewListing, caller: Caller): Promise<Listing> {
  const id = `lst_${newId()}`;
  const listing: Listing = { id, title: input.title, text: input.text, source: "pasted" };
  const bytes = Buffer.byteLength(listing.title) + Buffer.byteLength(listing.text);
  const createdAt = new Date().toISOString();
  const fields = {
    title: listing.title,
    text: listing.text,
    source: listing.source,
    createdAt,
    bytes,
  };
  await storeWithinQuota({ what: "listing", key: keys.listing(id), id, bytes, fields }, caller);
  return listing;
}
