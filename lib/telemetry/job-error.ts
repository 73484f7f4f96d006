import { z } from "zod";

/**
 * The shape of a failure, shared by the job engine (a job's `error`), telemetry (its error
 * groups) and the pages: no server-only imports. What each code means is error-codes.ts.
 */
export const errorCategories = [
  "AI_PROVIDER",
  "DATABASE",
  "AUTH",
  "FILE_PROCESSING",
  "JSON_PARSING",
  "VALIDATION",
  "NETWORK",
  "SYSTEM",
  "USER_INPUT",
] as const;
export type ErrorCategory = (typeof errorCategories)[number];

export const jobErrorSchema = z.object({
  code: z.string(),
  category: z.enum(errorCategories),
  message: z.string(),
  retryable: z.boolean(),
});
export type JobError = z.infer<typeof jobErrorSchema>;

/** How bad an error group is, mildest first (lib/telemetry/error-event.ts decides). */
export const severities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof severities)[number];
