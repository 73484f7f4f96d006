import { runMaintenance } from "@/lib/ops/maintenance";
import { TICK_PATH } from "@/lib/ops/tick-path";
import { unauthorizedDelivery } from "@/lib/qstash/answer";
import { claimSignature } from "@/lib/qstash/replay";
import { verifyDelivery } from "@/lib/qstash/verify";
import { webhook } from "@/lib/qstash/webhook";

/**
 * POST /api/ops/tick — the maintenance schedule's delivery (lib/ops/schedule.ts), every minute:
 * sweeps stranded jobs and evaluates the alerts (lib/ops/maintenance.ts). QStash only: the
 * signature is verified and each signed request is acted on once. The body carries nothing the
 * tick needs. 200 with what it did, or `{ skipped }` when another tick holds the lock; Redis
 * unreachable → 503 from the webhook wrapper (QStash retries; the next minute's tick comes anyway).
 */
export const POST = webhook(async (req: Request) => {
  const verified = await verifyDelivery(req, TICK_PATH);
  if (!verified.ok) return unauthorizedDelivery(verified.reason, "tick");
  if (!(await claimSignature(verified.delivery.signature)))
    return unauthorizedDelivery("a replay of a signed request seen before", "tick");
  const outcome = await runMaintenance(Date.now(), {
    scheduleId: req.headers.get("upstash-schedule-id"),
    messageId: verified.delivery.messageId,
  });
  return Response.json(outcome.ran ? outcome.summary : { skipped: outcome.skipped });
});
