import { resolveOwner, withSession } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";
import { timed } from "@/lib/telemetry/request-stats";
import { findJobStatus, jobStatus } from "@/lib/jobs/status";
import { statusQuerySchema } from "./schema";

/**
 * GET /api/analysis/status?jobId=… (or ?listingId=…&analysisType=…&params={…} to reattach)
 * → { job, nextPollMs } with an ETag; 304 when the job has not changed since If-None-Match.
 * One Redis read per poll. `x-next-poll-ms` carries the hint on 304s too.
 */
export const GET = timed("status", route(async (req: Request) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = statusQuerySchema.safeParse(query);
  if (!parsed.success) throw new AppError("bad_request:query", "Ask with ?jobId=… or with ?listingId=…&analysisType=… (and params as JSON).");
  const owner = resolveOwner(req);
  const found = "jobId" in parsed.data ? await jobStatus(owner.id, parsed.data.jobId) : await findJobStatus(owner.id, parsed.data);
  if (!found) throw new AppError("not_found:job", "No such analysis (it may have expired).");
  const headers = { etag: found.etag, "cache-control": "private, no-cache", "x-next-poll-ms": String(found.nextPollMs) };
  if (req.headers.get("if-none-match") === found.etag) return withSession(new Response(null, { status: 304, headers }), owner);
  return withSession(json({ job: found.job, nextPollMs: found.nextPollMs }, 200, headers), owner);
}));
