import "server-only";
import { createHash } from "node:crypto";
import { chunkText } from "@/lib/kinds/chunk";
import { JobFailure } from "@/lib/telemetry/classify";
import type { AnalysisDefinition } from "@/lib/kinds/listing/definition";
import type { PlannedStep } from "@/lib/jobs/kind";
import type { Params, Usage } from "@/lib/jobs/schema";
import type { Listing } from "@/lib/listings/schema";

/**
 * The steps of a listing analysis: prepare → analyze:0 … analyze:n-1 → synthesize → validate →
 * (the engine's) save. Each returns the checkpoint the engine stores before the next begins; a
 * redelivery reads the checkpoints back and skips those steps.
 */
export type PrepareCheckpoint = { chunks: number; textHash: string };
export type TextCheckpoint = { text: string; usage: Usage };
export type ValidateCheckpoint = { result: unknown; repaired: boolean; usage: Usage };

export function planSteps(chunks: number): string[] {
  return [
    "prepare",
    ...Array.from({ length: chunks }, (_, i) => `analyze:${i}`),
    "synthesize",
    "validate",
    "save",
  ];
}

/** The synthesis, in chunk analyses (the high end of what was measured: see lib/jobs/eta.ts). */
export const SYNTHESIS_WEIGHT = 4;

/** How much of the model work each step is, in chunk analyses. */
export function listingStepWeight(name: string): number {
  if (name.startsWith("analyze:")) return 1;
  return name === "synthesize" ? SYNTHESIS_WEIGHT : 0;
}

/** The plan the engine shows progress and the estimate by (it adds "save" itself). */
export function plannedSteps(chunks: number): PlannedStep[] {
  return planSteps(chunks)
    .filter((name) => name !== "save")
    .map((name) => ({ name, label: stepLabel(name, chunks), weight: listingStepWeight(name) }));
}

/** "analyzing chunk 3 of 8": what the UI shows next to the step counter. */
export function stepLabel(name: string, chunks: number): string {
  if (name.startsWith("analyze:"))
    return `analyzing chunk ${Number(name.slice(8)) + 1} of ${chunks}`;
  return (
    {
      prepare: "preparing the listing",
      synthesize: "writing the analysis",
      validate: "checking the answer",
      save: "saving the result",
    }[name] ?? name
  );
}

export function prepare(listing: Listing): { checkpoint: PrepareCheckpoint; chunks: string[] } {
  const chunks = chunkText(listing.text);
  if (chunks.length === 0) {
    throw new JobFailure({
      code: "listing_empty",
      category: "FILE_PROCESSING",
      message: "The listing has no text to analyse.",
      retryable: false,
    });
  }
  return { checkpoint: { chunks: chunks.length, textHash: hashText(listing.text) }, chunks };
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export function synthesisInput(listing: Listing, notes: string[]): string {
  return `Listing: ${listing.title}\n\n${notes.map((n, i) => `Notes on part ${i + 1} of ${notes.length}:\n${n}`).join("\n\n")}`;
}

export type Validation = { ok: true; result: unknown } | { ok: false; problem: string };

/** Parses model output as JSON and checks it against the type's schema. */
export function validateOutput(definition: AnalysisDefinition, text: string): Validation {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: "The answer was not valid JSON." };
  }
  const parsed = definition.output.safeParse(data);
  if (parsed.success) return { ok: true, result: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".") || "answer"}: ${issue.message}` };
}

export function repairInstructions(
  definition: AnalysisDefinition,
  params: Params,
  problem: string,
): string {
  return `${definition.synthesisInstructions(params)}\nA previous answer was rejected (${problem}). Answer again with JSON that follows the schema exactly.`;
}

export function invalidOutput(problem: string): JobFailure {
  return new JobFailure({
    code: "invalid_output",
    category: "JSON_PARSING",
    message: `The AI answer could not be used even after one repair attempt (${problem}).`,
    retryable: false,
  });
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
}
