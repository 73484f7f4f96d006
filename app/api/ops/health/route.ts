import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { checkHealth } from "@/lib/ops/health";

/**
 * GET /api/ops/health → Health: 200 when healthy or degraded, 503 when unhealthy (so an uptime
 * monitor sending `Authorization: Bearer <OPS_TOKEN>` alerts on the status code alone).
 */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  const health = await checkHealth();
  return json(health, health.status === "unhealthy" ? 503 : 200, { "cache-control": "no-store" });
});
