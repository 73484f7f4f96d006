import { createHash } from "node:crypto";
import type { Params } from "@/lib/jobs/schema";

/** Params with keys sorted, so `{a,b}` and `{b,a}` are the same analysis. */
export function canonicalParams(params: Params): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * The dedupe identity of a start beyond listing and type: owner and canonical params, hashed so
 * the key stays short and holds no raw owner id (16 hex chars of SHA-256).
 */
export function identityHash(owner: string, params: Params): string {
  return createHash("sha256").update(`${owner}\n${canonicalParams(params)}`).digest("hex").slice(0, 16);
}

/**
 * What makes two analyses identical for the result cache, whoever asks: the listing's content
 * (title and text, not its id: a re-pasted listing hits too), the model and the canonical params.
 */
export function resultHash(listing: { title: string; text: string }, model: string, params: Params): string {
  return createHash("sha256").update(`${listing.title}\n${listing.text}\n${model}\n${canonicalParams(params)}`).digest("hex").slice(0, 24);
}
