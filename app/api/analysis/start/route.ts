import { withSession } from "@/lib/auth";
import { workCaller } from "@/lib/limits/caller";
import { readJson } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { timed } from "@/lib/telemetry/request-stats";
import { startJob } from "@/lib/jobs/start";
import { view } from "@/lib/jobs/status";
import { kindNamed } from "@/lib/kinds";
import { inputOf, MAX_START_BODY_BYTES, startSchema } from "./schema";

/**
 * POST /api/analysis/start { analysisType, input, params? } (or { listingId, analysisType, params? })
 * → 202 { job, deduplicated, nextPollMs }.
 */
export const POST = timed(
  "start",
  route(async (req: Request) => {
    const body = await readJson(req, startSchema, MAX_START_BODY_BYTES);
    const caller = await workCaller(req);
    const start = { kind: kindNamed(body.analysisType), input: inputOf(body), params: body.params };
    const { job, deduplicated } = await startJob(caller, start);
    const { job: publicJob, etag, nextPollMs } = view(job);
    return withSession(
      json({ job: publicJob, deduplicated, nextPollMs }, 202, { etag }),
      caller.owner,
    );
  }),
);
