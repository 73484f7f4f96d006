import "server-only";
import { evaluateAlerts } from "@/lib/ops/alerts";
import { liveCounts } from "@/lib/ops/jobs";
import { readMetrics } from "@/lib/ops/metrics";
import type { OpsOverview } from "@/lib/ops/types";

/** Everything the /ops overview shows, for the last `windowMinutes`. */
export async function opsOverview(windowMinutes: number): Promise<OpsOverview> {
  const now = Date.now();
  const [metrics, live, { alerts }] = await Promise.all([readMetrics(windowMinutes, now), liveCounts(now), evaluateAlerts(now)]);
  return { generatedAt: now, ...metrics, live: { queued: live.queued, running: live.running, stuck: live.stuck }, alerts };
}
