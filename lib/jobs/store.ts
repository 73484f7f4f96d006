import "server-only";
import { env } from "@/lib/env";
import { hgetallRecord } from "@/lib/redis/client";
import { startUsage, visitTouch } from "@/lib/telemetry/visits";
import { keys, ttl } from "@/lib/redis/keys";
import {
  DEFAULT_TIMEOUT_MS,
  fromHash,
  parseModelCall,
  type Job,
  type JobError,
  type JobStatus,
} from "@/lib/jobs/schema";
import { pairsToRecord } from "@/lib/redis/script";
import { budgetGate } from "@/lib/jobs/budget";
import { isInputCaused } from "@/lib/telemetry/error-codes";
import { CREATE_JOB, LIST_OWNER_JOBS, REQUEST_CANCEL, RETRY_JOB } from "@/lib/jobs/scripts";
import { FINISH_JOB, REVIVE_JOB } from "@/lib/jobs/worker-scripts";
import { cancelResponse } from "@/lib/openai/stream";
import { metricKeys, metricTtls, modelPricing } from "@/lib/telemetry/metric-write";

/**
 * Job state in Redis: every change is one Lua script (one round trip); reads are one command.
 * The scripts a visitor's requests run also record the visit (lib/telemetry/visits.ts).
 * Each script's reply code is named where the script is declared, and each function below turns
 * the named outcome into a value; only broken infrastructure throws.
 */

/** A hash as the field, value pairs a script takes. */
export const flat = (fields: Record<string, string | number>) =>
  Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);

export type NewJob = Pick<
  Job,
  "id" | "owner" | "subject" | "analysisType" | "input" | "params" | "createdAt" | "timeoutMs"
> & {
  dedupeKey: string;
  /** Where a success is cached for identical analyses (lib/jobs/identity.ts resultCacheKey); '' for none. */
  cacheKey: string;
};

/**
 * Creates the job, or returns the live job that already has its identity. `cached`: the result
 * cache held this analysis, so the job was created already succeeded (nothing to publish).
 */
export type CreateOutcome =
  | { job: Job; deduplicated: boolean; cached: boolean }
  | { overBudget: "total" | "visitor" };

export async function createJob(job: NewJob): Promise<CreateOutcome> {
  const e = env();
  const fields = {
    owner: job.owner,
    subject: job.subject,
    analysisType: job.analysisType,
    input: JSON.stringify(job.input),
    params: JSON.stringify(job.params),
    timeoutMs: job.timeoutMs,
    status: "queued",
    progress: 0,
    attempt: 0,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    enqueuedAt: job.createdAt,
    cancelRequested: 0,
    usageIn: 0,
    usageOut: 0,
    version: 1,
    dedupeKey: job.dedupeKey,
    cacheKey: job.cacheKey,
  };
  // A job that has not ended lives long enough to outlast QStash's retries, then expires anyway.
  const liveTtl = e.JOB_RETENTION_SECONDS + 3600;
  const cacheKey = e.RESULT_CACHE_SECONDS > 0 ? job.cacheKey : "";
  const budget = budgetGate(job.owner, job.createdAt);
  const visit = visitTouch(job.owner, job.createdAt);
  const { outcome, values } = await CREATE_JOB.run({
    keys: {
      dedupe: job.dedupeKey,
      job: keys.job(job.id),
      ownerJobs: keys.ownerJobs(job.owner),
      activeJobs: keys.activeJobs(),
      recentJobs: keys.recentJobs(),
      ...metricKeys(job.createdAt),
      resultCache: cacheKey,
      ...budget.keys,
      ...visit.keys,
    },
    args: {
      jobId: job.id,
      jobPrefix: keys.jobPrefix(),
      dedupeTtl: e.JOB_DEDUPE_SECONDS,
      liveTtl,
      ownerJobsTtl: ttl.ownerJobs,
      ownerJobsMax: 100,
      createdAt: job.createdAt,
      analysisType: job.analysisType,
      ...metricTtls(),
      recentWindow: liveTtl,
      ...budget.args,
      ...visit.args,
      usageFields: startUsage(job.analysisType, job.params, job.createdAt),
    },
    rest: flat(fields),
  });
  const [foundId, pairs] = values;
  switch (outcome) {
    case "over_budget":
      return { overBudget: foundId as "total" | "visitor" };
    case "created": {
      const created = fromHash(job.id, pairsToRecord(flat(fields)));
      return { job: created, deduplicated: false, cached: false };
    }
    case "cached":
      return { job: fromHash(job.id, pairsToRecord(pairs)), deduplicated: false, cached: true };
    case "deduplicated": {
      const live = fromHash(String(foundId), pairsToRecord(pairs));
      return { job: live, deduplicated: true, cached: false };
    }
  }
}

/** The job hash, in one HGETALL (null when it is gone). */
export async function getJob(id: string): Promise<Job | null> {
  const hash = await hgetallRecord(keys.job(id));
  return hash ? fromHash(id, hash) : null;
}

/**
 * The steps hash holds each finished step's checkpoint under its name, and ops bookkeeping under
 * names starting with "@" ('@at:{step}', '@attempt:{n}'); this splits the two.
 */
export function splitSteps(pairs: unknown): {
  checkpoints: Record<string, string>;
  meta: Record<string, string>;
} {
  const checkpoints: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(pairsToRecord(pairs)))
    (k.startsWith("@") ? meta : checkpoints)[k] = v;
  return { checkpoints, meta };
}

export type ReviveOutcome =
  | { revived: true; n: number }
  | { revived: false; reason: "missing" }
  | { revived: false; reason: "ended"; status: JobStatus }
  | { revived: false; reason: "held"; retryInMs: number }
  | { revived: false; reason: "not_stale"; inMs: number }
  | { revived: false; reason: "over_bound"; bound: "max_age" | "timeout"; ms: number };

/**
 * Notes a revival of a job that nothing is moving (see lib/jobs/revive.ts), unless it has a
 * live lease, showed life within `staleMs`, or is over its age or run bound (then the caller
 * fails it). One round trip.
 */
export async function markRevived(
  id: string,
  o: { why: string; staleMs: number; maxAgeMs: number; timeoutMs: number },
): Promise<ReviveOutcome> {
  const { outcome, values } = await REVIVE_JOB.run({
    keys: { job: keys.job(id), lease: keys.jobLease(id), steps: keys.jobSteps(id) },
    args: {
      now: Date.now(),
      staleMs: o.staleMs,
      why: o.why,
      maxAgeMs: o.maxAgeMs,
      timeoutMs: o.timeoutMs,
    },
  });
  const [first, second] = values;
  switch (outcome) {
    case "revived":
      return { revived: true, n: Number(first) };
    case "missing":
      return { revived: false, reason: "missing" };
    case "ended":
      return { revived: false, reason: "ended", status: first as JobStatus };
    case "held":
      return { revived: false, reason: "held", retryInMs: Math.max(0, Number(first)) };
    case "not_stale":
      return { revived: false, reason: "not_stale", inMs: Number(first) };
    case "over_bound":
      return {
        revived: false,
        reason: "over_bound",
        bound: first as "max_age" | "timeout",
        ms: Number(second),
      };
  }
}

export type FinishOutcome =
  | { finished: true; status: JobStatus }
  | { finished: false; reason: "lease_lost" | "lease_alive" | "missing" }
  | { finished: false; reason: "ended"; status: JobStatus };

/** Ends the job. `token` null: the caller holds no lease, and must not end a job a live worker holds. */
export async function finishJob(
  id: string,
  token: string | null,
  end:
    | { status: "succeeded"; result: unknown }
    | { status: "failed"; error: JobError }
    | { status: "canceled" },
): Promise<FinishOutcome> {
  const now = Date.now();
  const { outcome, values } = await FINISH_JOB.run({
    keys: {
      job: keys.job(id),
      steps: keys.jobSteps(id),
      lease: keys.jobLease(id),
      activeJobs: keys.activeJobs(),
      ...metricKeys(now),
    },
    args: {
      token: token ?? "",
      ending: end.status,
      now,
      retentionTtl: env().JOB_RETENTION_SECONDS,
      resultJson: end.status === "succeeded" ? JSON.stringify(end.result) : "",
      errorJson: end.status === "failed" ? JSON.stringify(end.error) : "",
      jobId: id,
      ...metricTtls(),
      ...modelPricing(),
      resultCacheTtl: env().RESULT_CACHE_SECONDS,
      inputCaused: end.status === "failed" && isInputCaused(end.error.code) ? "1" : "0",
    },
  });
  switch (outcome) {
    case "finished":
      return { finished: true, status: values[0] as JobStatus };
    case "ended":
      return { finished: false, reason: "ended", status: values[0] as JobStatus };
    case "lease_lost":
    case "lease_alive":
    case "missing":
      return { finished: false, reason: outcome };
  }
}

export type CancelOutcome =
  | { found: false }
  | { found: true; state: "already_ended"; status: JobStatus }
  | { found: true; state: "canceled" | "stopping" };

export async function requestCancel(id: string, owner: string): Promise<CancelOutcome> {
  const now = Date.now();
  const visit = visitTouch(owner, now);
  const { outcome, values } = await REQUEST_CANCEL.run({
    keys: {
      job: keys.job(id),
      steps: keys.jobSteps(id),
      activeJobs: keys.activeJobs(),
      ...metricKeys(now),
      ...visit.keys,
    },
    args: {
      owner,
      now,
      retentionTtl: env().JOB_RETENTION_SECONDS,
      jobId: id,
      ...metricTtls(),
      ...visit.args,
    },
  });
  switch (outcome) {
    case "missing":
      return { found: false };
    case "already_ended":
      return { found: true, state: "already_ended", status: values[0] as JobStatus };
    case "canceled":
      return { found: true, state: outcome };
    case "stopping": {
      // The response in flight stops generating (and billing) now, not at the worker's next write.
      const call = parseModelCall(String(values[0] ?? ""));
      if (call) await cancelResponse(call.id);
      return { found: true, state: outcome };
    }
  }
}

export type RetryOutcome =
  | { ok: true; retries: number }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "not_retryable"; status: JobStatus }
  | { ok: false; reason: "superseded"; jobId: string }
  | { ok: false; reason: "over_budget"; which: "total" | "visitor" };

/** Queues a failed or canceled job again under the same id, keeping its checkpoints. */
export async function retryJob(id: string, owner: string): Promise<RetryOutcome> {
  const e = env();
  const now = Date.now();
  const budget = budgetGate(owner, now);
  const visit = visitTouch(owner, now);
  const { outcome, values } = await RETRY_JOB.run({
    keys: {
      job: keys.job(id),
      steps: keys.jobSteps(id),
      activeJobs: keys.activeJobs(),
      ...metricKeys(now),
      ...budget.keys,
      ...visit.keys,
    },
    args: {
      owner,
      now,
      liveTtl: e.JOB_RETENTION_SECONDS + 3600,
      dedupeTtl: e.JOB_DEDUPE_SECONDS,
      jobId: id,
      ...metricTtls(),
      jobPrefix: keys.jobPrefix(),
      ...budget.args,
      ...visit.args,
    },
  });
  const [value] = values;
  switch (outcome) {
    case "queued":
      return { ok: true, retries: Number(value) };
    case "over_budget":
      return { ok: false, reason: "over_budget", which: value as "total" | "visitor" };
    case "not_retryable":
      return { ok: false, reason: "not_retryable", status: value as JobStatus };
    case "superseded":
      return { ok: false, reason: "superseded", jobId: String(value) };
    case "missing":
      return { ok: false, reason: "missing" };
  }
}

export type JobSummary = Pick<
  Job,
  | "id"
  | "subject"
  | "analysisType"
  | "status"
  | "progress"
  | "createdAt"
  | "finishedAt"
  | "startedAt"
  | "attempt"
  | "updatedAt"
  | "enqueuedAt"
  | "runMs"
  | "leasedAt"
  | "timeoutMs"
  | "waitUntil"
  | "retries"
> & { errorCode: string | null };

/** An owner's most recent jobs, newest first, in one round trip. Expired jobs drop out. */
export async function listOwnerJobs(owner: string, limit = 20): Promise<JobSummary[]> {
  return listIndexedJobs(keys.ownerJobs(owner), limit);
}

/** The newest `limit` jobs of an index (an owner's history, jobs:recent, jobs:active), one round trip. */
export async function listIndexedJobs(index: string, limit: number): Promise<JobSummary[]> {
  const jobPrefix = keys.jobPrefix();
  const reply = await LIST_OWNER_JOBS.run({ keys: { index }, args: { jobPrefix, limit } });
  const rows = reply as Array<[string, unknown]>;
  return rows.map(([id, pairs]) => {
    const h = pairsToRecord(pairs);
    return {
      id,
      subject: h.subject ?? "",
      analysisType: h.analysisType as Job["analysisType"],
      status: h.status as Job["status"],
      progress: Number(h.progress) || 0,
      createdAt: Number(h.createdAt),
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
      startedAt: h.startedAt ? Number(h.startedAt) : null,
      attempt: Number(h.attempt) || 0,
      updatedAt: Number(h.updatedAt) || Number(h.createdAt),
      enqueuedAt: Number(h.enqueuedAt) || Number(h.createdAt),
      runMs: Number(h.runMs) || 0,
      leasedAt: h.leasedAt ? Number(h.leasedAt) : null,
      timeoutMs: Number(h.timeoutMs) || DEFAULT_TIMEOUT_MS,
      waitUntil: h.waitUntil ? Number(h.waitUntil) : null,
      retries: Number(h.retries) || 0,
      errorCode: h.error ? (JSON.parse(h.error) as JobError).code : null,
    };
  });
}
