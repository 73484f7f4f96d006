/**
 * Metric buckets: one Redis hash per UTC minute and one per UTC hour, every counter written to
 * both (minute buckets answer "the last hour", hour buckets "the last 90 days"). Field names:
 *
 *   started, started:{type}, succeeded:{type}, failed:{type}, canceled:{type}   jobs
 *   deduplicated, retried, deliveries, cacheHits, polls, errors, errors:{category}
 *   inputFailed, inputErrors        failures the person's input caused (lib/telemetry/error-codes.ts):
 *                                   inputFailed is also in failed:{type}; inputErrors is not in errors
 *   dur:{type}:n | :sum | :b{i}     end-to-end duration of succeeded jobs (start → result), ms
 *   wait:n | wait:sum | wait:b{i}   queue wait (start → first step), ms
 *   api:n | api:ms                  the app's own API routes (start, status, cancel): count, total ms
 *   tokIn:{model}, tokOut:{model}, cost:{model}   tokens in results, and their estimated cost in micro-USD
 *   billed:{model}, billedCost:{model}   tokens the provider billed (cut-off, cancelled and repeated
 *                                   calls too), and their cost (the extra priced as input: a floor)
 *
 * `b{i}` counts values ≤ HISTOGRAM_BOUNDS_MS[i - 1] (b{n+1}: above the last bound): enough to
 * estimate p50/p95 within a bucket's width without storing every value.
 */
export const HISTOGRAM_BOUNDS_MS = [
  250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000,
] as const;

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-12-01T07:05" for the UTC minute of `ms`. */
export function minuteId(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "2026-12-01T07" for the UTC hour of `ms`. */
export function hourId(ms: number): string {
  return minuteId(ms).slice(0, 13);
}

/** "2026-12-01" for the UTC day of `ms`. */
export function dayId(ms: number): string {
  return minuteId(ms).slice(0, 10);
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Lua helpers every script that counts something shares (spliced in after the script's named
 * inputs): `bump({field, n, …})` adds to the minute and hour buckets and renews their TTLs;
 * `observe(fields, name, ms)` adds a duration to a histogram (`bucket(ms)` is its index). Reads
 * the host's locals minuteMetricsKey, hourMetricsKey, minuteTtl and hourTtl (s).
 */
export const METRICS_LUA = `-- needs: minuteMetricsKey, hourMetricsKey, minuteTtl, hourTtl
local function bump(fields)
  for i = 1, #fields, 2 do
    redis.call('HINCRBY', minuteMetricsKey, fields[i], fields[i + 1])
    redis.call('HINCRBY', hourMetricsKey, fields[i], fields[i + 1])
  end
  redis.call('EXPIRE', minuteMetricsKey, minuteTtl)
  redis.call('EXPIRE', hourMetricsKey, hourTtl)
end
local bounds = {${HISTOGRAM_BOUNDS_MS.join(", ")}}
local function bucket(ms)
  for i = 1, #bounds do if ms <= bounds[i] then return i end end
  return #bounds + 1
end
local function observe(fields, name, ms)
  ms = math.max(0, math.floor(ms))
  table.insert(fields, name .. ':n'); table.insert(fields, 1)
  table.insert(fields, name .. ':sum'); table.insert(fields, ms)
  table.insert(fields, name .. ':b' .. bucket(ms)); table.insert(fields, 1)
end
`;
