import { readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { readVisitors } from "@/lib/ops/visitors";
import { visitorsQuerySchema } from "../schemas";

/**
 * GET /api/ops/visitors?days=1…90 (UTC days ending today, default 30) → OpsVisitors: distinct
 * visitors today, this week and month, active and returning per day, peak hours, usage by type
 * and param value. Operator only; two Redis commands (the operator check, one script).
 */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  const { days } = readQuery(req, visitorsQuerySchema);
  return json(await readVisitors(days), 200, { "cache-control": "no-store" });
});
