import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { replayDlq } from "@/lib/ops/dlq";
import { dlqIdsSchema } from "../../schemas";

/** POST /api/ops/dlq/replay { dlqIds } → DlqReplay. Safe to repeat: an ended job ignores its message. */
export const POST = route(async (req: Request) => {
  await requireOps(req);
  const { dlqIds } = await readJson(req, dlqIdsSchema);
  return json(await replayDlq(dlqIds));
});
