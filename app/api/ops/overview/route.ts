import { readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { opsOverview } from "@/lib/ops/overview";
import { windowSchema } from "../schemas";

/** GET /api/ops/overview?window=15|60|360|1440 (minutes) → OpsOverview. Operator only. */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  const { window } = readQuery(req, windowSchema);
  return json(await opsOverview(window), 200, { "cache-control": "no-store" });
});
