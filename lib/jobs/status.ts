import "server-only";
import { env } from "@/lib/env";
import { jobTimeoutMs } from "@/lib/jobs/definitions";
import { timeoutError } from "@/lib/jobs/classify";
import { isTerminal, toPublic, type Job, type PublicJob } from "@/lib/jobs/schema";
import { dedupeKeyFor, parseParams } from "@/lib/jobs/start";
import type { AnalysisType, Params } from "@/lib/jobs/schema";
import { findJobByIdentity, finishJob, getJob } from "@/lib/jobs/store";
import { errorEvent } from "@/lib/ops/classify";
import { recordError } from "@/lib/ops/error-store";

export type StatusView = {
  job: PublicJob;
  /** Changes whenever the job does (its version): polls send it back as If-None-Match. */
  etag: string;
  /** When the client should ask again, in ms; 0 means the job ended, stop polling. */
  nextPollMs: number;
};

/** How long past its timeout a running job may go unseen by a worker before a read ends it, in ms. */
const SWEEP_GRACE_MS = 30_000;

export function etagOf(job: Job): string {
  return `"${job.id}.${job.version}"`;
}

/**
 * The soonest the client should poll again, in ms (0: the job ended, stop). From the ETA: a
 * third of the time left, within 0.5–10 s, so polls are rare mid-job and close together near
 * the end (completion shows up fast); 4 s while the ETA is not known yet.
 */
export function nextPollMs(job: Job): number {
  if (isTerminal(job.status)) return 0;
  if (job.status === "queued") return 1_000;
  if (job.etaMs === null) return 4_000;
  return Math.max(500, Math.min(10_000, Math.round(job.etaMs / 3)));
}

export function view(job: Job): StatusView {
  return { job: toPublic(job), etag: etagOf(job), nextPollMs: nextPollMs(job) };
}

/**
 * The status of one job for its owner, in one Redis read. A job another owner started is
 * reported as missing. A job still "running" well past its timeout (its worker died and QStash
 * has not given up yet) is ended here, so no job stays running past its timeout.
 */
export async function jobStatus(owner: string, jobId: string): Promise<StatusView | null> {
  const job = await getJob(jobId, owner);
  if (!job || job.owner !== owner) return null;
  return view(await sweepIfStuck(job));
}

export async function sweepIfStuck(job: Job): Promise<Job> {
  if (job.status !== "running" || job.startedAt === null) return job;
  const timeoutMs = jobTimeoutMs(job.analysisType, env().JOB_TIMEOUT_MS);
  if (Date.now() - job.startedAt < timeoutMs + SWEEP_GRACE_MS) return job;
  const error = timeoutError(timeoutMs);
  const ended = await finishJob(job.id, null, { status: "failed", error });
  if (!ended.finished) return job;
  await recordError(errorEvent(error, "status:timeout-sweep", undefined, "final"), { jobId: job.id, analysisType: job.analysisType, attempt: job.attempt });
  return (await getJob(job.id)) ?? job;
}

/** The owner's current job for an identity (what a start with the same input would return). */
export async function findJobStatus(owner: string, identity: { listingId: string; analysisType: AnalysisType; params?: Params }): Promise<StatusView | null> {
  const params = parseParams(identity.analysisType, identity.params);
  const job = await findJobByIdentity(dedupeKeyFor(owner, identity.listingId, identity.analysisType, params));
  if (!job || job.owner !== owner) return null;
  return view(await sweepIfStuck(job));
}
