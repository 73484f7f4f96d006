import { z } from "zod";
import { withSession } from "@/lib/auth";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { workCaller } from "@/lib/limits/caller";
import { retryAnalysis } from "@/lib/jobs/retry";
import { jobIdSchema } from "@/lib/jobs/schema";
import { view } from "@/lib/jobs/status";

const retrySchema = z.strictObject({ jobId: jobIdSchema });

/**
 * POST /api/analysis/retry { jobId } → 202 { job, nextPollMs }: the failed or canceled job is
 * queued again and keeps its finished steps; 409 when it has not ended badly or a newer job has
 * its identity; 404 when it is not this visitor's.
 */
export const POST = route(async (req: Request) => {
  const { jobId } = await readJson(req, retrySchema, 1024);
  const caller = await workCaller(req);
  const { job, etag, nextPollMs } = view(await retryAnalysis(caller, jobId));
  return withSession(json({ job, nextPollMs }, 202, { etag }), caller.owner);
});
