import { z } from "zod";
import { CONSUME_PATH } from "@/lib/jobs/publish";
import { jobIdSchema } from "@/lib/jobs/schema";
import { kindNameSchema, kinds } from "@/lib/kinds";
import { runDelivery } from "@/lib/jobs/delivery";
import { qstashAnswer, unauthorizedDelivery } from "@/lib/qstash/answer";
import { parseBody, verifyDelivery } from "@/lib/qstash/verify";
import { webhook } from "@/lib/qstash/webhook";

const messageSchema = z.object({
  jobId: jobIdSchema,
  analysisType: kindNameSchema,
  origin: z.string().max(200).optional(),
});

/**
 * POST /api/analysis/consume — QStash only. Verifies the signature on the raw body against the
 * public URL (path and query as published), then runs the job under a lease.
 */
export const POST = webhook(async (req: Request) => {
  const verified = await verifyDelivery(req, `${CONSUME_PATH}${new URL(req.url).search}`);
  if (!verified.ok) return unauthorizedDelivery(verified.reason, "consume");
  const message = messageSchema.safeParse(parseBody(verified.delivery));
  if (!message.success) return qstashAnswer({ kind: "fatal", note: "not a consume message" });
  return qstashAnswer(await runDelivery(kinds, message.data, verified.delivery));
});
