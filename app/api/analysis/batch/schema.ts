import { z } from "zod";
import { BATCH_MAX } from "@/lib/jobs/batch-view";
import { canonicalParams } from "@/lib/jobs/identity";
import { jobInputSchema, paramsSchema } from "@/lib/jobs/schema";
import { kindNameSchema } from "@/lib/kinds";
import { listingIdSchema } from "@/lib/listings/schema";

export const MAX_BATCH_BODY_BYTES = 8 * 1024;

/** A batch of one kind: its inputs, or (for a listing analysis) the listings' ids. */
export const batchSchema = z
  .strictObject({
    listingIds: z
      .array(listingIdSchema)
      .min(1, "at least one listing")
      .max(BATCH_MAX, `at most ${BATCH_MAX} listings per batch`)
      .refine((ids) => new Set(ids).size === ids.length, "each listing at most once")
      .optional(),
    inputs: z
      .array(jobInputSchema)
      .min(1, "at least one input")
      .max(BATCH_MAX, `at most ${BATCH_MAX} inputs per batch`)
      .refine(
        (all) => new Set(all.map((i) => canonicalParams(i))).size === all.length,
        "each input at most once",
      )
      .optional(),
    analysisType: kindNameSchema,
    params: paramsSchema.refine((p) => Object.keys(p).length <= 10, "at most 10 params").optional(),
    /** The share of analyses that must succeed for the batch to succeed. */
    minSuccess: z.number().gt(0).max(1).optional(),
  })
  .refine(
    (b) => (b.listingIds === undefined) !== (b.inputs === undefined),
    "give either listingIds or inputs",
  );

export const batchIdSchema = z.string().regex(/^b_[A-Za-z0-9_-]{14}$/, "not a batch id");
export const batchRefSchema = z.strictObject({ batchId: batchIdSchema });
