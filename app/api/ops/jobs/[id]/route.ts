import { AppError } from "@/lib/errors";
import { readParam } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { jobDetail } from "@/lib/ops/jobs";
import { jobIdSchema } from "../../schemas";

/** GET /api/ops/jobs/{id} → OpsJobDetail (fields, steps timeline, deliveries). */
export const GET = route(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  await requireOps(req);
  const id = readParam((await ctx.params).id, jobIdSchema, "Not a job id.");
  const detail = await jobDetail(id);
  if (!detail)
    throw new AppError("not_found:job", "No such job (jobs expire a day after they end).");
  return json(detail, 200, { "cache-control": "no-store" });
});
