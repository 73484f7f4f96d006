import "server-only";
import { env } from "@/lib/env";
import { jobTimeoutMs } from "@/lib/jobs/timeout";
import { fromHash, isJobId, jobErrorSchema, type Job, type JobStatus } from "@/lib/jobs/schema";
import { pairsToRecord } from "@/lib/redis/script";
import { listIndexedJobs, splitSteps, type JobSummary } from "@/lib/jobs/store";
import type { OpsJobDetail, OpsJobRow } from "@/lib/ops/types";
import { visitorHash } from "@/lib/telemetry/visitor";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/** Live jobs read per dashboard refresh (the jobs:active index). */
const LIVE_MAX = 1000;

const row = (j: JobSummary): OpsJobRow => ({
  id: j.id,
  subject: j.subject,
  analysisType: j.analysisType,
  status: j.status,
  progress: j.progress,
  attempt: j.attempt,
  createdAt: j.createdAt,
  finishedAt: j.finishedAt,
  errorCode: j.errorCode,
});

type Bounded = Pick<
  JobSummary,
  "status" | "timeoutMs" | "updatedAt" | "enqueuedAt" | "runMs" | "leasedAt"
>;

/**
 * Is a live job over one of its bounds: run under leases longer than its type allows (a
 * holder's run counts up to its last write), or alive longer than JOB_MAX_AGE_MS since it was
 * queued? Such a job is failed by its worker or the revive path; until then it is stuck.
 */
export function isStuck(j: Bounded, now = Date.now()): boolean {
  if (j.status !== "running" && j.status !== "queued") return false;
  const run = j.runMs + (j.leasedAt !== null ? Math.max(0, j.updatedAt - j.leasedAt) : 0);
  return run > jobTimeoutMs(j) || now - j.enqueuedAt > env().JOB_MAX_AGE_MS;
}

export type LiveCounts = {
  queued: number;
  running: number;
  stuck: number;
  /** Of the stuck, those never delivered yet (a paused flow holds exactly these). */
  stuckQueued: number;
  stuckIds: string[];
};

/** The live (queued/running) jobs, newest first, from the jobs:active index in one command. */
export async function liveJobs(): Promise<JobSummary[]> {
  return listIndexedJobs(keys.activeJobs(), LIVE_MAX);
}

/** Queued, running and stuck jobs among `live` (rows of the live index) at `now`. Pure. */
export function countLive(live: JobSummary[], now = Date.now()): LiveCounts {
  const stuck = live.filter((j) => isStuck(j, now));
  return {
    queued: live.filter((j) => j.status === "queued").length,
    running: live.filter((j) => j.status === "running").length,
    stuck: stuck.length,
    stuckQueued: stuck.filter((j) => j.status === "queued").length,
    stuckIds: stuck.map((j) => j.id),
  };
}

/** Queued, running and stuck jobs right now, from the live index in one command. */
export async function liveCounts(now = Date.now()): Promise<LiveCounts> {
  return countLive(await liveJobs(), now);
}

export type JobSearch = { q?: string; status?: JobStatus; listing?: string; limit?: number };

/** The newest jobs matching the filters; an exact job id finds that job even when it is old. */
export async function searchJobs(search: JobSearch): Promise<OpsJobRow[]> {
  const limit = search.limit ?? 100;
  const q = search.q?.trim();
  if (q) {
    const detail = await jobDetail(q);
    if (detail) return [detail.job];
  }
  const recent = await listIndexedJobs(keys.recentJobs(), 1000);
  return recent
    .filter(
      (j) =>
        (!search.status || j.status === search.status) &&
        (!search.listing || j.subject === search.listing) &&
        (!q || j.id.includes(q) || j.subject.includes(q)),
    )
    .slice(0, limit)
    .map(row);
}

/** A job as an operator sees it: fields, step timeline and deliveries, in one round trip. */
export async function jobDetail(id: string): Promise<OpsJobDetail | null> {
  if (!isJobId(id)) return null;
  const pipe = redis().pipeline();
  pipe.hgetall(keys.job(id));
  pipe.hgetall(keys.jobSteps(id));
  const [jobPairs, stepPairs] = (await pipe.exec()) as [unknown, unknown];
  const hash = pairsToRecord(jobPairs);
  if (!hash.status) return null;
  const job: Job = fromHash(id, hash);
  const { checkpoints, meta } = splitSteps(stepPairs);
  const lastError = hash.lastError ? jobErrorSchema.safeParse(JSON.parse(hash.lastError)) : null;
  const stamp = (v: string | undefined) => (v ? v.split(" ") : []);
  const steps = Object.keys(checkpoints)
    .map((name) => {
      const [at, attempt] = stamp(meta[`@at:${name}`]);
      return { name, at: at ? Number(at) : null, attempt: attempt ? Number(attempt) : null };
    })
    .sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const attempts = Object.entries(meta)
    .filter(([k]) => k.startsWith("@attempt:"))
    .map(([k, v]) => {
      const [at, ...rest] = stamp(v);
      return { attempt: Number(k.slice(9)), at: Number(at), messageId: rest.join(" ") };
    })
    .sort((a, b) => a.attempt - b.attempt);
  const retries = Object.entries(meta)
    .filter(([k]) => k.startsWith("@retry:"))
    .map(([k, v]) => {
      const [at, previousStatus, errorCode] = stamp(v);
      return {
        retry: Number(k.slice(7)),
        at: Number(at),
        previousStatus: previousStatus ?? "",
        errorCode: errorCode || null,
      };
    })
    .sort((a, b) => a.retry - b.retry);
  return {
    retries,
    job: {
      ...row({ ...job, errorCode: job.error?.code ?? null }),
      params: job.params,
      step: job.step,
      startedAt: job.startedAt,
      updatedAt: job.updatedAt,
      cancelRequested: job.cancelRequested,
      usage: job.usage,
      billed: job.billed,
      error: job.error,
      lastError: lastError?.success ? lastError.data : null,
      messageId: hash.messageId || null,
      visitor: visitorHash(job.owner),
    },
    steps,
    attempts,
  };
}
