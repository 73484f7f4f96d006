import "server-only";
import { createHmac } from "node:crypto";
import { env } from "@/lib/env";

/**
 * The owner id as ops data shows it: a keyed hash (HMAC with SESSION_SECRET), stable per
 * visitor so an operator can tell "one visitor, many failures" from "many visitors", but never
 * the session id itself, which would let whoever reads ops data act as that visitor.
 */
export function visitorHash(owner: string): string {
  return `vh_${createHmac("sha256", env().SESSION_SECRET).update(`ops-analytics:${owner}`).digest("base64url").slice(0, 12)}`;
}
