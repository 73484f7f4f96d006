import { resolveOwner, withSession } from "@/lib/auth";
import { json, route } from "@/lib/http/respond";
import { listOwnerJobs } from "@/lib/jobs/store";

/** GET /api/analysis/history → { jobs }: this visitor's 20 most recent analyses, newest first. */
export const GET = route(async (req: Request) => {
  const owner = resolveOwner(req);
  const jobs = await listOwnerJobs(owner.id);
  return withSession(json({ jobs }, 200, { "cache-control": "private, no-store" }), owner);
});
