import "server-only";
import { Ratelimit } from "@upstash/ratelimit";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

let limiter: Ratelimit | null | undefined;

function startLimiter(): Ratelimit | null {
  const config = env().START_RATE_LIMIT;
  if (!config) return null;
  limiter ??= new Ratelimit({
    redis: redis(),
    limiter: Ratelimit.slidingWindow(config.requests, `${config.seconds} s`),
    prefix: keys.rateLimitPrefix("start"),
    analytics: false,
  });
  return limiter;
}

/** A start's place in the visitor's limit: taken (and given back if it made no new work), or refused. */
export type StartSlot = { ok: true; giveBack(): Promise<void> } | { ok: false; error: AppError };

const free: StartSlot = { ok: true, giveBack: async () => {} };

/**
 * Per-visitor limit on starting new analyses (START_RATE_LIMIT, a sliding window by
 * @upstash/ratelimit: one script per check). Only starts that create work count: a start that
 * turns out to be a duplicate of a live job, or is answered from the result cache, gives its
 * slot back (a refund of -1, which the sliding window never refuses). Checked after the request
 * is validated, so bad input neither counts nor writes.
 */
export async function takeStartSlot(owner: string): Promise<StartSlot> {
  const config = env().START_RATE_LIMIT;
  const limit = startLimiter();
  if (!config || !limit) return free;
  const { success, reset } = await limit.limit(owner);
  if (success) return { ok: true, giveBack: () => limit.limit(owner, { rate: -1 }).then(() => {}) };
  const waitS = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
  return {
    ok: false,
    error: new AppError(
      "rate_limited:start",
      `You have started ${config.requests} new analyses in the last ${config.seconds} s, the most we allow (opening one that is already running or finished does not count). Try again in ${waitS} s.`,
      { "retry-after": String(waitS) },
    ),
  };
}

/** For a batch, which counts as one start: throws the 429 when the visitor is over the limit. */
export async function checkStartLimit(owner: string): Promise<void> {
  const slot = await takeStartSlot(owner);
  if (!slot.ok) throw slot.error;
}
