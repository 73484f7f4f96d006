import "server-only";
import { Ratelimit } from "@upstash/ratelimit";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

let limiter: Ratelimit | null | undefined;

/**
 * Per-visitor limit on starting analyses (START_RATE_LIMIT, a sliding window by
 * @upstash/ratelimit: one script per check). Checked after the request is validated, so bad
 * input neither counts nor writes. Over the limit: 429 with Retry-After and a clear message.
 */
export async function checkStartLimit(owner: string): Promise<void> {
  const config = env().START_RATE_LIMIT;
  if (!config) return;
  limiter ??= new Ratelimit({
    redis: redis(),
    limiter: Ratelimit.slidingWindow(config.requests, `${config.seconds} s`),
    prefix: keys.rateLimitPrefix(),
    analytics: false,
  });
  const { success, reset } = await limiter.limit(owner);
  if (success) return;
  const waitS = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
  throw new AppError(
    "rate_limited:start",
    `You have started ${config.requests} analyses in the last ${config.seconds} s, the most we allow. Try again in ${waitS} s.`,
    { "retry-after": String(waitS) },
  );
}
