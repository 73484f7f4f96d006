import "server-only";
import { qstash } from "@/lib/qstash/client";

/** How long one answer about a flow-control key is trusted, in ms: stale polls ask at most this often. */
const FRESH_MS = 10_000;
const answers = new Map<string, { at: number; waiting: boolean }>();

/**
 * Do deliveries wait in QStash's flow control under `key` (its waitlist is not empty)? A queued
 * job in a long backlog looks idle from Redis but has a message on its way; reviving it would
 * only add a message to the same queue. One QStash API call per key per FRESH_MS (not a
 * message); when QStash cannot say, the answer is false, so a lost job is still revived.
 */
export async function flowHasWaiting(key: string, now = Date.now()): Promise<boolean> {
  const known = answers.get(key);
  if (known && now - known.at < FRESH_MS) return known.waiting;
  let waiting = false;
  try {
    waiting = (await qstash().flowControl.get(key)).waitListSize > 0;
  } catch {
    // Unknown key (nothing waits), an older QStash, or QStash unreachable: revive as if empty.
  }
  answers.set(key, { at: now, waiting });
  return waiting;
}
