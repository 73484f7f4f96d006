import { createHash } from "node:crypto";
import type { JobInput, Params } from "@/lib/jobs/schema";

/** A flat map with keys sorted, so `{a,b}` and `{b,a}` are the same analysis. */
export function canonicalParams(params: Params | JobInput): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/**
 * The dedupe identity of a start beyond its kind: owner, canonical input and canonical params,
 * hashed so the key stays short and holds no raw owner id (16 hex chars of SHA-256).
 */
export function identityHash(owner: string, input: JobInput, params: Params): string {
  return createHash("sha256")
    .update(`${owner}\n${canonicalParams(input)}\n${canonicalParams(params)}`)
    .digest("hex")
    .slice(0, 16);
}

/**
 * What makes two jobs identical for the result cache, whoever asks: the content the kind's
 * result depends on (a listing's title and text, not its id: a re-pasted listing hits too), the
 * model and the canonical params.
 */
export function resultHash(content: string, model: string, params: Params): string {
  return createHash("sha256")
    .update(`${content}\n${model}\n${canonicalParams(params)}`)
    .digest("hex")
    .slice(0, 24);
}
