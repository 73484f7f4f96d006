import { z } from "zod";
import { analysisTypeSchema, jobIdSchema, paramsSchema } from "@/lib/jobs/schema";
import { listingIdSchema } from "@/lib/listings/schema";

/** Either a job id, or an identity (listing, type, params as JSON) to find the current job for. */
export const statusQuerySchema = z.union([
  z.strictObject({ jobId: jobIdSchema }),
  z.strictObject({
    listingId: listingIdSchema,
    analysisType: analysisTypeSchema,
    params: z
      .string()
      .max(2_000)
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "params must be JSON" });
          return z.NEVER;
        }
      })
      .pipe(paramsSchema)
      .optional(),
  }),
]);
