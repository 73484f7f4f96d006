import { z } from "zod";
import { jobInputSchema, paramsSchema } from "@/lib/jobs/schema";
import { kindNameSchema } from "@/lib/kinds";
import { listingIdSchema } from "@/lib/listings/schema";

/** Bodies are small: an id, a type and a handful of params. */
export const MAX_START_BODY_BYTES = 4 * 1024;

/**
 * `{ analysisType, input, params? }` for any kind; a listing analysis may also be started as
 * `{ listingId, analysisType, params? }`. The kind's own schemas check input and params.
 */
export const startSchema = z
  .strictObject({
    listingId: listingIdSchema.optional(),
    input: jobInputSchema
      .refine((i) => Object.keys(i).length <= 10, "at most 10 input fields")
      .optional(),
    analysisType: kindNameSchema,
    params: paramsSchema.refine((p) => Object.keys(p).length <= 10, "at most 10 params").optional(),
  })
  .refine(
    (b) => (b.listingId === undefined) !== (b.input === undefined),
    "give either listingId or input",
  );

/** The kind's input of a start body. */
export const inputOf = (b: { listingId?: string; input?: Record<string, unknown> }): unknown =>
  b.input ?? { listingId: b.listingId };
