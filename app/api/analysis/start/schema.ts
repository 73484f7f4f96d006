import { z } from "zod";
import { analysisTypeSchema, paramsSchema } from "@/lib/jobs/schema";
import { listingIdSchema } from "@/lib/listings/schema";

/** Bodies are small: an id, a type and a handful of params. */
export const MAX_START_BODY_BYTES = 4 * 1024;

export const startSchema = z.strictObject({
  listingId: listingIdSchema,
  analysisType: analysisTypeSchema,
  params: paramsSchema.refine((p) => Object.keys(p).length <= 10, "at most 10 params").optional(),
});
