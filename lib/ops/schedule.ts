import "server-only";
import type { Schedule } from "@upstash/qstash";
import { env } from "@/lib/env";
import { TICK_PATH } from "@/lib/ops/tick-path";
import { qstash, webhookUrl } from "@/lib/qstash/client";
import { log } from "@/lib/telemetry/log";

/** Every minute, in UTC: the sweep's and the alerts' resolution. */
export const TICK_CRON = "* * * * *";

/**
 * Retries of one tick: few, because a missed tick is made up by the next minute's. A tick QStash
 * gives up on goes to the DLQ, where it is not counted as a failed job and the next tick deletes
 * it (lib/ops/maintenance.ts).
 */
const TICK_RETRIES = 1;

/** What the schedule should be, from the environment. */
function wanted() {
  return { scheduleId: env().OPS_SCHEDULE_ID, destination: webhookUrl(TICK_PATH), cron: TICK_CRON };
}

export type ScheduleSync = "off" | "created" | "updated" | "unchanged" | "paused";

/**
 * Makes QStash's maintenance schedule what this deployment wants: one `get`; when it exists with
 * the same destination, cron and retries, nothing more (a schedule an operator paused stays
 * paused — "paused"); otherwise one `create` under the chosen id, which overwrites it. Creating
 * over a paused schedule would resume it, so a paused one is paused again after the update.
 * OPS_SCHEDULE=off: nothing is asked ("off"). Throws when QStash cannot be reached.
 */
export async function syncMaintenanceSchedule(): Promise<ScheduleSync> {
  if (env().OPS_SCHEDULE === "off") return "off";
  const want = wanted();
  const schedules = qstash().schedules;
  const existing = await schedules.get(want.scheduleId).catch((error: unknown) => {
    if (isNotFound(error)) return null;
    throw error;
  });
  if (existing && isSame(existing, want)) {
    if (existing.isPaused)
      log("warn", "maintenance_schedule_paused", { scheduleId: want.scheduleId });
    return existing.isPaused ? "paused" : "unchanged";
  }
  await schedules.create({
    ...want,
    body: JSON.stringify({ tick: "maintenance" }),
    headers: { "content-type": "application/json" },
    retries: TICK_RETRIES,
    // The tick takes well under this; a hung one must not hold its QStash slot for long.
    timeout: 50,
    label: "ops-tick",
  });
  if (existing?.isPaused) await schedules.pause({ schedule: want.scheduleId });
  log("info", existing ? "maintenance_schedule_updated" : "maintenance_schedule_created", {
    scheduleId: want.scheduleId,
    destination: want.destination,
    paused: existing?.isPaused ?? false,
  });
  return existing ? "updated" : "created";
}

const isSame = (s: Schedule, want: ReturnType<typeof wanted>) =>
  s.destination === want.destination && s.cron.trim() === want.cron && s.retries === TICK_RETRIES;

const isNotFound = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { status?: number }).status === 404;

let settled: Promise<ScheduleSync> | undefined;
let lastError: string | null = null;

/**
 * syncMaintenanceSchedule once per process: the first success is kept (later calls cost
 * nothing); a failure is forgotten, so the next call (instrumentation's retry, a health read)
 * tries again. Never throws: the error is logged and kept for health.
 */
export async function ensureMaintenanceSchedule(): Promise<ScheduleSync | null> {
  settled ??= syncMaintenanceSchedule().then(
    (outcome) => {
      lastError = null;
      return outcome;
    },
    (error: unknown) => {
      settled = undefined;
      throw error;
    },
  );
  try {
    return await settled;
  } catch (error) {
    lastError = error instanceof Error ? error.message.slice(0, 200) : String(error);
    log("warn", "maintenance_schedule_unsynced", { error: lastError });
    return null;
  }
}

/** Why the last ensure failed, for health (null once one succeeded). */
export function scheduleError(): string | null {
  return lastError;
}

/** The delays between the start-up attempts after a failure, in ms. */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];

/**
 * At server start (instrumentation.ts): ensure the schedule, waiting for it at most `waitMs` so a
 * slow QStash does not hold the server back; if QStash cannot be reached, try again on unref'd
 * timers (5 s, 30 s, 2 min, 10 min). A health read also tries (it calls the memoized ensure).
 */
export async function ensureScheduleAtStart(waitMs = 3_000): Promise<void> {
  const attempt = (n: number): Promise<void> =>
    ensureMaintenanceSchedule().then((outcome) => {
      if (outcome !== null || n >= RETRY_DELAYS_MS.length) return;
      setTimeout(() => void attempt(n + 1), RETRY_DELAYS_MS[n]).unref();
    });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    attempt(0),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
