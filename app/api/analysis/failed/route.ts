import { z } from "zod";
import { route } from "@/lib/http/respond";
import { onDeliveryFailed } from "@/lib/jobs/failure";
import { FAILED_PATH } from "@/lib/jobs/publish";
import { qstashAnswer, unauthorizedDelivery } from "@/lib/qstash/answer";
import { verifyDelivery } from "@/lib/qstash/verify";

const querySchema = z.object({ job: z.string().regex(/^[A-Za-z0-9_-]{8,32}$/), run: z.coerce.number().int().min(0).optional() });
/** QStash's failure-callback body; only how often it tried matters here. */
const callbackSchema = z.object({ retried: z.number().int().nonnegative().optional() }).loose();

/**
 * POST /api/analysis/failed?job=… — QStash's failure callback, signature verified like every
 * delivery (the job id is in the signed URL). Marks the job failed with its last error.
 */
export const POST = route(async (req: Request) => {
  const url = new URL(req.url);
  const verified = await verifyDelivery(req, `${FAILED_PATH}${url.search}`);
  if (!verified.ok) return unauthorizedDelivery(verified.reason);
  const query = querySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return qstashAnswer({ kind: "fatal", note: "failure callback without a job id" });
  let retried = 0;
  try {
    retried = callbackSchema.parse(JSON.parse(verified.delivery.body)).retried ?? 0;
  } catch {
    // The callback body is informative only; the job id in the signed URL is what counts.
  }
  return qstashAnswer(await onDeliveryFailed(query.data.job, retried + 1, query.data.run ?? null));
});
