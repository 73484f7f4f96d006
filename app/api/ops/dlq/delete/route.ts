import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { deleteDlq } from "@/lib/ops/dlq";
import { dlqIdsSchema } from "../../schemas";

/** POST /api/ops/dlq/delete { dlqIds } → { deleted }. */
export const POST = route(async (req: Request) => {
  await requireOps(req);
  const { dlqIds } = await readJson(req, dlqIdsSchema);
  return json(await deleteDlq(dlqIds));
});
