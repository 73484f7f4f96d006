import { z } from "zod";
import type { FaultKind, SimulatorKnobs } from "./types.ts";

/**
 * Knobs arrive from tests (setKnobs), from POST /__admin/knobs and from OPENAI_SIM_KNOBS; the two
 * untyped doors are checked here so a typo ("latencyMsPerTokens") is an error, not a silent no-op.
 */
const rate = z.number().min(0).max(1).optional();
const ms = z.number().min(0).max(600_000).optional();
const faultKinds = [
  "429",
  "500",
  "stall",
  "invalid_json",
  "400",
  "content_filter",
] as const satisfies readonly FaultKind[];

export const knobsSchema = z.strictObject({
  latencyMsPerToken: ms,
  firstTokenMs: ms,
  fail429Rate: rate,
  retryAfterSeconds: z.number().min(0).max(3600).optional(),
  fail500Rate: rate,
  stallRate: rate,
  invalidJsonRate: rate,
  failNext: z
    .array(z.strictObject({ kind: z.enum(faultKinds), count: z.number().int().min(0) }))
    .optional(),
  seed: z.number().int().optional(),
  backgroundMode: z.enum(["supported", "refused"]).optional(),
  backgroundRetentionMs: z.number().min(0).max(86_400_000).optional(),
  queueMs: ms,
}) satisfies z.ZodType<SimulatorKnobs>;

/** Parsed knobs, or a one-line reason they were rejected. */
export function parseKnobs(value: unknown): { knobs: SimulatorKnobs } | { error: string } {
  const parsed = knobsSchema.safeParse(value);
  if (parsed.success) return { knobs: parsed.data };
  return {
    error: parsed.error.issues
      .map((i) => `${i.path.join(".") || "knobs"}: ${i.message}`)
      .join("; "),
  };
}

/** A private copy, so consuming `failNext` never mutates the caller's object. */
export function copyKnobs(knobs: SimulatorKnobs): SimulatorKnobs {
  return { ...knobs, failNext: knobs.failNext?.map((f) => ({ ...f })) };
}

/** Defaults applied at the point of use; knobs left out mean "no fault, fast answers". */
export const DEFAULT_MS_PER_TOKEN = 2;
export const DEFAULT_RETRY_AFTER_S = 1;
/** OpenAI "stores response data for roughly 10 minutes to enable polling". */
export const DEFAULT_BACKGROUND_RETENTION_MS = 600_000;
