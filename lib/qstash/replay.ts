import "server-only";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import type { SignatureId } from "@/lib/qstash/verify";

/** A token that is already past its expiry still holds its place a little, for clocks that differ, in ms. */
const CLOCK_SLACK_MS = 60_000;

/** How long the id of a verified token must be remembered, in ms: until it could no longer verify. */
export function rememberForMs(signature: SignatureId, now = Date.now()): number {
  return Math.max(1_000, signature.expiresAt - now + CLOCK_SLACK_MS);
}

/**
 * Claims a verified delivery's token id (jti) until the token expires: true the first time,
 * false for a replay of the same signed request. QStash signs every attempt anew, so its own
 * retries and redeliveries are never refused. One SET NX. (The consume route claims it inside
 * its lease script instead, with no command of its own.)
 */
export async function claimSignature(signature: SignatureId | null): Promise<boolean> {
  if (!signature) return true;
  const set = await redis().set(keys.seenSignature(signature.id), "1", {
    nx: true,
    px: rememberForMs(signature),
  });
  return set === "OK";
}
