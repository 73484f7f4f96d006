import { z } from "zod";
import { webhook } from "@/lib/qstash/webhook";
import { onDeliveryFailed } from "@/lib/jobs/failure";
import { FAILED_PATH } from "@/lib/jobs/publish";
import { jobIdSchema } from "@/lib/jobs/schema";
import { qstashAnswer, unauthorizedDelivery } from "@/lib/qstash/answer";
import { claimSignature } from "@/lib/qstash/replay";
import { verifyDelivery } from "@/lib/qstash/verify";

const querySchema = z.object({ job: jobIdSchema, run: z.coerce.number().int().min(0).optional() });
/** QStash's failure-callback body: how often it tried, and the DLQ entry it made. */
const callbackSchema = z
  .object({
    retried: z.number().int().nonnegative().optional(),
    dlqId: z.string().max(100).optional(),
  })
  .loose();

/**
 * POST /api/analysis/failed?job=… — QStash's failure callback, signature verified like every
 * delivery (the job id is in the signed URL). Revives the job, or fails it (lib/jobs/failure.ts).
 */
export const POST = webhook(async (req: Request) => {
  const url = new URL(req.url);
  const verified = await verifyDelivery(req, `${FAILED_PATH}${url.search}`);
  if (!verified.ok) return unauthorizedDelivery(verified.reason, "failed");
  const query = querySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success)
    return qstashAnswer({ kind: "fatal", note: "failure callback without a job id" });
  // Only a request that could act claims its token (a malformed one writes nothing, replayed or not).
  if (!(await claimSignature(verified.delivery.signature)))
    return unauthorizedDelivery("a replay of a signed request seen before", "failed");
  let body: z.infer<typeof callbackSchema> = {};
  try {
    body = callbackSchema.parse(JSON.parse(verified.delivery.body));
  } catch {
    // The callback body is informative only; the job id in the signed URL is what counts.
  }
  const gaveUp = {
    jobId: query.data.job,
    attempts: (body.retried ?? 0) + 1,
    run: query.data.run ?? null,
    dlqId: body.dlqId ?? null,
  };
  return qstashAnswer(await onDeliveryFailed(gaveUp));
});
