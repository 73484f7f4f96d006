import "server-only";
import { publishJob } from "@/lib/jobs/publish";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import type { Job } from "@/lib/jobs/schema";

/*
 * The two waits a delivery can hand to QStash instead of holding a function: for another
 * worker's lease to end, and for the AI provider's circuit to let a probe through. Each is a
 * delayed message of its own, deduplicated, and the delivery is acknowledged.
 */

/**
 * Another worker holds the job. Acknowledging outright could lose the job if that worker dies
 * (this may be a duplicate of its own message); failing would burn QStash retries while it is
 * healthy. So: queue a recheck for when its lease could have expired, then acknowledge. One
 * recheck per holder and lease deadline (deduplicated); if publishing fails, QStash retries us.
 */
export async function recheckLater(
  jobId: string,
  analysisType: Job["analysisType"],
  holderAttempt: number,
  leaseLeftMs: number,
  messageId: string | null,
): Promise<ConsumeOutcome> {
  const delayS = Math.ceil(leaseLeftMs / 1000) + 1;
  // Keyed by the holder, its lease deadline and the message that found it: copies of one message
  // share one recheck; a holder that renewed its lease (still alive) gets a fresh one when that
  // recheck lands; and a recheck that lands early (clocks differ) is not swallowed by dedup.
  const deadlineS = Math.ceil((Date.now() + leaseLeftMs) / 1000);
  try {
    await publishJob(
      { id: jobId, analysisType },
      {
        kind: "recheck",
        seq: `${holderAttempt}-${deadlineS}.${(messageId ?? "none").slice(-12)}`,
        delayS,
        ...(messageId ? { origin: messageId } : {}),
      },
    );
  } catch {
    return {
      kind: "held",
      retryAfterS: delayS,
      note: "another worker holds the lease; recheck could not be queued",
    };
  }
  return { kind: "ack", note: `another worker holds the lease; rechecking in ${delayS} s` };
}

/**
 * The AI provider's circuit is open: nothing was touched. Queue the job again for when the
 * circuit may let a probe through and acknowledge — the job waits in QStash, not in function
 * time, and no QStash retry is spent. If that publish fails, a 503 with Retry-After does it.
 */
export async function waitForCircuit(
  jobId: string,
  analysisType: Job["analysisType"],
  waitMs: number,
  messageId: string | null,
): Promise<ConsumeOutcome> {
  const delayS = Math.max(1, Math.ceil(waitMs / 1000));
  // One wait per delivered message: duplicates of this message share it, and a wait message that
  // arrives early (clocks differ) makes a new one instead of being swallowed by deduplication.
  const seq = `${Math.ceil((Date.now() + waitMs) / 1000)}.${(messageId ?? "none").slice(-12)}`;
  try {
    await publishJob({ id: jobId, analysisType }, { kind: "circuit", seq, delayS });
  } catch {
    return {
      kind: "retry",
      retryAfterS: delayS,
      note: "the AI provider's circuit is open; could not queue the wait",
    };
  }
  return { kind: "ack", note: `the AI provider's circuit is open; trying again in ${delayS} s` };
}
