import "server-only";
import { isTerminal, toPublic, type Job, type PublicJob } from "@/lib/jobs/schema";
import type { JobKind } from "@/lib/jobs/kind";
import { dedupeKeyFor, parseInput, parseParams } from "@/lib/jobs/start";
import type { Params } from "@/lib/jobs/schema";
import { reviveIfStranded } from "@/lib/jobs/revive";
import { findJobByIdentity, pollJob } from "@/lib/jobs/poll";

export type StatusView = {
  job: PublicJob;
  /** Changes whenever the job does (its version): polls send it back as If-None-Match. */
  etag: string;
  /** When the client should ask again, in ms; 0 means the job ended, stop polling. */
  nextPollMs: number;
};

export function etagOf(job: Job): string {
  return `"${job.id}.${job.version}"`;
}

/**
 * When the client should poll again, in ms (0: the job ended, stop). From the ETA: 35 % of the
 * time left, within 1–15 s, so polls are rare mid-job and tighten geometrically toward the end —
 * never past the likely end, even when the estimate runs high (a poll then comes sooner than the
 * end, and the next one sooner still): completion shows within about a second. Never longer
 * than the job has been running either: the first estimates, from a second or two of work, can
 * run several times high, and a short job would end unseen behind them. A job being canceled is
 * polled every 400 ms until it has stopped; 1 s while queued, 2 s while running without an
 * estimate yet (its first second or two of model work).
 */
export function nextPollMs(
  job: Pick<Job, "status" | "etaMs" | "cancelRequested" | "startedAt">,
  now = Date.now(),
): number {
  if (isTerminal(job.status)) return 0;
  if (job.cancelRequested) return 400;
  if (job.status === "queued") return 1_000;
  if (job.etaMs === null) return 2_000;
  const running = job.startedAt === null ? Infinity : now - job.startedAt;
  return Math.round(Math.max(1_000, Math.min(15_000, job.etaMs * 0.35, running)));
}

export function view(job: Job): StatusView {
  return { job: toPublic(job), etag: etagOf(job), nextPollMs: nextPollMs(job) };
}

/**
 * The status of one job for its owner, in one Redis command (which also records the visit at
 * `now`, ms). A job another owner started is reported as missing. A job that looks stranded
 * (queued or running, no sign of life for JOB_STALE_MS) takes the stale path: revived, or failed
 * when over its bounds (lib/jobs/revive.ts).
 */
export async function jobStatus(
  owner: string,
  jobId: string,
  now = Date.now(),
): Promise<StatusView | null> {
  const job = await pollJob(jobId, owner, now);
  if (!job) return null;
  return view(await reviveIfStranded(job));
}

/** The owner's current job for an identity (what a start with the same input would return). */
export async function findJobStatus(
  owner: string,
  identity: { kind: JobKind; input: unknown; params?: Params },
): Promise<StatusView | null> {
  const params = parseParams(identity.kind, identity.params);
  const input = parseInput(identity.kind, identity.input);
  const job = await findJobByIdentity(dedupeKeyFor(owner, identity.kind, input, params), owner);
  if (!job || job.owner !== owner) return null;
  return view(await reviveIfStranded(job));
}
