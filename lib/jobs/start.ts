import "server-only";
import { nanoid } from "nanoid";
import { AppError, type ErrorCode } from "@/lib/errors";
import { env } from "@/lib/env";
import { identityHash, resultHash } from "@/lib/jobs/identity";
import type { JobKind } from "@/lib/jobs/kind";
import { publishJob } from "@/lib/jobs/publish";
import { budgetSpent } from "@/lib/jobs/budget";
import { takeStartSlot } from "@/lib/jobs/rate-limit";
import type { Caller } from "@/lib/limits/caller";
import type { Job, JobInput, Params } from "@/lib/jobs/schema";
import { findJobByIdentity } from "@/lib/jobs/poll";
import { createJob, finishJob } from "@/lib/jobs/store";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import { errorEvent } from "@/lib/telemetry/error-event";
import { recordError } from "@/lib/telemetry/error-record";
import { visitorHash } from "@/lib/telemetry/visitor";

/** A queued job older than this with no worker yet gets its message published again (same dedup id), in ms. */
const REPUBLISH_AFTER_MS = 30_000;

/** A start as the browser asks for it: a kind, its input and params (both checked by the kind). */
export type StartInput = { kind: JobKind; input: unknown; params?: Params };

/** Checks `value` against one of the kind's schemas; a 400 naming the field when it does not fit. */
function parseFor<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  value: unknown,
  field: "params" | "input",
  code: ErrorCode,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError(
    code,
    `${field}${issue.path.length ? `.${issue.path.map(String).join(".")}` : ""}: ${issue.message}`,
  );
}

/** Validates params for the kind, returning them with defaults filled in; 400 when they do not fit. */
export function parseParams(kind: JobKind, params: Params | undefined): Params {
  return parseFor(kind.params, params ?? {}, "params", "bad_request:params") as Params;
}

/** Validates the kind's input; 400 when it does not fit. */
export function parseInput(kind: JobKind, input: unknown): JobInput {
  return parseFor(kind.input, input ?? {}, "input", "bad_request:input") as JobInput;
}

export function dedupeKeyFor(
  owner: string,
  kind: JobKind,
  input: JobInput,
  params: Params,
): string {
  return keys.jobByIdentity(kind.kind, identityHash(owner, input, params));
}

/** A start whose input was checked and resolved: what CREATE_JOB needs to know of it. */
export type Resolved = {
  kind: JobKind;
  input: JobInput;
  params: Params;
  subject: { id: string; content: string };
};

/** Parses and resolves a start (400 for bad input or params, 404 when its subject is gone). */
export async function resolveStart(start: StartInput, owner: string): Promise<Resolved> {
  const params = parseParams(start.kind, start.params);
  const input = parseInput(start.kind, start.input);
  return { kind: start.kind, input, params, subject: await start.kind.resolve(input, owner) };
}

const cacheKeyFor = (r: Resolved) =>
  keys.resultCache(r.kind.kind, resultHash(r.subject.content, env().OPENAI_MODEL, r.params));

export type Created = { job: Job; deduplicated: boolean; cached: boolean; orphaned: boolean };

/**
 * Creates the job of one resolved start (or finds the live one with the same identity, or
 * serves it from the result cache) without queueing it. `orphaned`: a live queued job that never
 * got going — its message should be published again (same dedup id). Throws the 429/503 of a
 * spent token budget when it would be new work (nothing was written then).
 */
export async function createKindJob(owner: string, r: Resolved): Promise<Created> {
  const outcome = await createJob({
    id: nanoid(16),
    owner,
    subject: r.subject.id,
    analysisType: r.kind.kind,
    input: r.input,
    params: r.params,
    createdAt: Date.now(),
    timeoutMs: r.kind.timeoutMs,
    dedupeKey: dedupeKeyFor(owner, r.kind, r.input, r.params),
    cacheKey: cacheKeyFor(r),
  });
  if ("overBudget" in outcome) throw budgetSpent(outcome.overBudget);
  const { job, deduplicated, cached } = outcome;
  const orphaned =
    deduplicated &&
    job.status === "queued" &&
    job.attempt === 0 &&
    Date.now() - job.createdAt > REPUBLISH_AFTER_MS;
  return { job, deduplicated, cached, orphaned };
}

/** What needs a message: a new job that the cache did not answer, or an orphaned one. */
export const needsPublish = (c: Created) => !c.cached && (!c.deduplicated || c.orphaned);

/**
 * The queue could not be reached: the new jobs are failed (never left queued with no message,
 * and a new start is allowed), the failure recorded, and the caller answers 503.
 */
export async function queueUnavailable(
  owner: string,
  jobs: Job[],
  error: unknown,
): Promise<AppError> {
  const jobError = {
    code: "queue_unavailable",
    category: "NETWORK",
    message: "The analysis could not be queued. Please try again.",
    retryable: true,
  } as const;
  for (const job of jobs) {
    await finishJob(job.id, null, { status: "failed", error: jobError });
    await recordError(errorEvent(jobError, "start:publish", error, "final"), {
      jobId: job.id,
      analysisType: job.analysisType,
      visitor: visitorHash(owner),
    });
  }
  return new AppError(
    "unavailable:queue",
    "The analysis could not be queued right now. Please try again in a moment.",
  );
}

/**
 * Starts a job of any kind: one Lua script creates it (or finds the live one with the same
 * identity, or answers from the result cache), then one QStash publish queues it. If the
 * publish fails the job is marked failed and the caller gets a 503.
 */
export async function startJob(
  caller: Caller,
  start: StartInput,
): Promise<{ job: Job; deduplicated: boolean }> {
  const owner = caller.owner.id;
  const resolved = await resolveStart(start, owner);
  const slot = await takeStartSlot(caller);
  if (!slot.ok) return answerOverLimit(owner, resolved, slot.error);
  const created = await createKindJob(owner, resolved);
  if (created.deduplicated || created.cached) await slot.giveBack();
  if (!needsPublish(created)) return { job: created.job, deduplicated: created.deduplicated };
  try {
    await publishJob(created.job);
  } catch (error) {
    if (created.orphaned) return { job: created.job, deduplicated: true };
    throw await queueUnavailable(owner, [created.job], error);
  }
  return { job: created.job, deduplicated: created.deduplicated };
}

/**
 * A visitor over the start limit is still answered when the start would make no new work: the
 * live job of the same analysis (a duplicate click), or a job served from the result cache.
 * Only when it would start something new is the 429 the answer.
 */
async function answerOverLimit(
  owner: string,
  r: Resolved,
  refused: AppError,
): Promise<{ job: Job; deduplicated: boolean }> {
  const live = await findJobByIdentity(dedupeKeyFor(owner, r.kind, r.input, r.params), owner);
  if (
    live &&
    live.owner === owner &&
    (live.status === "queued" || live.status === "running" || live.status === "succeeded")
  )
    return { job: live, deduplicated: true };
  if (env().RESULT_CACHE_SECONDS > 0 && (await redis().exists(cacheKeyFor(r))) === 1) {
    const created = await createKindJob(owner, r);
    if (created.cached || created.deduplicated)
      return { job: created.job, deduplicated: created.deduplicated };
    // The cached result expired in between: the job exists now, so it is queued like any other.
    await publishJob(created.job).catch(async (error) => {
      throw await queueUnavailable(owner, [created.job], error);
    });
    return { job: created.job, deduplicated: false };
  }
  throw refused;
}
