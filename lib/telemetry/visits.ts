import "server-only";
import { env } from "@/lib/env";
import { keys } from "@/lib/redis/keys";
import { DAY_MS, dayId, hourId } from "@/lib/telemetry/metric-keys";
import { visitorHash } from "@/lib/telemetry/visitor";

/**
 * Visitor analytics, written inside the scripts a visitor's requests already run — the status
 * poll (POLL_JOB), the lookup by identity (FIND_JOB), a start and each child of a batch
 * (CREATE_JOB), cancel, retry, the batch poll (READ_BATCH) — so they cost no command of their own.
 * A visitor is active on a day when it made one of those requests for its own analysis that day
 * (coming back to a result counts: a poll is enough); a request refused as not its own writes
 * nothing. Days and hours are UTC. Visitors are their keyed hash (vh_…), never the owner id.
 *
 * Keys (lib/redis/keys.ts), each expiring VISITOR_RETENTION_DAYS after the end of its day:
 *   visitors:day:{YYYY-MM-DD}    HyperLogLog of the visitors active that day (12 KB at most, ±0.81 %)
 *   visitors:last:{vh}           the UTC hour ("2026-12-01T07") of the visitor's last request
 *   visitors:usage:{YYYY-MM-DD}  hash of that day's counters, fields:
 *     returning                  visitors whose first request of the day came after a request on
 *                                an earlier day within the retention window (exact)
 *     active:{HH}                visitors active in UTC hour HH (each once)
 *     starts:{HH}                analyses started in UTC hour HH
 *     type:{type}                analyses started, by type
 *     param:{type}:{name}={value}   analyses started with that param value
 * (lib/ops/visitor-summary.ts reads these fields by the same names.)
 * Weekly and monthly figures are unions (PFCOUNT) of the day HyperLogLogs, read by lib/ops/visitors.ts:
 * one PFADD per visitor and day instead of three.
 */

/** The distinct-visitor windows, in UTC days ending today (rolling, not calendar weeks or months). */
export const WEEK_DAYS = 7;
export const MONTH_DAYS = 30;

/** When the keys of `now`'s UTC day expire: VISITOR_RETENTION_DAYS after the day ends, epoch s. */
function expireAt(now: number): number {
  const dayEnd = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  return Math.floor((dayEnd + env().VISITOR_RETENTION_DAYS * DAY_MS) / 1000);
}

/**
 * What a script that records a visit takes (the names VISITS_LUA binds): the visitor's keys of
 * `now`'s day, its hash, the hour, the first day a last request still makes it returning, and
 * when the keys expire. `now` in ms; a write with an earlier `now` counts on that day.
 */
export function visitTouch(owner: string, now = Date.now()) {
  const day = dayId(now);
  const visitor = visitorHash(owner);
  return {
    keys: {
      visitorDay: keys.visitorsDay(day),
      visitorLast: keys.visitorLast(visitor),
      visitorUsage: keys.visitorsUsage(day),
    },
    args: {
      visitor,
      visitorHour: hourId(now),
      visitorSince: dayId(now - env().VISITOR_RETENTION_DAYS * DAY_MS),
      visitorExpireAt: expireAt(now),
    },
  };
}

/**
 * A param value as a usage field holds it: numbers and booleans as written, a short word as it is;
 * anything else (free text a future kind might take) as "other", so no visitor's text reaches
 * analytics and the fields stay few.
 */
function token(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  return /^[\w.-]{1,32}$/.test(value) ? value : "other";
}

/** The usage fields one start adds to (space-separated, as countUsage takes them). */
export function startUsage(
  analysisType: string,
  params: Readonly<Record<string, string | number | boolean>>,
  now = Date.now(),
): string {
  const byParam = Object.entries(params)
    .filter(([name]) => /^[\w.-]{1,40}$/.test(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `param:${analysisType}:${name}=${token(value)}`);
  return [`starts:${hourId(now).slice(11, 13)}`, `type:${analysisType}`, ...byParam].join(" ");
}
