import { withSession } from "@/lib/auth";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { workCaller } from "@/lib/limits/caller";
import { retryBatch } from "@/lib/jobs/batch";
import { batchRefSchema } from "../schema";

/** POST /api/analysis/batch/retry { batchId } → 202 { batch, retried }: failed and canceled analyses run again, keeping their finished steps. */
export const POST = route(async (req: Request) => {
  const { batchId } = await readJson(req, batchRefSchema, 1024);
  const caller = await workCaller(req);
  return withSession(json(await retryBatch(caller, batchId), 202), caller.owner);
});
