import "server-only";
import { env } from "@/lib/env";
import { qstash, webhookUrl } from "@/lib/qstash/client";
import type { Job } from "@/lib/jobs/schema";
import { retryDelayExpression, type RetryPolicy } from "@/lib/jobs/retry-policy";
import type { FlowControl } from "@upstash/qstash";

export const CONSUME_PATH = "/api/analysis/consume";
export const FAILED_PATH = "/api/analysis/failed";

/** The retry policy of every consume message, from the environment (lib/jobs/retry-policy.ts). */
export function retryPolicy(): RetryPolicy {
  const e = env();
  return {
    retries: e.QSTASH_RETRIES,
    firstDelayMs: e.QSTASH_RETRY_DELAY_MS,
    spanMs: e.QSTASH_RETRY_SPAN_MS,
  };
}

/**
 * A later message for a job already under way: a `continuation` when a delivery ran out of time
 * budget, a `recheck` when a delivery found another worker holding the lease (it looks again
 * once that lease could have expired, so the job survives the holder dying), a `circuit` when
 * the AI provider's circuit breaker is open (the job waits in QStash until it may probe). `seq`
 * makes the deduplication id: one message per continuation, one recheck per holder and lease
 * deadline, one wait per job and circuit reopening time; a `retry` when a person retries a
 * failed or canceled job (one message per retry); a `revive` when a job's messages ran out or
 * were lost while it still had work to do (lib/jobs/revive.ts: one message per revival).
 */
export type FollowUp = {
  kind: "continuation" | "recheck" | "circuit" | "retry" | "revive";
  seq: string | number;
  delayS?: number;
  /** A recheck stands in for this message: if the job failed for good on it, the recheck dead-letters. */
  origin?: string;
};

/** The body of every consume message. */
export type ConsumeMessage = { jobId: string; analysisType: Job["analysisType"]; origin?: string };

/**
 * QStash flow control toward the AI provider: one key per model, so every delivery that may call
 * it counts, wherever it comes from (a start, a retry, a continuation…). Undefined when off.
 */
export function flowControl(): FlowControl | undefined {
  const e = env();
  if (!e.QSTASH_FLOW_PARALLELISM && !e.QSTASH_FLOW_RATE) return undefined;
  const key = `openai-${e.OPENAI_MODEL.replace(/[^A-Za-z0-9._-]/g, "_")}`;
  if (!e.QSTASH_FLOW_RATE) return { key, parallelism: e.QSTASH_FLOW_PARALLELISM };
  return {
    key,
    rate: e.QSTASH_FLOW_RATE,
    period: e.QSTASH_FLOW_PERIOD_S,
    ...(e.QSTASH_FLOW_PARALLELISM ? { parallelism: e.QSTASH_FLOW_PARALLELISM } : {}),
  };
}

type Publishable = Pick<Job, "id" | "analysisType"> & { retries?: number };

/**
 * The QStash message that queues a job for the consume webhook. The URL names the job and type
 * so the Upstash console's logs read well; the label is the analysis type; the deduplication id
 * makes a repeated publish of the same job (or the same continuation) one message. After
 * QSTASH_RETRIES failed deliveries QStash calls the failure callback (lib/jobs/failure.ts).
 */
function consumeRequest(job: Publishable, follow?: FollowUp) {
  const query = `?job=${encodeURIComponent(job.id)}&type=${job.analysisType}${follow ? `&${follow.kind}=${follow.seq}` : ""}`;
  const body: ConsumeMessage = {
    jobId: job.id,
    analysisType: job.analysisType,
    ...(follow?.origin ? { origin: follow.origin } : {}),
  };
  const flow = flowControl();
  return {
    url: webhookUrl(`${CONSUME_PATH}${query}`),
    body,
    deduplicationId: follow ? `${job.id}.${follow.kind}.${follow.seq}` : job.id,
    ...(follow?.delayS ? { delay: follow.delayS } : {}),
    label: job.analysisType,
    ...(flow ? { flowControl: flow } : {}),
    retries: env().QSTASH_RETRIES,
    retryDelay: retryDelayExpression(retryPolicy()),
    // `run`: which run of the job this message serves, so a late callback cannot fail a retried
    // job. A recheck or circuit wait is published without it (the run is not known there): its
    // callback then acts, which REVIVE_JOB's own guards (live lease, ended, waiting) keep safe.
    failureCallback: webhookUrl(
      `${FAILED_PATH}?job=${encodeURIComponent(job.id)}${job.retries === undefined ? "" : `&run=${job.retries}`}`,
    ),
  };
}

export async function publishJob(
  job: Publishable,
  follow?: FollowUp,
): Promise<{ messageId: string }> {
  const answer = await qstash().publishJSON(consumeRequest(job, follow));
  return { messageId: answer.messageId };
}

/** Queues many jobs in one request to QStash's batch API (one message each, deduplicated by job id). */
export async function publishJobs(jobs: Publishable[]): Promise<void> {
  if (jobs.length) await qstash().batchJSON(jobs.map((job) => consumeRequest(job)));
}
