import type { Plan, ResponseStatus } from "./types.ts";

export type { ResponseStatus } from "./types.ts";

/**
 * The JSON the simulator answers with, field for field as the openai SDK's types describe
 * Response, ResponseOutputMessage, ChatCompletion and ChatCompletionChunk (in node_modules:
 * openai/resources/responses/responses.d.ts and
 * openai/resources/chat/completions/completions.d.ts).
 */
type Json = Record<string, unknown>;

/** One request's answer, decided before anything is written. */
export type Answer = {
  /** Ids share one random suffix: resp_x / chatcmpl-x, msg_x, rs_x. */
  id: string;
  suffix: string;
  /** Epoch seconds, the same in every event of a stream. */
  created: number;
  text: string;
  /** Cut short by max_output_tokens: "incomplete" / finish_reason "length". */
  truncated: boolean;
  inputTokens: number;
  outputTokens: number;
  /** Hidden "thinking" tokens of reasoning models (o-series, gpt-5*), counted in output tokens. */
  reasoningTokens: number;
};

/** Reasoning models put a reasoning item before the message; apps must not assume output[0] is text. */
export const isReasoningModel = (model: string) => /^(o\d|gpt-5)/i.test(model);

export const isTerminal = (s: ResponseStatus) => s !== "queued" && s !== "in_progress";

/** Usage of a Responses answer; `textTokens` less than the whole text for one cancelled mid-way. */
export function responsesUsage(a: Answer, textTokens = a.outputTokens): Json {
  return {
    input_tokens: a.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: textTokens + a.reasoningTokens,
    output_tokens_details: { reasoning_tokens: a.reasoningTokens },
    total_tokens: a.inputTokens + textTokens + a.reasoningTokens,
  };
}

export function chatUsage(a: Answer): Json {
  return {
    prompt_tokens: a.inputTokens,
    completion_tokens: a.outputTokens + a.reasoningTokens,
    total_tokens: a.inputTokens + a.outputTokens + a.reasoningTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: a.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function reasoningItem(a: Answer): Json {
  return { type: "reasoning", id: `rs_${a.suffix}`, summary: [] };
}

export function messageItem(
  a: Answer,
  status: "in_progress" | "completed" | "incomplete",
  text: string | null,
): Json {
  const content =
    text === null ? [] : [{ type: "output_text", text, annotations: [], logprobs: [] }];
  return { type: "message", id: `msg_${a.suffix}`, status, role: "assistant", content };
}

/** The Response object; `output` is what exists so far (empty while queued or in progress). */
export function responseObject(
  plan: Plan,
  a: Answer,
  status: ResponseStatus,
  output: Json[],
  usage: Json | null,
): Json {
  return {
    id: a.id,
    object: "response",
    created_at: a.created,
    status,
    background: plan.background,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: plan.instructions,
    max_output_tokens: plan.maxOutputTokens,
    model: plan.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: isReasoningModel(plan.model)
      ? { effort: "medium", summary: null }
      : { effort: null, summary: null },
    service_tier: "default",
    store: plan.store,
    temperature: 1,
    text: { format: plan.format ?? { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage,
    user: null,
    metadata: plan.metadata ?? {},
    ...(!isTerminal(status)
      ? {}
      : { completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null }),
  };
}

/** The output of an answer cancelled mid-way: the text generated until then, incomplete. */
export function partialOutput(plan: Plan, a: Answer, text: string): Json[] {
  const message = messageItem(a, "incomplete", text || null);
  return isReasoningModel(plan.model) ? [reasoningItem(a), message] : [message];
}

/** The full final output of a Responses answer. */
export function finalOutput(plan: Plan, a: Answer): Json[] {
  const message = messageItem(a, a.truncated ? "incomplete" : "completed", a.text);
  return isReasoningModel(plan.model) ? [reasoningItem(a), message] : [message];
}

export function chatCompletion(plan: Plan, a: Answer): Json {
  return {
    id: a.id,
    object: "chat.completion",
    created: a.created,
    model: plan.model,
    system_fingerprint: "tabsafe-simulator",
    service_tier: "default",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: a.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: a.truncated ? "length" : "stop",
      },
    ],
    usage: chatUsage(a),
  };
}

/** One stream chunk. With include_usage every chunk says `usage: null` until the last, which has no choices. */
export function chatChunk(
  plan: Plan,
  a: Answer,
  delta: Json | null,
  finish: string | null,
  usage = false,
): Json {
  return {
    id: a.id,
    object: "chat.completion.chunk",
    created: a.created,
    model: plan.model,
    system_fingerprint: "tabsafe-simulator",
    service_tier: "default",
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(plan.includeUsage ? { usage: usage ? chatUsage(a) : null } : {}),
  };
}
