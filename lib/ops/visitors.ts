import "server-only";
import { env } from "@/lib/env";
import { keys } from "@/lib/redis/keys";
import { pairsToRecord } from "@/lib/redis/script";
import { DAY_MS, dayId } from "@/lib/telemetry/metric-keys";
import { MONTH_DAYS, WEEK_DAYS } from "@/lib/telemetry/visits";
import { READ_VISITORS } from "@/lib/ops/scripts";
import type { OpsVisitors } from "@/lib/ops/types";
import { summarizeVisitors } from "@/lib/ops/visitor-summary";

/**
 * The /ops visitors panel over the last `windowDays` UTC days ending with `now`'s (ms), in one
 * command: READ_VISITORS counts today's, the week's and the month's distinct visitors as
 * PFCOUNTs (a union over the day HyperLogLogs) and reads each day's usage hash. The writes are in
 * lib/telemetry/visits.ts.
 */
export async function readVisitors(windowDays: number, now = Date.now()): Promise<OpsVisitors> {
  const hllDays = Math.max(windowDays, MONTH_DAYS);
  const newestFirst = Array.from({ length: hllDays }, (_, i) => dayId(now - i * DAY_MS));
  const inWindow = newestFirst.slice(0, windowDays);
  const { outcome, values } = await READ_VISITORS.run({
    keys: {},
    args: { hllDays, usageDays: windowDays, weekDays: WEEK_DAYS, monthDays: MONTH_DAYS },
    keyRest: [...newestFirst.map(keys.visitorsDay), ...inWindow.map(keys.visitorsUsage)],
  });
  const [dau, wau, mau, perDay, usage] = values as [number, number, number, unknown[], unknown[]];
  const counted = outcome === "counted";
  const estimate = (n: unknown) => (counted ? Number(n) || 0 : null);
  return summarizeVisitors({
    generatedAt: now,
    windowDays,
    retentionDays: env().VISITOR_RETENTION_DAYS,
    dau: estimate(dau),
    wau: estimate(wau),
    mau: estimate(mau),
    newestFirst: inWindow.map((day, i) => ({
      day,
      active: estimate(perDay[i]),
      fields: Object.fromEntries(
        Object.entries(pairsToRecord(usage[i])).map(([k, v]) => [k, Number(v) || 0]),
      ),
    })),
  });
}
