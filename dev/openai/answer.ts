import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiError, errorFor, pickFault } from "./faults.ts";
import { estimateTokens, hashOf, prose, rngFor, salientWords, type Rng } from "./generate.ts";
import { sendError } from "./http.ts";
import { DEFAULT_MS_PER_TOKEN } from "./knobs.ts";
import type { ResponseStore } from "./background.ts";
import { writeAnswer } from "./respond.ts";
import { instanceOf } from "./schema-instance.ts";
import { isReasoningModel, type Answer } from "./shapes.ts";
import type { Plan, SimulatorCall, SimulatorKnobs } from "./types.ts";

/** Plain-text answers are about a quarter of the input's length, within these bounds (tokens). */
const MIN_TEXT_TOKENS = 40;
const MAX_TEXT_TOKENS = 400;

export type Simulation = {
  knobs: SimulatorKnobs;
  roll: Rng;
  record(call: SimulatorCall): void;
  /** Responses kept for retrieve, and background ones being generated. */
  store: ResponseStore;
  log?: (line: string) => void;
};

/**
 * Answers one valid model request: draws the fault, records the call, decides the whole answer
 * (deterministic from model, input, schema and seed), then writes it and notes how it ended.
 */
export async function answerRequest(
  sim: Simulation,
  plan: Plan,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const suffix = randomBytes(12).toString("hex");
  const id = plan.endpoint === "responses" ? `resp_${suffix}` : `chatcmpl-${suffix}`;
  const structured = plan.schema !== null;
  const fault = pickFault(sim.knobs, structured, sim.roll) ?? undefined;
  const inputTokens = estimateTokens(plan.input);
  const call: SimulatorCall = {
    id,
    endpoint: plan.endpoint,
    model: plan.model,
    stream: plan.stream,
    structured,
    inputHash: hashOf(plan.input),
    inputTokens,
    outputTokens: 0,
    status: 200,
    outcome: "ok",
    fault,
    startedAt: Date.now(),
    metadata: plan.metadata,
    background: plan.background,
    streams: 0,
    retrievals: 0,
  };
  sim.record(call);
  const logEnd = () => {
    const faultNote = call.fault ? ` fault=${call.fault}` : "";
    const kind = `${plan.background ? " background" : ""}${plan.stream ? " stream" : ""}${structured ? " structured" : ""}`;
    sim.log?.(
      `openai-sim ${call.endpoint} ${call.model}${kind} → ${call.status} ${call.outcome} in=${call.inputTokens} out=${call.outputTokens} ${call.endedAt! - call.startedAt}ms${faultNote}`,
    );
  };
  const finish = (patch: Partial<SimulatorCall>) => {
    Object.assign(call, patch, { endedAt: Date.now() });
    logEnd();
  };

  const failure = fault ? errorFor(fault, sim.knobs) : null;
  if (failure) {
    sendError(res, failure);
    return finish({ status: failure.status, outcome: "error", inputTokens: 0 });
  }

  const seed = sim.knobs.seed ?? 0;
  const rng = rngFor(`${seed}\n${plan.model}\n${JSON.stringify(plan.schema)}\n${plan.input}`);
  const words = salientWords(plan.subject);
  let text: string;
  try {
    text = structured
      ? JSON.stringify(instanceOf(plan.schema!, words, rng))
      : prose(
          plan.subject,
          Math.min(MAX_TEXT_TOKENS, Math.max(MIN_TEXT_TOKENS, Math.round(inputTokens / 4))),
          rng,
        );
  } catch (error) {
    // Only a schema can break generation (a $ref to nowhere in a non-strict schema): OpenAI refuses those too.
    const refusal = apiError(
      400,
      `Invalid schema: ${error instanceof Error ? error.message : String(error)}`,
      "invalid_request_error",
      "invalid_json_schema",
    );
    sendError(res, refusal);
    return finish({ status: 400, outcome: "error", inputTokens: 0 });
  }
  if (fault === "invalid_json") text = brokenJson(text, plan.schema!, rng);
  let truncated = false;
  if (plan.maxOutputTokens !== null && estimateTokens(text) > plan.maxOutputTokens)
    [text, truncated] = [text.slice(0, plan.maxOutputTokens * 4), true];
  const outputTokens = estimateTokens(text);
  const answer: Answer = {
    id,
    suffix,
    created: Math.floor(Date.now() / 1000),
    text,
    truncated,
    inputTokens,
    outputTokens,
    reasoningTokens: isReasoningModel(plan.model)
      ? Math.min(64, Math.max(8, Math.round(outputTokens / 8)))
      : 0,
  };

  if (plan.endpoint === "responses") call.responseId = id;
  if (plan.background) {
    // Generated on the server's clock whoever listens; the store ends the call when it ends.
    return sim.store.start(plan, answer, call, res, fault === "stall", logEnd);
  }

  call.streams = plan.stream ? 1 : 0;
  // The client leaving (abort, timeout, crash) closes the response before it finished.
  const gone = new AbortController();
  res.once("close", () => res.writableFinished || gone.abort());
  req.once("error", () => gone.abort());
  const ending = await writeAnswer(res, plan, answer, {
    queueMs: 0,
    firstTokenMs: sim.knobs.firstTokenMs ?? 0,
    msPerToken: sim.knobs.latencyMsPerToken ?? DEFAULT_MS_PER_TOKEN,
    stall: fault === "stall",
    gone: gone.signal,
  });
  // Billed like OpenAI: reasoning happens before the text, so it is paid even when the client leaves.
  finish({ outcome: ending.outcome, outputTokens: ending.tokensSent + answer.reasoningTokens });
  if (ending.response && plan.store) sim.store.keep(call, ending.response);
}

/**
 * Structured output a model might really produce when things go wrong, alternating by input:
 * JSON cut off mid-way, or valid JSON missing a required property (schema-invalid).
 */
function brokenJson(text: string, schema: Record<string, unknown>, rng: Rng): string {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  if (required.length && rng() < 0.5) {
    const value = JSON.parse(text) as Record<string, unknown>;
    delete value[required[Math.floor(rng() * required.length)]];
    return JSON.stringify(value);
  }
  return text.slice(0, Math.max(1, Math.floor(text.length * 0.6)));
}
