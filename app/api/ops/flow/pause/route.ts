import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { setFlowPaused } from "@/lib/ops/flow";
import { flowKeyBodySchema } from "../../schemas";

/**
 * POST /api/ops/flow/pause { key } → FlowAction: every analysis waits in QStash until resumed.
 * 404 for a key the app does not publish under; safe to repeat.
 */
export const POST = route(async (req: Request) => {
  await requireOps(req);
  const { key } = await readJson(req, flowKeyBodySchema);
  return json(await setFlowPaused(key, true));
});
