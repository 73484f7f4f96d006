import type { z } from "zod";
import type { Params } from "@/lib/jobs/schema";

/**
 * One analysis of a business listing: what it asks, what shape its answer must have, how long it
 * may run. The listing family (./family.ts) turns it into a job kind whose steps are prepare →
 * analyze each chunk → synthesize → validate (and the engine's save).
 */
export type AnalysisDefinition<P extends Params = Params, R = unknown> = {
  type: string;
  title: string;
  description: string;
  /** Strict: unknown keys are a 400. Defaults fill in what the client left out. */
  params: z.ZodType<P>;
  /** The structured output the synthesize step asks for and the validate step enforces. */
  output: z.ZodType<R>;
  /** Instructions for reading one chunk of the listing. */
  chunkInstructions: (params: P) => string;
  /** Instructions for turning the chunk notes into the final structured answer. */
  synthesisInstructions: (params: P) => string;
  /** A job of this type fails with a timeout once it has been running this long, in ms. */
  timeoutMs: number;
};

/**
 * Keeps each definition precisely typed where it is written, and erases P and R for the
 * family: the kind only ever passes a definition its own parsed params and output.
 */
export function defineAnalysis<P extends Params, R>(
  definition: AnalysisDefinition<P, R>,
): AnalysisDefinition {
  return definition as unknown as AnalysisDefinition;
}
