import "server-only";
import { env } from "@/lib/env";
import { keys } from "@/lib/redis/keys";
import { hourId, minuteId } from "@/lib/telemetry/metric-keys";
import { pricePerMTok } from "@/lib/telemetry/pricing";

/**
 * The minute and hour metric buckets for `now`: the keys a counting script is given, by the
 * names its Lua binds (METRICS_LUA in lib/telemetry/metric-keys.ts).
 */
export function metricKeys(now = Date.now()): { minuteMetrics: string; hourMetrics: string } {
  return {
    minuteMetrics: keys.metricsMinute(minuteId(now)),
    hourMetrics: keys.metricsHour(hourId(now)),
  };
}

/** TTLs of the minute and hour buckets, in seconds (retention by TTL, configurable). */
export function metricTtls(): { minuteTtl: number; hourTtl: number } {
  const e = env();
  return {
    minuteTtl: e.METRICS_MINUTE_RETENTION_DAYS * 86_400,
    hourTtl: e.METRICS_HOUR_RETENTION_DAYS * 86_400,
  };
}

/** The configured model and its prices (USD per 1M tokens), as FINISH_JOB takes them. */
export function modelPricing() {
  const model = env().OPENAI_MODEL;
  const [inputUsdPerMTok, outputUsdPerMTok] = pricePerMTok(model);
  return { model, inputUsdPerMTok, outputUsdPerMTok };
}
