import "server-only";
import { env } from "@/lib/env";
import { hgetallRecord } from "@/lib/redis/client";
import { runScript } from "@/lib/redis/script";
import { hgetallCounting } from "@/lib/telemetry/request-stats";
import { keys, ttl } from "@/lib/redis/keys";
import { DEFAULT_TIMEOUT_MS, fromHash, type Job, type JobError, type JobStatus } from "@/lib/jobs/schema";
import { pairsToRecord } from "@/lib/redis/script";
import { budgetGate, budgetMeter } from "@/lib/jobs/budget";
import { isInputCaused } from "@/lib/telemetry/error-codes";
import * as lua from "@/lib/jobs/scripts";
import { metricKeys, metricTtls, modelPricing } from "@/lib/telemetry/metric-write";
import { rememberForMs } from "@/lib/qstash/replay";
import type { SignatureId } from "@/lib/qstash/verify";

/**
 * Job state in Redis: every change is one Lua script (one round trip); reads are one command.
 * Expected outcomes come back as values; only broken infrastructure throws.
 */
const run = runScript;

const flat = (fields: Record<string, string | number>) => Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);

export type NewJob = Pick<Job, "id" | "owner" | "subject" | "analysisType" | "input" | "params" | "createdAt" | "timeoutMs"> & {
  dedupeKey: string;
  /** Where a success is cached for identical analyses (lib/jobs/identity.ts resultCacheKey); '' for none. */
  cacheKey: string;
};

/**
 * Creates the job, or returns the live job that already has its identity. `cached`: the result
 * cache held this analysis, so the job was created already succeeded (nothing to publish).
 */
export type CreateOutcome = { job: Job; deduplicated: boolean; cached: boolean } | { overBudget: "total" | "visitor" };

export async function createJob(job: NewJob): Promise<CreateOutcome> {
  const e = env();
  const fields = {
    owner: job.owner, subject: job.subject, analysisType: job.analysisType, input: JSON.stringify(job.input), params: JSON.stringify(job.params), timeoutMs: job.timeoutMs,
    status: "queued", progress: 0, attempt: 0, createdAt: job.createdAt, updatedAt: job.createdAt, enqueuedAt: job.createdAt,
    cancelRequested: 0, usageIn: 0, usageOut: 0, version: 1, dedupeKey: job.dedupeKey, cacheKey: job.cacheKey,
  };
  // A job that has not ended lives long enough to outlast QStash's retries, then expires anyway.
  const liveTtl = e.JOB_RETENTION_SECONDS + 3600;
  const cacheKey = e.RESULT_CACHE_SECONDS > 0 ? job.cacheKey : "";
  const budget = budgetGate(job.owner, job.createdAt);
  const out = (await run(lua.CREATE_JOB, [job.dedupeKey, keys.job(job.id), keys.ownerJobs(job.owner), keys.activeJobs(), keys.recentJobs(), ...metricKeys(job.createdAt), cacheKey, budget.key], [
    job.id, keys.jobPrefix(), e.JOB_DEDUPE_SECONDS, liveTtl, ttl.ownerJobs, 100, job.createdAt, job.analysisType, ...metricTtls(), liveTtl, ...budget.args, ...flat(fields),
  ])) as [number, string, unknown?];
  if (out[0] === -1) return { overBudget: out[1] as "total" | "visitor" };
  if (out[0] === 1) return { job: fromHash(job.id, pairsToRecord(flat(fields))), deduplicated: false, cached: false };
  if (out[0] === 2) return { job: fromHash(job.id, pairsToRecord(out[2])), deduplicated: false, cached: true };
  return { job: fromHash(out[1], pairsToRecord(out[2])), deduplicated: true, cached: false };
}

/**
 * One HGETALL. `pollBy`: the owner of a status poll, which also carries the API counters when
 * due (lib/telemetry/request-stats.ts).
 */
export async function getJob(id: string, pollBy?: string): Promise<Job | null> {
  const hash = await (pollBy ? hgetallCounting(keys.job(id), pollBy) : hgetallRecord(keys.job(id)));
  return hash ? fromHash(id, hash) : null;
}

export async function findJobByIdentity(dedupeKey: string): Promise<Job | null> {
  const out = (await run(lua.FIND_JOB, [dedupeKey], [keys.jobPrefix()])) as [string, unknown] | [];
  return out.length ? fromHash(out[0], pairsToRecord(out[1])) : null;
}

/**
 * The steps hash holds each finished step's checkpoint under its name, and ops bookkeeping under
 * names starting with "@" ('@at:{step}', '@attempt:{n}'); this splits the two.
 */
export function splitSteps(pairs: unknown): { checkpoints: Record<string, string>; meta: Record<string, string> } {
  const checkpoints: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(pairsToRecord(pairs))) (k.startsWith("@") ? meta : checkpoints)[k] = v;
  return { checkpoints, meta };
}

export type Lease =
  | { leased: true; job: Job; lastError: JobError | null; checkpoints: Record<string, string> }
  | { leased: false; reason: "missing" }
  | { leased: false; reason: "ended"; status: JobStatus; lastMessageId: string }
  | { leased: false; reason: "held"; retryInMs: number; holderAttempt: number; holderMessageId: string }
  | { leased: false; reason: "circuit_open"; retryInMs: number }
  | { leased: false; reason: "replayed" };

/** `signature`: the delivery's token id, claimed in the same script (a replay touches nothing). */
export async function leaseJob(id: string, token: string, messageId: string, signature: SignatureId | null = null): Promise<Lease> {
  const now = Date.now();
  const seen = signature ? keys.seenSignature(signature.id) : "";
  const out = (await run(lua.LEASE_JOB, [keys.job(id), keys.jobLease(id), keys.jobSteps(id), ...metricKeys(now), keys.circuit(), seen], [
    token, env().JOB_LEASE_MS, now, messageId, ...metricTtls(), env().JOB_LEASE_MS, signature ? rememberForMs(signature, now) : 0,
  ])) as [number, unknown?, unknown?, unknown?];
  if (out[0] === -6) return { leased: false, reason: "replayed" };
  if (out[0] === -1) return { leased: false, reason: "missing" };
  if (out[0] === -2) return { leased: false, reason: "ended", status: out[1] as JobStatus, lastMessageId: String(out[2] ?? "") };
  if (out[0] === -5) return { leased: false, reason: "circuit_open", retryInMs: Math.max(0, Number(out[1])) };
  if (out[0] === -3) return { leased: false, reason: "held", retryInMs: Math.max(0, Number(out[1])), holderAttempt: Number(out[2] ?? 0), holderMessageId: String(out[3] ?? "") };
  const hash = pairsToRecord(out[1]);
  return { leased: true, job: fromHash(id, hash), lastError: hash.lastError ? JSON.parse(hash.lastError) : null, checkpoints: splitSteps(out[2]).checkpoints };
}

export type WriteOutcome = { ok: true; cancelRequested: boolean } | { ok: false; reason: "lease_lost" } | { ok: false; reason: "ended"; status: string };

/** Tokens the AI provider billed since the job's last write (see lib/jobs/budget.ts), and whose they are. */
export type Billing = { owner: string; tokens: number };

/**
 * Progress (and, with `step`, a finished step's checkpoint); renews the lease; reads the cancel
 * flag; adds `bill` to the job's billed tokens and the budget. `step.providerOk`: the step got an
 * answer from the AI provider (closes its circuit).
 */
export async function checkpoint(id: string, token: string, fields: Record<string, string | number>, step?: { name: string; checkpoint: unknown; providerOk?: boolean }, bill?: Billing): Promise<WriteOutcome> {
  const e = env();
  const now = Date.now();
  const meter = bill ? budgetMeter(bill.owner, now) : { keys: ["", ""], args: ["", 0, 0] };
  const out = (await run(lua.CHECKPOINT_STEP, [keys.job(id), keys.jobSteps(id), keys.jobLease(id), keys.circuit(), ...meter.keys], [
    token, e.JOB_LEASE_MS, now, step?.name ?? "", step ? JSON.stringify(step.checkpoint) : "", e.JOB_RETENTION_SECONDS + 3600,
    step?.providerOk ? "1" : "0", bill?.tokens ?? 0, ...meter.args, ...flat(fields),
  ])) as [number, unknown?];
  if (out[0] === -1) return { ok: false, reason: "lease_lost" };
  if (out[0] === -2) return { ok: false, reason: "ended", status: String(out[1]) };
  return { ok: true, cancelRequested: out[1] === 1 };
}

/** `waitUntil`: when QStash will deliver the job again (ms), so it is not taken for stranded meanwhile. */
export async function releaseLease(id: string, token: string, lastError: JobError | null, waitUntil?: number): Promise<boolean> {
  const now = Date.now();
  const out = await run(lua.RELEASE_LEASE, [keys.job(id), keys.jobLease(id), ...metricKeys(now)], [
    token, now, lastError ? JSON.stringify(lastError) : "", ...metricTtls(), waitUntil ?? "",
  ]);
  return out === 1;
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
export async function markRevived(id: string, o: { why: string; staleMs: number; maxAgeMs: number; timeoutMs: number }): Promise<ReviveOutcome> {
  const out = (await run(lua.REVIVE_JOB, [keys.job(id), keys.jobLease(id), keys.jobSteps(id)], [Date.now(), o.staleMs, o.why, o.maxAgeMs, o.timeoutMs])) as [number, unknown?, unknown?];
  if (out[0] === 1) return { revived: true, n: Number(out[1]) };
  if (out[0] === -2) return { revived: false, reason: "ended", status: out[1] as JobStatus };
  if (out[0] === -3) return { revived: false, reason: "held", retryInMs: Math.max(0, Number(out[1])) };
  if (out[0] === -4) return { revived: false, reason: "not_stale", inMs: Number(out[1]) };
  if (out[0] === -5) return { revived: false, reason: "over_bound", bound: out[1] as "max_age" | "timeout", ms: Number(out[2]) };
  return { revived: false, reason: "missing" };
}

export type FinishOutcome =
  | { finished: true; status: JobStatus }
  | { finished: false; reason: "lease_lost" | "lease_alive" | "missing" }
  | { finished: false; reason: "ended"; status: JobStatus };

/** Ends the job. `token` null: the caller holds no lease, and must not end a job a live worker holds. */
export async function finishJob(id: string, token: string | null, end: { status: "succeeded"; result: unknown } | { status: "failed"; error: JobError } | { status: "canceled" }): Promise<FinishOutcome> {
  const now = Date.now();
  const out = (await run(lua.FINISH_JOB, [keys.job(id), keys.jobSteps(id), keys.jobLease(id), keys.activeJobs(), ...metricKeys(now)], [
    token ?? "", end.status, now, env().JOB_RETENTION_SECONDS,
    end.status === "succeeded" ? JSON.stringify(end.result) : "", end.status === "failed" ? JSON.stringify(end.error) : "", id,
    ...metricTtls(), ...modelPricing(), env().RESULT_CACHE_SECONDS,
    end.status === "failed" && isInputCaused(end.error.code) ? "1" : "0",
  ])) as [number, unknown?];
  const reasons = { [-1]: "lease_lost", [-3]: "lease_alive", [-4]: "missing" } as const;
  if (out[0] === 1) return { finished: true, status: out[1] as JobStatus };
  if (out[0] === -2) return { finished: false, reason: "ended", status: out[1] as JobStatus };
  return { finished: false, reason: reasons[out[0] as -1 | -3 | -4] };
}

export type CancelOutcome = { found: false } | { found: true; state: "already_ended"; status: JobStatus } | { found: true; state: "canceled" | "stopping" };

export async function requestCancel(id: string, owner: string): Promise<CancelOutcome> {
  const now = Date.now();
  const out = (await run(lua.REQUEST_CANCEL, [keys.job(id), keys.jobSteps(id), keys.activeJobs(), ...metricKeys(now)], [owner, now, env().JOB_RETENTION_SECONDS, id, ...metricTtls()])) as [number, unknown?];
  if (out[0] === -1) return { found: false };
  if (out[0] === 0) return { found: true, state: "already_ended", status: out[1] as JobStatus };
  return { found: true, state: out[0] === 1 ? "canceled" : "stopping" };
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
  const out = (await run(lua.RETRY_JOB, [keys.job(id), keys.jobSteps(id), keys.activeJobs(), ...metricKeys(now), budget.key], [
    owner, now, e.JOB_RETENTION_SECONDS + 3600, e.JOB_DEDUPE_SECONDS, id, ...metricTtls(), keys.jobPrefix(), ...budget.args,
  ])) as [number, unknown?];
  if (out[0] === 1) return { ok: true, retries: Number(out[1]) };
  if (out[0] === -4) return { ok: false, reason: "over_budget", which: out[1] as "total" | "visitor" };
  if (out[0] === -2) return { ok: false, reason: "not_retryable", status: out[1] as JobStatus };
  if (out[0] === -3) return { ok: false, reason: "superseded", jobId: String(out[1]) };
  return { ok: false, reason: "missing" };
}

export type JobSummary = Pick<
  Job,
  "id" | "subject" | "analysisType" | "status" | "progress" | "createdAt" | "finishedAt" | "startedAt" | "attempt" | "updatedAt" | "enqueuedAt" | "runMs" | "leasedAt" | "timeoutMs"
> & { errorCode: string | null };

/** An owner's most recent jobs, newest first, in one round trip. Expired jobs drop out. */
export async function listOwnerJobs(owner: string, limit = 20): Promise<JobSummary[]> {
  return listIndexedJobs(keys.ownerJobs(owner), limit);
}

/** The newest `limit` jobs of an index (an owner's history, jobs:recent, jobs:active), one round trip. */
export async function listIndexedJobs(index: string, limit: number): Promise<JobSummary[]> {
  const rows = (await run(lua.LIST_OWNER_JOBS, [index], [keys.jobPrefix(), limit])) as Array<[string, unknown]>;
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
      errorCode: h.error ? (JSON.parse(h.error) as JobError).code : null,
    };
  });
}
