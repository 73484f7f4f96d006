import "server-only";
import { nanoid } from "nanoid";
import { AppError } from "@/lib/errors";
import { definitions } from "@/lib/jobs/definitions";
import { env } from "@/lib/env";
import { identityHash, resultHash } from "@/lib/jobs/identity";
import { publishJob } from "@/lib/jobs/publish";
import { budgetSpent } from "@/lib/jobs/budget";
import { takeStartSlot } from "@/lib/jobs/rate-limit";
import type { Caller } from "@/lib/limits/caller";
import type { AnalysisType, Job, Params } from "@/lib/jobs/schema";
import { createJob, findJobByIdentity, finishJob } from "@/lib/jobs/store";
import { getListing } from "@/lib/listings/store";
import type { Listing } from "@/lib/listings/schema";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import { errorEvent } from "@/lib/telemetry/error-event";
import { recordError } from "@/lib/telemetry/error-record";
import { visitorHash } from "@/lib/telemetry/visitor";

/** A queued job older than this with no worker yet gets its message published again (same dedup id), in ms. */
const REPUBLISH_AFTER_MS = 30_000;

export type StartInput = { listingId: string; analysisType: AnalysisType; params?: Params };

/** Validates params for the type, returning them with defaults filled in; 400 when they do not fit. */
export function parseParams(analysisType: AnalysisType, params: Params | undefined): Params {
  const parsed = definitions[analysisType].params.safeParse(params ?? {});
  if (parsed.success) return parsed.data as Params;
  const issue = parsed.error.issues[0];
  throw new AppError("bad_request:params", `params${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`);
}

export function dedupeKeyFor(owner: string, listingId: string, analysisType: AnalysisType, params: Params): string {
  return keys.jobByListing(listingId, analysisType, identityHash(owner, params));
}

export type Created = { job: Job; deduplicated: boolean; cached: boolean; orphaned: boolean };

/**
 * Creates the job of one analysis of a listing that exists (or finds the live one with the same
 * identity, or serves it from the result cache) without queueing it. `orphaned`: a live queued
 * job that never got going — its message should be published again (same dedup id). Throws the
 * 429/503 of a spent token budget when it would be new work (nothing was written then).
 */
export async function createAnalysisJob(owner: string, listing: Listing, analysisType: AnalysisType, params: Params): Promise<Created> {
  const outcome = await createJob({
    id: nanoid(16), owner, listingId: listing.id, analysisType, params, createdAt: Date.now(),
    dedupeKey: dedupeKeyFor(owner, listing.id, analysisType, params),
    cacheKey: keys.resultCache(analysisType, resultHash(listing, env().OPENAI_MODEL, params)),
  });
  if ("overBudget" in outcome) throw budgetSpent(outcome.overBudget);
  const { job, deduplicated, cached } = outcome;
  const orphaned = deduplicated && job.status === "queued" && job.attempt === 0 && Date.now() - job.createdAt > REPUBLISH_AFTER_MS;
  return { job, deduplicated, cached, orphaned };
}

/** What needs a message: a new job that the cache did not answer, or an orphaned one. */
export const needsPublish = (c: Created) => !c.cached && (!c.deduplicated || c.orphaned);

/**
 * The queue could not be reached: the new jobs are failed (never left queued with no message,
 * and a new start is allowed), the failure recorded, and the caller answers 503.
 */
export async function queueUnavailable(owner: string, jobs: Job[], error: unknown): Promise<AppError> {
  const jobError = { code: "queue_unavailable", category: "NETWORK", message: "The analysis could not be queued. Please try again.", retryable: true } as const;
  for (const job of jobs) {
    await finishJob(job.id, null, { status: "failed", error: jobError });
    await recordError(errorEvent(jobError, "start:publish", error, "final"), { jobId: job.id, analysisType: job.analysisType, visitor: visitorHash(owner) });
  }
  return new AppError("unavailable:queue", "The analysis could not be queued right now. Please try again in a moment.");
}

export async function requireListing(listingId: string): Promise<Listing> {
  const listing = await getListing(listingId);
  if (!listing) throw new AppError("not_found:listing", `No listing with the id ${listingId} (pasted listings expire after 7 days).`);
  return listing;
}

/**
 * Starts an analysis: one Lua script creates the job (or finds the live one with the same
 * identity, or answers from the result cache), then one QStash publish queues it. If the
 * publish fails the job is marked failed and the caller gets a 503.
 */
export async function startAnalysis(caller: Caller, input: StartInput): Promise<{ job: Job; deduplicated: boolean }> {
  const owner = caller.owner.id;
  const params = parseParams(input.analysisType, input.params);
  const listing = await requireListing(input.listingId);
  const slot = await takeStartSlot(caller);
  if (!slot.ok) return answerOverLimit(owner, listing, input.analysisType, params, slot.error);
  const created = await createAnalysisJob(owner, listing, input.analysisType, params);
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
async function answerOverLimit(owner: string, listing: Listing, analysisType: AnalysisType, params: Params, refused: AppError): Promise<{ job: Job; deduplicated: boolean }> {
  const live = await findJobByIdentity(dedupeKeyFor(owner, listing.id, analysisType, params));
  if (live && live.owner === owner && (live.status === "queued" || live.status === "running" || live.status === "succeeded")) return { job: live, deduplicated: true };
  const cacheKey = keys.resultCache(analysisType, resultHash(listing, env().OPENAI_MODEL, params));
  if (env().RESULT_CACHE_SECONDS > 0 && (await redis().exists(cacheKey)) === 1) {
    const created = await createAnalysisJob(owner, listing, analysisType, params);
    if (created.cached || created.deduplicated) return { job: created.job, deduplicated: created.deduplicated };
    // The cached result expired in between: the job exists now, so it is queued like any other.
    await publishJob(created.job).catch(async (error) => {
      throw await queueUnavailable(owner, [created.job], error);
    });
    return { job: created.job, deduplicated: false };
  }
  throw refused;
}
