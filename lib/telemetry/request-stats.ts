import "server-only";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";
import { ADD_METRICS } from "@/lib/telemetry/scripts";
import { hgetallRecord, redis } from "@/lib/redis/client";
import { pairsToRecord } from "@/lib/redis/script";

/**
 * Counters of the app's own API traffic (status polls served, response times of start, status
 * and cancel). Counting each poll in Redis would double the commands a poll costs, so they are
 * gathered in this instance's memory and ride along with a status read at most every
 * FLUSH_EVERY_MS — the same round trip, one extra command per flush, not per poll. An instance
 * that is shut down loses at most that many seconds of counts (they are operational figures).
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

/** The pending counters as [field, n, …] when a flush is due (or `force`), emptying them. */
function takeDue(force = false): Array<string | number> | null {
  if (pending.size === 0 || (!force && Date.now() - lastFlush < FLUSH_EVERY_MS)) return null;
  const out = [...pending].flat();
  pending = new Map();
  lastFlush = Date.now();
  return out;
}

function giveBack(fields: Array<string | number>) {
  for (let i = 0; i + 1 < fields.length; i += 2) add(String(fields[i]), Number(fields[i + 1]));
}

/**
 * HGETALL of a job hash (null when missing) for a status poll by `owner`, carrying the pending
 * counters when a flush is due. The counters are only written if the poll is not being rejected
 * (the job exists and is this owner's): a rejected request writes nothing; they wait for the next.
 */
export async function hgetallCounting(
  key: string,
  owner: string,
): Promise<Record<string, string> | null> {
  const due = takeDue();
  if (!due) return hgetallRecord(key);
  const pipe = redis().pipeline();
  pipe.hgetall(key);
  const input = {
    keys: { ...metricKeys(), polledJob: key },
    args: { ...metricTtls(), pollOwner: owner },
    rest: due,
  };
  pipe.eval(ADD_METRICS.lua, ...ADD_METRICS.lists(input));
  const [hash, added] = await pipe.exec({ keepErrors: true });
  if (added.error || ADD_METRICS.decode(added.result).outcome !== "added") giveBack(due);
  if (hash.error) throw new Error(`HGETALL failed: ${hash.error}`);
  const record = pairsToRecord(hash.result);
  return Object.keys(record).length ? record : null;
}

/** Writes whatever is pending now (the ops pages call this before reading metrics). */
export async function flushApiStats(): Promise<void> {
  const due = takeDue(true);
  if (!due) return;
  try {
    await ADD_METRICS.run({
      keys: { ...metricKeys(), polledJob: "" },
      args: { ...metricTtls(), pollOwner: "" },
      rest: due,
    });
  } catch (error) {
    giveBack(due);
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
