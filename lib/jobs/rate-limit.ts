import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { Caller } from "@/lib/limits/caller";
import { takeAll } from "@/lib/limits/limiter";

/** Slots taken for new work (given back, all or `n`, when it turned out not to be new), or the 429 to answer. */
export type StartSlot =
  | { ok: true; giveBack(n?: number): Promise<void> }
  | { ok: false; error: AppError };

/**
 * Limits on starting new analyses, per visitor (START_RATE_LIMIT) and per client address
 * (START_RATE_LIMIT_PER_ADDRESS, which fresh cookies do not reset), by @upstash/ratelimit: one
 * script per limit. A retry counts as a start, a batch as one start per child. Only work that is
 * new counts: a duplicate of a live job, or an answer from the result cache, gives its slot back
 * (a refund, which the sliding window never refuses). Checked after the request is validated, so
 * bad input neither counts nor writes. The 429 says which limit was reached and what it counts.
 */
export async function takeStartSlot(caller: Caller, cost = 1): Promise<StartSlot> {
  const e = env();
  const taken = await takeAll([
    { name: "start", window: e.START_RATE_LIMIT, who: caller.owner.id, cost },
    { name: "start:address", window: e.START_RATE_LIMIT_PER_ADDRESS, who: caller.address, cost },
  ]);
  if (taken.ok) return taken;
  const { requests, seconds } = taken.window;
  const who = taken.refused === 0 ? "You have" : "Your network has";
  const cap = taken.refused === 0 ? "the most we allow" : "the most we allow from one network";
  return {
    ok: false,
    error: new AppError(
      "rate_limited:start",
      `${who} started ${requests} new analyses in the last ${seconds} s, ${cap} (opening one that is already running or finished does not count${cost > 1 ? `; this batch would start ${cost}` : ""}). Try again in ${taken.waitS} s.`,
      { "retry-after": String(taken.waitS) },
    ),
  };
}
