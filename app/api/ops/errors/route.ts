import { readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { listErrorGroups } from "@/lib/ops/error-store";
import { errorFilterSchema } from "../schemas";

/** GET /api/ops/errors?category=&severity=&status=open|resolved|all → { groups }. */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  const filter = readQuery(req, errorFilterSchema);
  return json({ groups: await listErrorGroups(filter) }, 200, { "cache-control": "no-store" });
});
