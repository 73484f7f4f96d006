import "server-only";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";
import { ADD_METRICS } from "@/lib/telemetry/scripts";

/**
 * Counters of the app's own API traffic (status polls served, response times of start, status
 * and cancel). Counting each poll in Redis would cost a poll a second command, so they are
 * gathered in this instance's memory and ride along inside a status poll's own script (POLL_JOB)
 * at most every FLUSH_EVERY_MS — no extra command. An instance that is shut down loses at most
 * that many seconds of counts (they are operational figures).
 */
const FLUSH_EVERY_MS = 10_000;
let pending = new Map<string, number>();
let lastFlush = Date.now();

export type ApiRoute = "start" | "status" | "cancel";

export function noteApiRequest(route: ApiRoute, ms: number): void {
  add("api:n", 1);
  add("api:ms", Math.round(ms));
  if (route === "status") add("polls", 1);
}

function add(field: string, n: number) {
  pending.set(field, (pending.get(field) ?? 0) + n);
}

/**
 * The pending counters as [field, n, …] when a flush is due (or `force`), emptying them; [] when
 * none is due. A caller whose write did not happen gives them back (giveBackCounts).
 */
export function takeDueCounts(force = false): Array<string | number> {
  if (pending.size === 0 || (!force && Date.now() - lastFlush < FLUSH_EVERY_MS)) return [];
  const out = [...pending].flat();
  pending = new Map();
  lastFlush = Date.now();
  return out;
}

/** Counters taken but not written (the poll was refused, or failed): counted with a later write. */
export function giveBackCounts(fields: Array<string | number>): void {
  for (let i = 0; i + 1 < fields.length; i += 2) add(String(fields[i]), Number(fields[i + 1]));
}

/** Writes whatever is pending now (the ops pages call this before reading metrics). */
export async function flushApiStats(): Promise<void> {
  const due = takeDueCounts(true);
  if (due.length === 0) return;
  try {
    await ADD_METRICS.run({ keys: metricKeys(), args: metricTtls(), rest: due });
  } catch (error) {
    giveBackCounts(due);
    throw error;
  }
}

/**
 * Wraps an API route handler so its response time is counted — for requests it served (below
 * 400), not ones it rejected: bad input must not move the figures an operator alerts on.
 */
export function timed<Args extends unknown[]>(
  route: ApiRoute,
  handler: (...args: Args) => Promise<Response>,
) {
  return async (...args: Args): Promise<Response> => {
    const started = performance.now();
    const res = await handler(...args);
    if (res.status < 400) noteApiRequest(route, performance.now() - started);
    return res;
  };
}
