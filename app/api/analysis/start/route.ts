import { withSession } from "@/lib/auth";
import { workCaller } from "@/lib/limits/caller";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { timed } from "@/lib/telemetry/request-stats";
import { startAnalysis } from "@/lib/jobs/start";
import { view } from "@/lib/jobs/status";
import { MAX_START_BODY_BYTES, startSchema } from "./schema";

/** POST /api/analysis/start { listingId, analysisType, params? } → 202 { job, deduplicated, nextPollMs }. */
export const POST = timed("start", route(async (req: Request) => {
  const input = await readJson(req, startSchema, MAX_START_BODY_BYTES);
  const caller = await workCaller(req);
  const { job, deduplicated } = await startAnalysis(caller, input);
  const { job: publicJob, etag, nextPollMs } = view(job);
  return withSession(json({ job: publicJob, deduplicated, nextPollMs }, 202, { etag }), caller.owner);
}));
