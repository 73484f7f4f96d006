import "server-only";
import { kinds } from "@/lib/kinds";
import { pairsToRecord } from "@/lib/redis/script";
import { HOUR_MS, hourId, MINUTE_MS, minuteId } from "@/lib/telemetry/metric-keys";
import { flushApiStats } from "@/lib/telemetry/request-stats";
import { summarize, type Bucket } from "@/lib/ops/summarize";
import { READ_HASHES } from "@/lib/ops/scripts";
import { keys } from "@/lib/redis/keys";

/** Windows up to this long read minute buckets; longer ones read hour buckets. */
const MINUTE_WINDOW_MAX = 360;

/** The buckets covering the last `windowMinutes` (oldest first), in one script (one command). */
export async function readBuckets(
  windowMinutes: number,
  now = Date.now(),
): Promise<{ buckets: Bucket[]; resolution: "minute" | "hour" }> {
  await flushApiStats().catch(() => {});
  const resolution = windowMinutes <= MINUTE_WINDOW_MAX ? "minute" : "hour";
  const step = resolution === "minute" ? MINUTE_MS : HOUR_MS;
  const n = Math.max(1, Math.ceil((windowMinutes * MINUTE_MS) / step));
  const last = Math.floor(now / step) * step;
  const starts = Array.from({ length: n }, (_, i) => last - (n - 1 - i) * step);
  const bucketKeys = starts.map((t) =>
    resolution === "minute" ? keys.metricsMinute(minuteId(t)) : keys.metricsHour(hourId(t)),
  );
  const replies = (await READ_HASHES.run({ keys: {}, args: {}, keyRest: bucketKeys })) as unknown[];
  const buckets = starts.map((t, i) => {
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(pairsToRecord(replies[i]))) fields[k] = Number(v) || 0;
    return { t, fields };
  });
  return { buckets, resolution };
}

export async function readMetrics(windowMinutes: number, now = Date.now()) {
  const { buckets, resolution } = await readBuckets(windowMinutes, now);
  return summarize(
    buckets,
    windowMinutes,
    resolution,
    kinds.all.map((k) => k.kind),
  );
}
