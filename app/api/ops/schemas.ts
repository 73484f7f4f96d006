import { z } from "zod";
import { errorCategories, jobStatuses } from "@/lib/jobs/schema";
export { jobIdSchema } from "@/lib/jobs/schema";
import { severities } from "@/lib/ops/types";

/** Request schemas of the /api/ops/* routes. */
export const windowSchema = z.strictObject({
  window: z.enum(["15", "60", "360", "1440"]).default("60").transform(Number),
});

export const errorFilterSchema = z.strictObject({
  category: z.enum(errorCategories).optional(),
  severity: z.enum(severities).optional(),
  status: z.enum(["open", "resolved", "all"]).default("all"),
});

export const fingerprintSchema = z.string().regex(/^[0-9a-f]{16}$/, "not an error fingerprint");

export const jobSearchSchema = z.strictObject({
  q: z.string().max(64).optional(),
  status: z.enum(jobStatuses).optional(),
  listing: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const dlqPageSchema = z.strictObject({ cursor: z.string().max(200).optional() });

export const dlqIdsSchema = z.strictObject({
  dlqIds: z.array(z.string().min(1).max(200)).min(1).max(100),
});

/** A QStash flow-control key as the app makes them (lib/jobs/publish.ts: letters, digits, . _ -). */
export const flowKeyBodySchema = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, "not a flow-control key (letters, digits, . _ -; ≤ 128)"),
});

/** UTC days the visitors panel covers, today included; older than VISITOR_RETENTION_DAYS reads as zero. */
export const visitorsQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(30),
});
