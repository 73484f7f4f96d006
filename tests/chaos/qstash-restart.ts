import { setTimeout as sleep } from "node:timers/promises";
import {
  startQStash,
  type QStashDev,
  type QStashFaults,
  type QStashStats,
} from "../../dev/qstash/index.ts";
import type { TestStack } from "../helpers/stack.ts";

/**
 * Restarts the stack's QStash stand-in in place: stopped (its in-flight attempts are cut, nothing
 * is acknowledged), down for `downMs` (publishes fail meanwhile), then started again on the same
 * port with the same token, signing keys and Redis, so it reloads the messages, DLQ and dedupe
 * ids it persisted there and delivers what was pending — as after a QStash outage.
 *
 * `stack.qstash` is replaced by the new instance. TestStack.stop() still stops the old one (its
 * own reference), so whoever restarts must stop `stack.qstash` before stack.stop().
 */
export async function restartQStash(
  stack: TestStack,
  opts: { faults: QStashFaults; downMs: number },
): Promise<{ resumed: number; statsBefore: QStashStats }> {
  const redisUrl = stack.redis.redisUrl;
  if (!redisUrl)
    throw new Error(
      "restarting QStash in place needs a real Redis behind the stack (redis-server on PATH or REDIS_URL)",
    );
  const { port } = stack.qstash;
  const statsBefore = stack.qstash.stats();
  await stack.qstash.stop();
  await sleep(opts.downMs);
  let resumed = 0;
  const next: QStashDev = await startQStash({
    port,
    token: process.env.QSTASH_TOKEN!,
    currentSigningKey: process.env.QSTASH_CURRENT_SIGNING_KEY!,
    nextSigningKey: process.env.QSTASH_NEXT_SIGNING_KEY!,
    redisUrl,
    faults: opts.faults,
    log: (line) => {
      const m = /resumed (\d+) pending/.exec(line);
      if (m) resumed = Number(m[1]);
    },
  });
  stack.qstash = next;
  return { resumed, statsBefore };
}

/** Counters summed over every instance a run went through (sizes are the current instance's). */
export function addStats(before: QStashStats[], now: QStashStats): QStashStats {
  const sum = { ...now };
  const counters = [
    "published",
    "deduplicated",
    "attempted",
    "succeeded",
    "failed",
    "dropped",
    "duplicated",
    "cutoff",
    "callbacks",
    "canceled",
  ] as const;
  for (const s of before) for (const k of counters) sum[k] += s[k];
  return sum;
}
