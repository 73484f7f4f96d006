import "server-only";
import { env } from "@/lib/env";
import { flowControl } from "@/lib/jobs/publish";
import { redis } from "@/lib/redis/client";
import { keys, ttl } from "@/lib/redis/keys";

/**
 * An operator's pause of a flow-control key (from /ops, lib/ops/flow.ts) and what it means for
 * the jobs that wait behind it. While a key is paused QStash holds every consume delivery under
 * it: the jobs wait, on purpose. That wait is the operator's, not an outage's, so it does not
 * count against JOB_MAX_AGE_MS: once resumed, a job queued 40 minutes behind a 35-minute pause
 * runs instead of failing "could not finish within 30 minutes". Only the latest pause of a key
 * is remembered, and only one made through tabsafe (a pause from the Upstash console leaves no
 * record: its wait counts). Times are epoch ms.
 */
export type PauseRecord = { pausedAt: number; resumedAt: number | null };

function parse(raw: unknown): PauseRecord | null {
  if (typeof raw !== "string") return null;
  try {
    const v = JSON.parse(raw) as Partial<PauseRecord>;
    if (typeof v.pausedAt !== "number") return null;
    return {
      pausedAt: v.pausedAt,
      resumedAt: typeof v.resumedAt === "number" ? v.resumedAt : null,
    };
  } catch {
    return null;
  }
}

/** The pause records of `flowKeys` (one MGET), by key; a key without one is absent. */
export async function readPauses(flowKeys: string[]): Promise<Map<string, PauseRecord>> {
  const out = new Map<string, PauseRecord>();
  if (!flowKeys.length) return out;
  const raw = await redis().mget<unknown[]>(...flowKeys.map((k) => keys.flowPause(k)));
  flowKeys.forEach((k, i) => {
    const record = parse(raw[i]);
    if (record) out.set(k, record);
  });
  return out;
}

/** Notes that `flowKey` was paused at `now` (one SET). */
export async function notePaused(flowKey: string, now = Date.now()): Promise<void> {
  const record: PauseRecord = { pausedAt: now, resumedAt: null };
  await redis().set(keys.flowPause(flowKey), JSON.stringify(record), { ex: ttl.flowPaused });
}

/** Closes the pause `open` of `flowKey` at `now` (one SET); kept while its waiters are delivered. */
export async function noteResumed(
  flowKey: string,
  open: PauseRecord,
  now = Date.now(),
): Promise<void> {
  const record: PauseRecord = { pausedAt: open.pausedAt, resumedAt: now };
  const keepS = Math.max(ttl.flowResumed, Math.ceil((2 * env().JOB_MAX_AGE_MS) / 1000));
  await redis().set(keys.flowPause(flowKey), JSON.stringify(record), { ex: keepS });
}

/** How much of [from, to] the pause covers, in ms (a pause not resumed yet lasts until `to`). Pure. */
export function pausedWithin(record: PauseRecord | undefined, from: number, to: number): number {
  if (!record) return 0;
  const end = Math.min(to, record.resumedAt ?? to);
  return Math.max(0, end - Math.max(from, record.pausedAt));
}

/**
 * Is a job queued at `enqueuedAt` over JOB_MAX_AGE_MS, its wait behind a pause of the app's flow
 * not counted? Costs nothing for a job within the bound; one GET for one past it.
 */
export async function overMaxAge(enqueuedAt: number, now = Date.now()): Promise<boolean> {
  const maxAgeMs = env().JOB_MAX_AGE_MS;
  if (now - enqueuedAt <= maxAgeMs) return false;
  return now - enqueuedAt - (await pauseCredit(enqueuedAt, now)) > maxAgeMs;
}

/** The part of [enqueuedAt, now] the app's flow was paused from /ops, in ms; 0 when unknown. */
export async function pauseCredit(enqueuedAt: number, now = Date.now()): Promise<number> {
  const flow = flowControl();
  if (!flow) return 0;
  // Unknown is no credit: the job is judged as it was before pauses existed.
  const pauses = await readPauses([flow.key]).catch(() => new Map<string, PauseRecord>());
  return pausedWithin(pauses.get(flow.key), enqueuedAt, now);
}
