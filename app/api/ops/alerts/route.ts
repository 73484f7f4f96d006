import { json, route } from "@/lib/http/respond";
import { webhookConfigured } from "@/lib/ops/alert-delivery";
import { requireOps } from "@/lib/ops/auth";
import { alertHistory, evaluateAlerts } from "@/lib/ops/alerts";
import type { AlertsAnswer } from "@/lib/ops/types";

/**
 * GET /api/ops/alerts → AlertsAnswer: every rule's state (evaluated now), the transition history
 * with each one's webhook delivery, and whether ALERT_WEBHOOK_URL is set.
 */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  // In order: the history must include what this evaluation recorded.
  const { alerts } = await evaluateAlerts();
  const history = await alertHistory();
  const answer: AlertsAnswer = { alerts, history, webhook: { configured: webhookConfigured() } };
  return json(answer, 200, { "cache-control": "no-store" });
});
