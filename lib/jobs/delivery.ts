import "server-only";
import { nanoid } from "nanoid";
import { env } from "@/lib/env";
import type { Kinds } from "@/lib/jobs/kind";
import { leaseJob } from "@/lib/jobs/lease";
import type { ConsumeMessage } from "@/lib/jobs/publish";
import { unknownKind } from "@/lib/jobs/run-ends";
import { JobRun } from "@/lib/jobs/runner";
import { recheckLater, waitForCircuit } from "@/lib/jobs/waits";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import type { Delivery } from "@/lib/qstash/verify";
import { log } from "@/lib/telemetry/log";

/*
 * One consume delivery: take the job's lease and run it (lib/jobs/runner.ts), or answer QStash
 * for why not — a replay, a duplicate of the delivery under way, a lease another holds, the
 * provider's circuit open, a job that ended.
 */

/** Leases the job named by a consume message and runs its remaining steps. */
export async function runDelivery(
  kinds: Kinds,
  message: ConsumeMessage,
  delivery: Pick<Delivery, "messageId" | "retried" | "signature">,
): Promise<ConsumeOutcome> {
  const { jobId, analysisType } = message;
  const messageId = delivery.messageId;
  const started = Date.now();
  const token = nanoid();
  const lease = await leaseJob(jobId, token, messageId ?? "", delivery.signature);
  let outcome: ConsumeOutcome;
  if (!lease.leased && lease.reason === "replayed") {
    outcome = { kind: "refused", note: "a replay of a signed request seen before" };
  } else if (!lease.leased) {
    if (
      lease.reason === "held" &&
      messageId &&
      lease.holderMessageId === messageId &&
      delivery.retried < env().QSTASH_RETRIES
    ) {
      // A second copy of the very delivery under way: its answer (even a 489) must decide this
      // message, so this copy does not acknowledge it — QStash asks again once the lease could end.
      // (On the last attempt that would dead-letter the message: a recheck stands in for it instead.)
      outcome = {
        kind: "held",
        retryAfterS: Math.ceil(lease.retryInMs / 1000) + 1,
        note: "a duplicate of the delivery under way",
      };
    } else if (lease.reason === "held")
      outcome = await recheckLater(
        jobId,
        analysisType,
        lease.holderAttempt,
        lease.retryInMs,
        messageId,
      );
    else if (lease.reason === "circuit_open")
      outcome = await waitForCircuit(jobId, analysisType, lease.retryInMs, messageId);
    else if (
      lease.reason === "ended" &&
      lease.status === "failed" &&
      lease.lastMessageId &&
      (lease.lastMessageId === messageId || lease.lastMessageId === message.origin)
    ) {
      // The job failed for good on this very message (or the one this recheck stands in for), and
      // that 489 may not have reached QStash: say it again, so the message lands in the DLQ.
      outcome = { kind: "fatal", note: "the job failed for good on this message" };
    } else
      outcome = {
        kind: "ack",
        note: lease.reason === "missing" ? "no such job (expired?)" : `job already ${lease.status}`,
      };
  } else {
    const kind = kinds.get(lease.job.analysisType);
    const run = { messageId, retried: delivery.retried, lastError: lease.lastError };
    outcome = kind
      ? await new JobRun(kind, lease.job, token, lease.checkpoints, run).execute()
      : await unknownKind(lease.job, token);
  }
  const attempt = lease.leased ? lease.job.attempt : undefined;
  log(outcome.kind === "ack" ? "info" : "warn", "delivery", {
    jobId,
    attempt,
    messageId,
    durationMs: Date.now() - started,
    outcome: outcome.kind,
    note: outcome.note,
  });
  return outcome;
}
