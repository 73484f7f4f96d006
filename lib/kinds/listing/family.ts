import "server-only";
import { z } from "zod";
import { JobFailure } from "@/lib/telemetry/classify";
import { defineKind, type JobContext, type JobKind } from "@/lib/jobs/kind";
import type { Params } from "@/lib/jobs/schema";
import { getListing, requireListing } from "@/lib/listings/store";
import { listingIdSchema } from "@/lib/listings/schema";
import type { AnalysisDefinition } from "./definition";
import * as steps from "./steps";

/** What a listing analysis is started with. */
export const listingInputSchema = z.strictObject({ listingId: listingIdSchema });
export type ListingInput = z.infer<typeof listingInputSchema>;

/**
 * The listing analyses as job kinds: each definition (business, market, risk) shares these
 * steps and differs only in its instructions, params and output.
 */
export function listingAnalysis(def: AnalysisDefinition): JobKind {
  return defineKind({
    kind: def.type,
    title: def.title,
    description: def.description,
    subject: "listing",
    input: listingInputSchema,
    params: def.params,
    result: def.output,
    timeoutMs: def.timeoutMs,
    resolve: async ({ listingId }) => {
      const listing = await requireListing(listingId);
      // Title and text, not the id: a re-pasted listing hits the result cache too.
      return { id: listing.id, content: `${listing.title}\n${listing.text}` };
    },
    run: (ctx, input) => analyseListing(def, ctx, input),
  });
}

async function analyseListing(
  def: AnalysisDefinition,
  ctx: JobContext<Params>,
  { listingId }: ListingInput,
) {
  const listing = await getListing(listingId);
  if (!listing) {
    throw new JobFailure({
      code: "listing_missing",
      category: "USER_INPUT",
      message: "The listing no longer exists (pasted listings expire after 7 days).",
      retryable: false,
    });
  }
  const { checkpoint: prepared, chunks } = steps.prepare(listing);
  ctx.plan(steps.plannedSteps(chunks.length));
  const before = await ctx.step("prepare", () => prepared);
  if (before.textHash !== prepared.textHash) {
    throw new JobFailure({
      code: "listing_changed",
      category: "FILE_PROCESSING",
      message: "The listing changed while it was being analysed. Start a new analysis.",
      retryable: false,
    });
  }
  const notes: string[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const input = `Listing: ${listing.title}\n\nPart ${i + 1} of ${chunks.length}:\n${chunk}`;
    notes.push(
      (await ctx.model(`analyze:${i}`, { instructions: def.chunkInstructions(ctx.params), input }))
        .text,
    );
  }
  const input = steps.synthesisInput(listing, notes);
  const format = { name: def.type, schema: def.output };
  const draft = await ctx.model("synthesize", {
    instructions: def.synthesisInstructions(ctx.params),
    input,
    format,
  });
  // One repair attempt on output that is not valid JSON of the type's schema.
  const checked = await ctx.step("validate", async (): Promise<steps.ValidateCheckpoint> => {
    const first = steps.validateOutput(def, draft.text);
    if (first.ok)
      return { result: first.result, repaired: false, usage: { inputTokens: 0, outputTokens: 0 } };
    const repair = await ctx.model("validate", {
      instructions: steps.repairInstructions(def, ctx.params, first.problem),
      input: `${input}\n\nRejected answer:\n${draft.text.slice(0, 4_000)}`,
      format,
    });
    const second = steps.validateOutput(def, repair.text);
    if (!second.ok) throw steps.invalidOutput(second.problem);
    return { result: second.result, repaired: true, usage: repair.usage };
  });
  return checked.result;
}
