import { errorCategories } from "@/lib/jobs/schema";
import { HISTOGRAM_BOUNDS_MS } from "@/lib/telemetry/metric-keys";
import type { Counters, ModelUsage, OpsOverview, Percentiles, SeriesPoint } from "@/lib/ops/types";

/** One metric bucket as read: its start time and its counters. */
export type Bucket = { t: number; fields: Record<string, number> };

const sumOf = (buckets: Bucket[], field: string) =>
  buckets.reduce((n, b) => n + (b.fields[field] ?? 0), 0);
const byPrefix = (b: Bucket, prefix: string) =>
  Object.entries(b.fields).reduce((n, [k, v]) => (k.startsWith(prefix) ? n + v : n), 0);

/**
 * p50/p95 of a histogram series `name` (fields name:n, name:sum, name:b{i}) over the buckets,
 * interpolated linearly inside the bucket the percentile falls in; avg is exact.
 */
export function percentiles(buckets: Bucket[], name: string): Percentiles | null {
  const count = sumOf(buckets, `${name}:n`);
  if (count === 0) return null;
  const hist = HISTOGRAM_BOUNDS_MS.map((_, i) => sumOf(buckets, `${name}:b${i + 1}`));
  hist.push(sumOf(buckets, `${name}:b${HISTOGRAM_BOUNDS_MS.length + 1}`));
  const at = (q: number) => {
    const rank = q * count;
    let seen = 0;
    for (let i = 0; i < hist.length; i++) {
      if (hist[i] > 0 && seen + hist[i] >= rank) {
        const lo = i === 0 ? 0 : HISTOGRAM_BOUNDS_MS[i - 1];
        const hi = HISTOGRAM_BOUNDS_MS[i] ?? HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1];
        return Math.round(lo + ((hi - lo) * (rank - seen)) / hist[i]);
      }
      seen += hist[i];
    }
    return HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1];
  };
  return {
    p50: at(0.5),
    p95: at(0.95),
    avg: Math.round(sumOf(buckets, `${name}:sum`) / count),
    count,
  };
}

/** Every duration histogram of every analysis type, merged into one (fields renamed "dur:*"). */
function allDurations(buckets: Bucket[]): Bucket[] {
  return buckets.map((b) => {
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(b.fields)) {
      const m = /^dur:[^:]+:(.+)$/.exec(k);
      if (m) fields[`dur:${m[1]}`] = (fields[`dur:${m[1]}`] ?? 0) + v;
    }
    return { t: b.t, fields };
  });
}

function counters(buckets: Bucket[]): Counters {
  const prefixed = (p: string) => buckets.reduce((n, b) => n + byPrefix(b, p), 0);
  return {
    started: sumOf(buckets, "started"),
    succeeded: prefixed("succeeded:"),
    failed: prefixed("failed:"),
    canceled: prefixed("canceled:"),
    deduplicated: sumOf(buckets, "deduplicated"),
    retried: sumOf(buckets, "retried"),
    cacheHits: sumOf(buckets, "cacheHits"),
    polls: sumOf(buckets, "polls"),
    errors: sumOf(buckets, "errors"),
    deliveries: sumOf(buckets, "deliveries"),
    inputFailed: sumOf(buckets, "inputFailed"),
    inputErrors: sumOf(buckets, "inputErrors"),
  };
}

/** The jobs the service itself ended well or badly: those the person's input failed left out. */
export const endedByService = (c: Counters) => c.succeeded + c.failed - c.inputFailed;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The metric part of the overview from its buckets (oldest first); `live` and `alerts` come from elsewhere. */
/** The job types a window's counters name (`started:{type}`…), in name order. */
function typesIn(buckets: Bucket[]): string[] {
  const seen = new Set<string>();
  for (const b of buckets)
    for (const field of Object.keys(b.fields)) {
      const m = /^(?:started|succeeded|failed|canceled):(.+)$/.exec(field);
      if (m) seen.add(m[1]);
    }
  return [...seen].sort();
}

/** `types`: the job types to report even when idle (the registered kinds); others seen are added. */
export function summarize(
  buckets: Bucket[],
  windowMinutes: number,
  resolution: "minute" | "hour",
  types: readonly string[] = [],
): Omit<
  OpsOverview,
  "live" | "alerts" | "alertHistory" | "alertWebhook" | "generatedAt" | "budget"
> {
  const totals = counters(buckets);
  const merged = allDurations(buckets);
  const apiN = sumOf(buckets, "api:n");
  const models = new Set(
    buckets.flatMap((b) =>
      Object.keys(b.fields)
        .filter((k) => k.startsWith("tokIn:"))
        .map((k) => k.slice(6)),
    ),
  );
  const tokens: ModelUsage[] = [...models].sort().map((model) => ({
    model,
    inputTokens: sumOf(buckets, `tokIn:${model}`),
    outputTokens: sumOf(buckets, `tokOut:${model}`),
    costUsd: sumOf(buckets, `cost:${model}`) / 1e6,
    billedTokens: sumOf(buckets, `billed:${model}`),
    billedCostUsd: sumOf(buckets, `billedCost:${model}`) / 1e6,
  }));
  const series: SeriesPoint[] = buckets.map((b, i) => {
    const c = counters([b]);
    return {
      t: b.t,
      ...c,
      durationMs: percentiles([merged[i]], "dur"),
      errorRate: ratio(c.failed - c.inputFailed, endedByService(c)),
    };
  });
  return {
    windowMinutes,
    resolution,
    totals,
    successRate: ratio(totals.succeeded, endedByService(totals)),
    errorRate: totals.deliveries > 0 ? Math.min(1, totals.errors / totals.deliveries) : null,
    throughputPerMin: (totals.succeeded + totals.failed + totals.canceled) / windowMinutes,
    durationMs: percentiles(merged, "dur"),
    queueWaitMs: percentiles(buckets, "wait"),
    apiResponseMs:
      apiN > 0 ? { avg: Math.round(sumOf(buckets, "api:ms") / apiN), count: apiN } : null,
    byType: [...new Set([...types, ...typesIn(buckets)])].map((analysisType) => ({
      analysisType,
      started: sumOf(buckets, `started:${analysisType}`),
      succeeded: sumOf(buckets, `succeeded:${analysisType}`),
      failed: sumOf(buckets, `failed:${analysisType}`),
      canceled: sumOf(buckets, `canceled:${analysisType}`),
      durationMs: percentiles(buckets, `dur:${analysisType}`),
    })),
    tokens,
    providerFaults: sumOf(buckets, "providerFaults"),
    errorsByCategory: Object.fromEntries(
      errorCategories
        .map((c) => [c, sumOf(buckets, `errors:${c}`)])
        .filter(([, n]) => Number(n) > 0),
    ),
    series,
  };
}
