import { resolveOwner, withSession } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";
import { timed } from "@/lib/telemetry/request-stats";
import { findJobStatus, jobStatus } from "@/lib/jobs/status";
import { kindNamed } from "@/lib/kinds";
import { inputOf } from "../start/schema";
import { statusQuerySchema } from "./schema";

/**
 * GET /api/analysis/status?jobId=… (or ?analysisType=…&input={…}&params={…} to reattach; a
 * listing analysis also as ?listingId=…&analysisType=…)
 * → { job, nextPollMs } with an ETag; 304 when the job has not changed since If-None-Match.
 * One Redis read per poll. `x-next-poll-ms` carries the hint on 304s too.
 */
export const GET = timed(
  "status",
  route(async (req: Request) => {
    const query = Object.fromEntries(new URL(req.url).searchParams);
    const parsed = statusQuerySchema.safeParse(query);
    if (!parsed.success)
      throw new AppError(
        "bad_request:query",
        "Ask with ?jobId=… or with ?analysisType=…&input={…} (or ?listingId=…) and params as JSON.",
      );
    const owner = resolveOwner(req);
    const q = parsed.data;
    const found =
      "jobId" in q
        ? await jobStatus(owner.id, q.jobId)
        : await findJobStatus(owner.id, {
            kind: kindNamed(q.analysisType),
            input: inputOf(q),
            params: q.params,
          });
    if (!found) throw new AppError("not_found:job", "No such analysis (it may have expired).");
    const headers = {
      etag: found.etag,
      "cache-control": "private, no-cache",
      "x-next-poll-ms": String(found.nextPollMs),
    };
    if (req.headers.get("if-none-match") === found.etag)
      return withSession(new Response(null, { status: 304, headers }), owner);
    return withSession(json({ job: found.job, nextPollMs: found.nextPollMs }, 200, headers), owner);
  }),
);
