import { z } from "zod";
import { DELIVERY_PATH, onDeliveryReport } from "@/lib/ops/alert-delivery";
import { qstashAnswer, unauthorizedDelivery } from "@/lib/qstash/answer";
import { parseBody, verifyDelivery } from "@/lib/qstash/verify";
import { webhook } from "@/lib/qstash/webhook";

/** The transition the message was about (lib/ops/alert-message.ts transitionId), in the signed URL. */
const querySchema = z.object({
  transition: z.string().regex(/^alert\.[a-z_]{1,40}\.(fired|resolved)\.\d{1,16}$/),
  final: z.literal("1").optional(),
});
/** QStash's callback body: the receiver's answer and which attempt it was. */
const callbackSchema = z
  .object({
    status: z.number().int().min(0).max(999),
    retried: z.number().int().min(0).max(1000),
    maxRetries: z.number().int().min(0).max(1000),
    /** The failure callback's DLQ entry. */
    dlqId: z.string().max(100).optional(),
  })
  .loose();

/**
 * POST /api/ops/alerts/delivery?transition=…[&final=1] — QStash's callback (after each attempt
 * that got an answer) and failure callback (`final`) for an alert sent to ALERT_WEBHOOK_URL.
 * Signed by QStash, not by the operator. Records the outcome (and, once QStash gave up, removes
 * its dead letter); a repeated or late callback moves nothing back (RECORD_ALERT_DELIVERY), so a
 * replayed one changes nothing and its token is not claimed.
 */
export const POST = webhook(async (req: Request) => {
  const url = new URL(req.url);
  const verified = await verifyDelivery(req, `${DELIVERY_PATH}${url.search}`);
  if (!verified.ok) return unauthorizedDelivery(verified.reason, "alert_delivery");
  const query = querySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success)
    return qstashAnswer({ kind: "fatal", note: "alert delivery callback without a transition" });
  const report = callbackSchema.safeParse(parseBody(verified.delivery));
  if (!report.success) return qstashAnswer({ kind: "fatal", note: "not a QStash callback body" });
  const { transition, final } = query.data;
  const note = await onDeliveryReport(transition, report.data, final === "1");
  return qstashAnswer({ kind: "ack", note });
});
