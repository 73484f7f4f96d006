import { readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { searchJobs } from "@/lib/ops/jobs";
import { jobSearchSchema } from "../schemas";

/** GET /api/ops/jobs?q=&status=&listing=&limit= → { jobs }: newest first; `q` an id or a part of one. */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  return json({ jobs: await searchJobs(readQuery(req, jobSearchSchema)) }, 200, {
    "cache-control": "no-store",
  });
});
