import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { take } from "@/lib/limits/limiter";
import { log } from "@/lib/telemetry/log";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";
import { ADD_METRICS } from "@/lib/telemetry/scripts";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/**
 * The door of /ops against guessing. Each wrong operator token costs the client address one
 * slot of OPS_AUTH_LIMIT (past it: 429 with Retry-After) and of OPS_LOCKOUT (past it: the
 * address is locked out for that window, whatever it sends, and the lockout is counted as
 * `opsLockouts` in the metrics, which the "ops sign-in lockout" alert reads). `address` is the
 * keyed hash of the client address, never the address.
 */

/** The answer to a locked-out address. */
export const lockoutError = (waitS: number) =>
  new AppError(
    "rate_limited:ops",
    `Too many wrong operator tokens from your network: sign-in is locked for ${Math.ceil(waitS / 60)} more minute(s).`,
    { "retry-after": String(waitS) },
  );

/** Seconds the address is still locked out (0: it is not). One PTTL. */
export async function lockedOutFor(address: string): Promise<number> {
  if (!env().OPS_LOCKOUT) return 0;
  const ms = Number(await redis().pttl(keys.opsLockout(address)));
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** Counts a wrong token from `address`; returns the error to answer it with. */
export async function countFailure(address: string): Promise<AppError> {
  const e = env();
  const lockout = await take("ops:lockout", e.OPS_LOCKOUT, address);
  if (!lockout.ok) {
    const seconds = lockout.window.seconds;
    await redis().set(keys.opsLockout(address), "1", { ex: seconds });
    const now = Date.now();
    await ADD_METRICS.run({
      keys: metricKeys(now),
      args: metricTtls(),
      rest: ["opsLockouts", 1],
    }).catch(() => {});
    log("error", "ops_lockout", {
      address,
      failures: lockout.window.requests,
      lockedForS: seconds,
    });
    return lockoutError(seconds);
  }
  const burst = await take("ops:failure", e.OPS_AUTH_LIMIT, address);
  if (!burst.ok) {
    return new AppError(
      "rate_limited:ops",
      `Too many wrong operator tokens from your network (${burst.window.requests} in ${burst.window.seconds} s). Try again in ${burst.waitS} s.`,
      { "retry-after": String(burst.waitS) },
    );
  }
  return new AppError("unauthorized:ops", "That is not the operator token.");
}
