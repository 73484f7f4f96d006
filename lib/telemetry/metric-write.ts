import "server-only";
import { env } from "@/lib/env";
import { keys } from "@/lib/redis/keys";
import { hourId, minuteId } from "@/lib/telemetry/metric-keys";
import { pricePerMTok } from "@/lib/telemetry/pricing";

/** The minute and hour metric buckets for `now`: the KEYS a counting script is given. */
export function metricKeys(now = Date.now()): [string, string] {
  return [keys.metricsMinute(minuteId(now)), keys.metricsHour(hourId(now))];
}

/** TTLs of the minute and hour buckets, in seconds (retention by TTL, configurable). */
export function metricTtls(): [number, number] {
  const e = env();
  return [e.METRICS_MINUTE_RETENTION_DAYS * 86_400, e.METRICS_HOUR_RETENTION_DAYS * 86_400];
}

/** The configured model and its prices, as FINISH_JOB takes them. */
export function modelPricing(): [string, number, number] {
  const model = env().OPENAI_MODEL;
  return [model, ...pricePerMTok(model)];
}
