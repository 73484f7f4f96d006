import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { readFlow } from "@/lib/ops/flow";

/**
 * GET /api/ops/flow → FlowState: the app's flow-control keys (waiting, running, limits, paused)
 * and the account's parallelism. 200 even when QStash cannot be reached: `error` says so.
 */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  return json(await readFlow(), 200, { "cache-control": "no-store" });
});
