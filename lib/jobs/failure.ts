import "server-only";
import { env } from "@/lib/env";
import type { ConsumeOutcome } from "@/lib/jobs/runner";
import { analysisTypeSchema, jobErrorSchema, type JobError } from "@/lib/jobs/schema";
import { finishJob } from "@/lib/jobs/store";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import { errorEvent } from "@/lib/ops/classify";
import { recordError } from "@/lib/ops/error-store";

/**
 * QStash gave up on a job's message (retries exhausted, or a 489): mark the job failed with the
 * last error a worker recorded. While a worker still holds the lease the job is alive, so the
 * callback is answered with a retry instead of ending it underneath that worker.
 */
export async function onDeliveryFailed(jobId: string, attempts: number, run: number | null): Promise<ConsumeOutcome> {
  // Deserialization is off (lib/redis/client.ts): HMGET answers Redis's own [value, value].
  const [raw, type, retries] = ((await redis().hmget(keys.job(jobId), "lastError", "analysisType", "retries")) as unknown as [string | null, string | null, string | null] | null) ?? [null, null, null];
  // A callback for a message of an earlier run: a person has retried the job since.
  if (run !== null && run !== (Number(retries) || 0)) return { kind: "ack", note: `stale failure callback (run ${run}; the job was retried)` };
  const analysisType = analysisTypeSchema.catch("business_analysis").parse(type);
  const last = raw ? jobErrorSchema.safeParse(JSON.parse(raw)) : null;
  const error: JobError = {
    code: last?.success ? last.data.code : "delivery_failed",
    category: last?.success ? last.data.category : "SYSTEM",
    message: `The analysis was stopped after ${attempts} failed attempt${attempts === 1 ? "" : "s"}${last?.success ? `: ${last.data.message.replace(/;? ?retrying\.?$/i, "").replace(/\.$/, "")}` : ""}.`,
    retryable: false,
  };
  const outcome = await finishJob(jobId, null, { status: "failed", error });
  if (outcome.finished) {
    await recordError(errorEvent(error, "qstash:failure-callback", undefined, "final"), { jobId, analysisType, attempt: attempts });
    return { kind: "ack", note: `job ${outcome.status} after QStash gave up` };
  }
  // A worker still holds the job — most likely the last attempt, which died with its lease still
  // running. Resuming it would give the job a new retry budget QStash has just said is spent, so
  // the callback asks to be called again once the lease has run out: then the job is failed,
  // unless that worker was alive after all and finished it.
  if (outcome.reason === "lease_alive") return { kind: "held", retryAfterS: Math.ceil(env().JOB_LEASE_MS / 1000) + 1, note: "a worker still holds the job; failing it once its lease ends" };
  return { kind: "ack", note: outcome.reason === "ended" ? `job already ${outcome.status}` : outcome.reason };
}
