import { z } from "zod";
import { resolveOwner, withSession } from "@/lib/auth";
import { AppError } from "@/lib/errors";
import { readJson, readQuery } from "@/lib/http/parse";
import { json, route } from "@/lib/http/respond";
import { workCaller } from "@/lib/limits/caller";
import { getBatch, startBatch } from "@/lib/jobs/batch";
import { kindNamed } from "@/lib/kinds";
import { batchIdSchema, batchSchema, MAX_BATCH_BODY_BYTES } from "./schema";

/** How often a browser following a running batch should ask again, in ms. */
const BATCH_POLL_MS = 2_000;

/**
 * POST /api/analysis/batch { listingIds[] | inputs[], analysisType, params?, minSuccess? }
 * → 202 { batch, nextPollMs }.
 */
export const POST = route(async (req: Request) => {
  const input = await readJson(req, batchSchema, MAX_BATCH_BODY_BYTES);
  const caller = await workCaller(req);
  const inputs = input.inputs ?? (input.listingIds ?? []).map((listingId) => ({ listingId }));
  const batch = await startBatch(caller, {
    kind: kindNamed(input.analysisType),
    inputs,
    params: input.params,
    minSuccess: input.minSuccess,
  });
  return withSession(
    json({ batch, nextPollMs: batch.status === "running" ? BATCH_POLL_MS : 0 }, 202),
    caller.owner,
  );
});

/** GET /api/analysis/batch?batchId=… → { batch, nextPollMs } (aggregate progress and every child). */
export const GET = route(async (req: Request) => {
  const { batchId } = readQuery(req, z.strictObject({ batchId: batchIdSchema }));
  const owner = resolveOwner(req);
  const batch = await getBatch(owner.id, batchId);
  if (!batch) throw new AppError("not_found:batch", "No such batch (it may have expired).");
  return withSession(
    json({ batch, nextPollMs: batch.status === "running" ? BATCH_POLL_MS : 0 }, 200, {
      "cache-control": "private, no-store",
    }),
    owner,
  );
});
