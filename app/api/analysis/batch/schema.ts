import { z } from "zod";
import { BATCH_MAX } from "@/lib/jobs/batch-view";
import { analysisTypeSchema, paramsSchema } from "@/lib/jobs/schema";
import { listingIdSchema } from "@/lib/listings/schema";

export const MAX_BATCH_BODY_BYTES = 8 * 1024;

export const batchSchema = z.strictObject({
  listingIds: z
    .array(listingIdSchema)
    .min(1, "at least one listing")
    .max(BATCH_MAX, `at most ${BATCH_MAX} listings per batch`)
    .refine((ids) => new Set(ids).size === ids.length, "each listing at most once"),
  analysisType: analysisTypeSchema,
  params: paramsSchema.refine((p) => Object.keys(p).length <= 10, "at most 10 params").optional(),
  /** The share of analyses that must succeed for the batch to succeed. */
  minSuccess: z.number().gt(0).max(1).optional(),
});

export const batchIdSchema = z.string().regex(/^b_[A-Za-z0-9_-]{14}$/, "not a batch id");
export const batchRefSchema = z.strictObject({ batchId: batchIdSchema });
