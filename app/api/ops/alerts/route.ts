import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { alertHistory, evaluateAlerts } from "@/lib/ops/alerts";

/** GET /api/ops/alerts → { alerts: AlertState[], history: AlertEvent[] } (rules evaluated now). */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  // In order: the history must include what this evaluation recorded.
  const { alerts } = await evaluateAlerts();
  const history = await alertHistory();
  return json({ alerts, history }, 200, { "cache-control": "no-store" });
});
