import { resolveOwner, withSession } from "@/lib/auth";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { cancelBatch } from "@/lib/jobs/batch";
import { batchRefSchema } from "../schema";

/** POST /api/analysis/batch/cancel { batchId } → 202 { batch }: every analysis still queued or running stops. */
export const POST = route(async (req: Request) => {
  const { batchId } = await readJson(req, batchRefSchema, 1024);
  const owner = resolveOwner(req);
  return withSession(json({ batch: await cancelBatch(owner.id, batchId) }, 202), owner);
});
