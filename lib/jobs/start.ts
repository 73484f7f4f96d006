import "server-only";
import { nanoid } from "nanoid";
import { AppError } from "@/lib/errors";
import { definitions } from "@/lib/jobs/definitions";
import { env } from "@/lib/env";
import { identityHash, resultHash } from "@/lib/jobs/identity";
import { publishJob } from "@/lib/jobs/publish";
import { checkStartLimit } from "@/lib/jobs/rate-limit";
import type { AnalysisType, Job, Params } from "@/lib/jobs/schema";
import { createJob, finishJob } from "@/lib/jobs/store";
import { getListing } from "@/lib/listings/store";
import { keys } from "@/lib/redis/keys";
import { errorEvent } from "@/lib/ops/classify";
import { recordError } from "@/lib/ops/error-store";
import { visitorHash } from "@/lib/ops/visitor";

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

/**
 * Starts an analysis: one Lua script creates the job (or finds the live one with the same
 * identity), then one QStash publish queues it. If the publish fails the job is marked failed
 * (so it is never left queued forever and a new start is allowed) and the caller gets a 503.
 */
export async function startAnalysis(owner: string, input: StartInput): Promise<{ job: Job; deduplicated: boolean }> {
  const params = parseParams(input.analysisType, input.params);
  const listing = await getListing(input.listingId);
  if (!listing) throw new AppError("not_found:listing", "No listing with that id (pasted listings expire after 7 days).");
  await checkStartLimit(owner);
  const id = nanoid(16);
  const { job, deduplicated, cached } = await createJob({
    id, owner, listingId: input.listingId, analysisType: input.analysisType, params, createdAt: Date.now(),
    dedupeKey: dedupeKeyFor(owner, input.listingId, input.analysisType, params),
    cacheKey: keys.resultCache(input.analysisType, resultHash(listing, env().OPENAI_MODEL, params)),
  });
  // Served from the result cache: the job is already succeeded, nothing to queue.
  if (cached) return { job, deduplicated: false };
  const orphaned = deduplicated && job.status === "queued" && job.attempt === 0 && Date.now() - job.createdAt > REPUBLISH_AFTER_MS;
  if (deduplicated && !orphaned) return { job, deduplicated };
  try {
    await publishJob(job);
  } catch (error) {
    if (orphaned) return { job, deduplicated };
    const jobError = { code: "queue_unavailable", category: "NETWORK", message: "The analysis could not be queued. Please try again.", retryable: true } as const;
    await finishJob(id, null, { status: "failed", error: jobError });
    await recordError(errorEvent(jobError, "start:publish", error, "final"), { jobId: id, analysisType: input.analysisType, visitor: visitorHash(owner) });
    throw new AppError("unavailable:queue", "The analysis could not be queued right now. Please try again in a moment.");
  }
  return { job, deduplicated };
}
