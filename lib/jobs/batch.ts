import "server-only";
import { nanoid } from "nanoid";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { CREATE_BATCH, READ_BATCH } from "@/lib/jobs/batch-scripts";
import { publishJobs } from "@/lib/jobs/publish";
import { takeStartSlot } from "@/lib/jobs/rate-limit";
import type { Caller } from "@/lib/limits/caller";
import { retryAnalysis } from "@/lib/jobs/retry";
import type { BatchChild, BatchView } from "@/lib/jobs/batch-view";
import {
  isTerminal,
  jobErrorSchema,
  type AnalysisType,
  type JobStatus,
  type Params,
} from "@/lib/jobs/schema";
import { pairsToRecord } from "@/lib/redis/script";
import type { JobKind } from "@/lib/jobs/kind";
import {
  createKindJob,
  needsPublish,
  parseParams,
  queueUnavailable,
  resolveStart,
} from "@/lib/jobs/start";
import { requestCancel } from "@/lib/jobs/store";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import { visitTouch } from "@/lib/telemetry/visits";

export { BATCH_MAX, type BatchChild, type BatchView } from "@/lib/jobs/batch-view";

/** One kind, one params, many inputs (a batch of listings, say). */
export type BatchInput = { kind: JobKind; inputs: unknown[]; params?: Params; minSuccess?: number };

/**
 * Starts one job per input as a batch: every input is checked and resolved first (a missing
 * listing fails the whole request, nothing created), each child is created like a start (deduplicated,
 * or answered by the result cache), and the new ones are queued with one request to QStash's
 * batch API. Each new child counts as a start against the visitor's and the network's limits.
 */
export async function startBatch(caller: Caller, input: BatchInput): Promise<BatchView> {
  const owner = caller.owner.id;
  const params = parseParams(input.kind, input.params);
  const starts = await Promise.all(
    input.inputs.map((i) => resolveStart({ kind: input.kind, input: i, params }, owner)),
  );
  // Every child is a start: the limit counts them all, and gives back the ones that made no work.
  const slot = await takeStartSlot(caller, starts.length);
  if (!slot.ok) throw slot.error;
  const settled = await Promise.allSettled(starts.map((s) => createKindJob(owner, s)));
  const created = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const refused = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  // The token budget ran out part-way: the children created go ahead, the rest are left out.
  const budgetRanOut =
    refused?.reason instanceof AppError && refused.reason.code.endsWith(":budget");
  if (refused && (!budgetRanOut || created.length === 0)) throw refused.reason;
  await slot.giveBack(starts.length - created.filter((c) => !c.deduplicated && !c.cached).length);
  const id = `b_${nanoid(14)}`;
  const now = Date.now();
  const e = env();
  const fields = {
    owner,
    analysisType: input.kind.kind,
    params: JSON.stringify(params),
    createdAt: String(now),
    minSuccess: String(input.minSuccess ?? e.BATCH_MIN_SUCCESS),
    cancelRequested: "0",
    jobIds: created.map((c) => c.job.id).join(","),
  };
  await CREATE_BATCH.run({
    keys: { batch: keys.batch(id), ownerBatches: keys.ownerBatches(owner) },
    args: { batchId: id, createdAt: now, ttl: batchTtl() },
    rest: Object.entries(fields).flat(),
  });
  const toQueue = created.filter(needsPublish);
  try {
    await publishJobs(toQueue.map((c) => c.job));
  } catch (error) {
    // The new jobs are failed; orphaned ones stay queued as they were (their next start republishes).
    throw await queueUnavailable(
      owner,
      toQueue.filter((c) => !c.orphaned).map((c) => c.job),
      error,
    );
  }
  return (await getBatch(owner, id))!;
}

/** A batch outlives its children: they live until they end, then JOB_RETENTION_SECONDS. */
const batchTtl = () => 2 * env().JOB_RETENTION_SECONDS + 3600;

/** The batch with its children's state, in one command; null when missing or not this owner's. */
export async function getBatch(owner: string, id: string): Promise<BatchView | null> {
  const jobPrefix = keys.jobPrefix();
  const visit = visitTouch(owner);
  const reply = await READ_BATCH.run({
    keys: { batch: keys.batch(id), ...visit.keys },
    args: { jobPrefix, owner, ...visit.args },
  });
  const out = reply as [unknown, Array<Array<string | null>>] | [];
  if (out.length === 0) return null;
  const b = pairsToRecord(out[0]);
  if (b.owner !== owner) return null;
  const children: BatchChild[] = out[1].map(
    ([jobId, status, progress, subject, error, cachedFrom, retries]) => {
      const parsed = error ? jobErrorSchema.safeParse(JSON.parse(error)) : null;
      return {
        jobId: String(jobId),
        subject: subject ?? "",
        status: (status as JobStatus | null) ?? "expired",
        progress: Number(progress) || 0,
        errorCode: parsed?.success ? parsed.data.code : null,
        cachedFrom: cachedFrom || null,
        retries: Number(retries) || 0,
      };
    },
  );
  return summarizeBatch(id, b, children);
}

export function summarizeBatch(
  id: string,
  b: Record<string, string>,
  children: BatchChild[],
): BatchView {
  const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0, expired: 0 };
  for (const c of children) counts[c.status]++;
  const minSuccess = Number(b.minSuccess);
  const cancelRequested = b.cancelRequested === "1";
  const ended = children.every((c) => c.status === "expired" || isTerminal(c.status));
  const status = !ended
    ? "running"
    : cancelRequested
      ? "canceled"
      : counts.succeeded >= Math.ceil(minSuccess * children.length)
        ? "succeeded"
        : "failed";
  const progress = children.length
    ? Math.round(
        children.reduce(
          (n, c) => n + (c.status !== "expired" && isTerminal(c.status) ? 100 : c.progress),
          0,
        ) / children.length,
      )
    : 100;
  return {
    id,
    analysisType: b.analysisType as AnalysisType,
    params: JSON.parse(b.params) as Params,
    createdAt: Number(b.createdAt),
    minSuccess,
    cancelRequested,
    status,
    progress,
    counts,
    children,
  };
}

/** Cancels every child still queued or running (each stops at its next write). */
export async function cancelBatch(owner: string, id: string): Promise<BatchView> {
  const batch = await getBatch(owner, id);
  if (!batch) throw new AppError("not_found:batch", "No such batch (it may have expired).");
  await redis().hset(keys.batch(id), { cancelRequested: "1" });
  await Promise.all(
    batch.children
      .filter((c) => c.status === "queued" || c.status === "running")
      .map((c) => requestCancel(c.jobId, owner)),
  );
  return (await getBatch(owner, id))!;
}

/** Retries the children that failed or were canceled (keeping their finished steps). */
export async function retryBatch(
  caller: Caller,
  id: string,
): Promise<{ batch: BatchView; retried: number }> {
  const owner = caller.owner.id;
  const batch = await getBatch(owner, id);
  if (!batch) throw new AppError("not_found:batch", "No such batch (it may have expired).");
  const again = batch.children.filter((c) => c.status === "failed" || c.status === "canceled");
  if (again.length === 0)
    throw new AppError(
      "conflict:job",
      "No analysis in this batch failed or was canceled: nothing to retry.",
    );
  let retried = 0;
  for (const child of again) {
    try {
      await retryAnalysis(caller, child.jobId);
      retried++;
    } catch (error) {
      // A child superseded by a newer run of the same analysis is left as it is.
      if (!(error instanceof AppError) || error.code !== "conflict:job") throw error;
    }
  }
  await redis().hset(keys.batch(id), { cancelRequested: "0" });
  return { batch: (await getBatch(owner, id))!, retried };
}
