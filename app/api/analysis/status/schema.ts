import { z } from "zod";
import { jobIdSchema, jobInputSchema, paramsSchema } from "@/lib/jobs/schema";
import { kindNameSchema } from "@/lib/kinds";
import { listingIdSchema } from "@/lib/listings/schema";

/** A query parameter holding JSON of `schema`. */
const jsonParam = <T extends z.ZodType>(schema: T, name: string) =>
  z
    .string()
    .max(2_000)
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);

/**
 * Either a job id, or an identity to find the current job for: a type with its input as JSON
 * (or a listing id, for a listing analysis) and params as JSON.
 */
export const statusQuerySchema = z.union([
  z.strictObject({ jobId: jobIdSchema }),
  z
    .strictObject({
      listingId: listingIdSchema.optional(),
      input: jsonParam(jobInputSchema, "input").optional(),
      analysisType: kindNameSchema,
      params: jsonParam(paramsSchema, "params").optional(),
    })
    .refine(
      (q) => (q.listingId === undefined) !== (q.input === undefined),
      "give either listingId or input",
    ),
]);
