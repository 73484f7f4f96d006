import "server-only";
import { evaluateAlerts } from "@/lib/ops/alerts";
import { readMetrics } from "@/lib/ops/metrics";
import type { OpsOverview } from "@/lib/ops/types";

/** Everything the /ops overview shows, for the last `windowMinutes`. */
export async function opsOverview(windowMinutes: number): Promise<OpsOverview> {
  const now = Date.now();
  // The live counts the alert rules judged are the ones shown: read once.
  const [metrics, { alerts, live, budget }] = await Promise.all([
    readMetrics(windowMinutes, now),
    evaluateAlerts(now),
  ]);
  return {
    generatedAt: now,
    ...metrics,
    live: { queued: live.queued, running: live.running, stuck: live.stuck },
    alerts,
    budget,
  };
}
