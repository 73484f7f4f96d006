import "server-only";
import { readAlertHistory, webhookConfigured } from "@/lib/ops/alert-delivery";
import { evaluateAlerts } from "@/lib/ops/alerts";
import { readMetrics } from "@/lib/ops/metrics";
import type { OpsOverview } from "@/lib/ops/types";

/** Transitions the overview lists (the API's /api/ops/alerts has up to 50). */
const HISTORY_SHOWN = 10;

/** Everything the /ops overview shows, for the last `windowMinutes`. */
export async function opsOverview(windowMinutes: number): Promise<OpsOverview> {
  const now = Date.now();
  // The live counts the alert rules judged are the ones shown: read once.
  const [metrics, { alerts, live, budget }] = await Promise.all([
    readMetrics(windowMinutes, now),
    evaluateAlerts(now),
  ]);
  // After the evaluation, so the history holds what it recorded: one command (READ_ALERT_HISTORY).
  const alertHistory = await readAlertHistory(HISTORY_SHOWN);
  return {
    generatedAt: now,
    ...metrics,
    live: { queued: live.queued, running: live.running, stuck: live.stuck },
    alerts,
    alertHistory,
    alertWebhook: { configured: webhookConfigured() },
    budget,
  };
}
