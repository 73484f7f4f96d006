import { readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { requireOps } from "@/lib/ops/auth";
import { listDlq } from "@/lib/ops/dlq";
import { dlqPageSchema } from "../schemas";

/** GET /api/ops/dlq?cursor= → DlqPage: QStash's DLQ, each message joined with its job. */
export const GET = route(async (req: Request) => {
  await requireOps(req);
  const { cursor } = readQuery(req, dlqPageSchema);
  return json(await listDlq(cursor), 200, { "cache-control": "no-store" });
});
