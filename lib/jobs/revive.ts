import "server-only";
import { env } from "@/lib/env";
import { jobTimeoutMs } from "@/lib/jobs/timeout";
import { maxAgeError, timeoutError } from "@/lib/telemetry/classify";
import { flowControl, publishJob } from "@/lib/jobs/publish";
import { isTerminal, type Job, type JobError } from "@/lib/jobs/schema";
import { finishJob, getJob, markRevived } from "@/lib/jobs/store";
import { pauseCredit } from "@/lib/jobs/flow-pause";
import { errorEvent } from "@/lib/telemetry/error-event";
import { recordError } from "@/lib/telemetry/error-record";
import { log } from "@/lib/telemetry/log";
import { flowHasWaiting } from "@/lib/qstash/flow-waiting";

/**
 * The safety net under QStash's retries (invariant 4: every job ends, and moves while it can).
 * A job can be left with work to do and nothing to move it: its message was dead-lettered while
 * the app was down longer than the retries span, a whole local stack died mid-job, a publish
 * was lost. Such a job is queued or running with no live lease and no sign of life (no write,
 * no announced wait) for JOB_STALE_MS: it is *revived* — published again with a fresh
 * deduplication id. Its finished steps are checkpointed, so nothing is paid twice.
 *
 * Revived by: the status poll of a waiting browser (only on this stale path; a normal poll
 * stays one Redis command), QStash's failure callback (lib/jobs/failure.ts), and a scheduled
 * sweep. Bounds: the type's timeout on time run under leases, JOB_MAX_AGE_MS on its whole life
 * since it was queued (waiting for the app, Redis or the AI provider included, not a wait behind
 * an operator's pause of the flow); a job over one fails with a clear message, and Retry keeps
 * its checkpoints.
 */

/**
 * Is a job's poll worth the stale path? Pure: from the one HGETALL the poll already made (or the
 * row of the live index the maintenance sweep read).
 */
export function looksStranded(
  job: Pick<Job, "status" | "updatedAt" | "waitUntil">,
  now: number,
  staleMs = env().JOB_STALE_MS,
): boolean {
  if (isTerminal(job.status)) return false;
  return now - Math.max(job.updatedAt, job.waitUntil ?? 0) > staleMs;
}

export type Revival =
  | { kind: "revived"; n: number }
  | { kind: "failed"; error: JobError }
  | { kind: "ended"; status: Job["status"] }
  | { kind: "left"; why: string }
  | { kind: "held"; retryInMs: number }
  /** Not stale: a sign of life within the stale bound, or a wait announced until later. */
  | { kind: "moving"; inMs: number };

/**
 * Revives the job if nothing moves it, or fails it when it is over its bounds. `staleMs` 0: QStash
 * has just given up on its message (no wait). `lastError`: what its workers last reported, for
 * the message of a job that fails here. Never throws for an expected outcome.
 */
export async function reviveJob(
  job: Pick<Job, "id" | "analysisType" | "retries" | "attempt" | "timeoutMs">,
  o: { why: string; staleMs: number; lastError?: JobError | null },
): Promise<Revival> {
  const e = env();
  const flow = flowControl();
  if (o.staleMs > 0 && flow && (await flowHasWaiting(flow.key)))
    return { kind: "left", why: "deliveries wait in QStash's flow control" };
  const timeoutMs = jobTimeoutMs(job);
  const mark = (maxAgeMs: number) =>
    markRevived(job.id, { why: o.why, staleMs: o.staleMs, maxAgeMs, timeoutMs });
  let marked = await mark(e.JOB_MAX_AGE_MS);
  if (!marked.revived && marked.reason === "over_bound" && marked.bound === "max_age") {
    // Over its age only counting a wait behind an operator's pause of the flow? Then it is not.
    const now = Date.now();
    const credit = await pauseCredit(now - marked.ms, now);
    if (credit > 0) marked = await mark(e.JOB_MAX_AGE_MS + credit);
  }
  if (marked.revived) {
    try {
      await publishJob(job, { kind: "revive", seq: marked.n });
    } catch (error) {
      // Nothing lost: the job is still stranded, and the next stale poll (or sweep) tries again.
      log("warn", "revive_unpublished", {
        jobId: job.id,
        error: error instanceof Error ? error.message : String(error),
      });
      return { kind: "left", why: "QStash could not be reached" };
    }
    log("warn", "job_revived", {
      jobId: job.id,
      attempt: job.attempt,
      revival: marked.n,
      why: o.why,
    });
    return { kind: "revived", n: marked.n };
  }
  if (marked.reason === "held") return { kind: "held", retryInMs: marked.retryInMs };
  if (marked.reason === "ended") return { kind: "ended", status: marked.status };
  if (marked.reason === "not_stale") return { kind: "moving", inMs: marked.inMs };
  if (marked.reason !== "over_bound") return { kind: "left", why: marked.reason };
  const error =
    marked.bound === "timeout"
      ? timeoutError(timeoutMs)
      : maxAgeError(e.JOB_MAX_AGE_MS, o.lastError ?? null);
  const ended = await finishJob(job.id, null, { status: "failed", error });
  if (!ended.finished) return { kind: "left", why: ended.reason };
  await recordError(errorEvent(error, `revive:${o.why}`, undefined, "final"), {
    jobId: job.id,
    analysisType: job.analysisType,
    attempt: job.attempt,
  });
  return { kind: "failed", error };
}

/** The status poll's stale path: revive a stranded job, and answer with its state after. */
export async function reviveIfStranded(job: Job, now = Date.now()): Promise<Job> {
  if (!looksStranded(job, now)) return job;
  const revival = await reviveJob(job, { why: "stale", staleMs: env().JOB_STALE_MS });
  if (revival.kind === "failed") return (await getJob(job.id)) ?? job;
  return job;
}
