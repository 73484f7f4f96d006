import "server-only";
import { reviveJob } from "@/lib/jobs/revive";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import { recheckLater } from "@/lib/jobs/waits";
import { DEFAULT_TIMEOUT_MS, jobErrorSchema, type JobError } from "@/lib/jobs/schema";
import { log } from "@/lib/telemetry/log";
import { qstash } from "@/lib/qstash/client";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

export type GaveUp = { jobId: string; attempts: number; run: number | null; dlqId: string | null };

/**
 * QStash gave up on a job's message (retries exhausted, or a 489). A worker that failed the job
 * for good has already ended it (the callback only acknowledges). Otherwise every attempt failed
 * for a reason that may pass — most often the consume endpoint was unreachable for longer than
 * the retries span (a long deploy, an outage) — and the job is revived: published again with a
 * fresh retry budget, its dead-lettered message removed from the DLQ (the DLQ holds the jobs
 * that failed for good: the dead letter of a job that ended well meanwhile is removed too). A job over JOB_MAX_AGE_MS or its run timeout fails instead, with the
 * last error its workers recorded. A job a worker still holds gets a recheck for when that
 * lease could have ended, instead of anything done underneath that worker.
 */
export async function onDeliveryFailed({
  jobId,
  attempts,
  run,
  dlqId,
}: GaveUp): Promise<ConsumeOutcome> {
  // Deserialization is off (lib/redis/client.ts): HMGET answers Redis's own [value, value].
  const fields = ["lastError", "analysisType", "retries", "attempt", "timeoutMs"] as const;
  const [raw, type, retries, attempt, timeoutMs] =
    ((await redis().hmget(keys.job(jobId), ...fields)) as unknown as Array<string | null> | null) ??
    [];
  // A callback for a message of an earlier run: a person has retried the job since.
  if (run !== null && run !== (Number(retries) || 0))
    return { kind: "ack", note: `stale failure callback (run ${run}; the job was retried)` };
  if (!type) return { kind: "ack", note: "no such job (expired?)" };
  const parsed = raw ? jobErrorSchema.safeParse(JSON.parse(raw)) : null;
  const last: JobError | null = parsed?.success ? parsed.data : null;
  const job = {
    id: jobId,
    analysisType: type,
    retries: Number(retries) || 0,
    attempt: Number(attempt) || 0,
    timeoutMs: Number(timeoutMs) || DEFAULT_TIMEOUT_MS,
  };
  const revival = await reviveJob(job, {
    why: `qstash_gave_up:${attempts}`,
    staleMs: 0,
    lastError: last,
  });
  const undeadLetter = () =>
    dlqId
      ? qstash()
          .dlq.delete(dlqId)
          .catch((error) =>
            log("warn", "dlq_delete_failed", { jobId, dlqId, error: String(error) }),
          )
      : undefined;
  switch (revival.kind) {
    case "revived":
      await undeadLetter();
      return {
        kind: "ack",
        note: `QStash gave up after ${attempts} attempt(s); the job was published again (revival ${revival.n})`,
      };
    case "failed":
      return { kind: "ack", note: `job failed after QStash gave up: ${revival.error.code}` };
    // Ended meanwhile (another path revived it, or a person canceled): only a failure stays dead-lettered.
    case "ended":
      if (revival.status !== "failed") await undeadLetter();
      return { kind: "ack", note: `job already ${revival.status}` };
    case "held": {
      // A worker holds the job: alive, or the last attempt died with its lease still running.
      // A recheck once the lease could have ended stands in for the spent message either way.
      const outcome = await recheckLater(
        jobId,
        job.analysisType,
        job.attempt,
        revival.retryInMs,
        null,
      );
      if (outcome.kind === "ack") await undeadLetter();
      return outcome;
    }
    case "moving":
      // A wait announced past now: the message that gave up had its last attempt, so this is
      // another message's next delivery (a revival by a waiting browser's poll, a recheck, a
      // circuit wait). That message carries the job; a failure on it is recorded on its own.
      await undeadLetter();
      return {
        kind: "ack",
        note: `the job waits ${Math.ceil(revival.inMs / 1000)} s for another of its messages`,
      };
    case "left":
      // Could not publish the revival: QStash calls this callback again.
      if (revival.why === "QStash could not be reached")
        return { kind: "retry", retryAfterS: null, note: "the job could not be published again" };
      return { kind: "ack", note: `nothing to do: ${revival.why}` };
  }
}
