import { z } from "zod";
import { json, route } from "@/lib/http/respond";
import { unauthorizedDelivery } from "@/lib/qstash/answer";
import { claimSignature } from "@/lib/qstash/replay";
import { parseBody, verifyDelivery } from "@/lib/qstash/verify";
import { recordEcho, STACK_ECHO_PATH } from "@/lib/stack/check";

const echoSchema = z.object({ nonce: z.string().min(1).max(64) });

/** POST /api/stack/echo — QStash only: the signed delivery of a stack check. */
export const POST = route(async (req: Request) => {
  const verified = await verifyDelivery(req, STACK_ECHO_PATH);
  if (!verified.ok) return unauthorizedDelivery(verified.reason, "stack-echo");
  const parsed = echoSchema.safeParse(parseBody(verified.delivery));
  // A signed but malformed message will never succeed: 489 tells QStash not to retry it.
  if (!parsed.success) {
    return json({ error: { code: "bad_request:body", message: "not a stack check" } }, 489, {
      "Upstash-NonRetryable-Error": "true",
    });
  }
  if (!(await claimSignature(verified.delivery.signature)))
    return unauthorizedDelivery("a replay of a signed request seen before", "stack-echo");
  const recorded = await recordEcho(parsed.data.nonce, verified.delivery.messageId);
  return json({ recorded });
});
