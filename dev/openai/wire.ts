import type { Plan } from "./types.ts";

/**
 * Request parsing and response shapes of the two OpenAI endpoints the simulator speaks:
 * the Responses API (/v1/responses) and Chat Completions (/v1/chat/completions).
 */
type Json = Record<string, unknown>;

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "string" ? p : String((p as Json)?.text ?? ""))).join("\n");
  return "";
}

/** Returns a Plan, or an error message for a 400. */
export function parseResponsesRequest(body: Json): Plan | string {
  if (typeof body.model !== "string" || !body.model) return "you must provide a model parameter";
  if (body.input === undefined) return "input is required";
  const messages = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input.map((m) => contentText((m as Json)?.content ?? m)) : null;
  if (!messages) return "input must be a string or an array of messages";
  const format = ((body.text as Json)?.format ?? null) as Json | null;
  const schema = format?.type === "json_schema" ? ((format.schema as Json) ?? {}) : format?.type === "json_object" ? {} : null;
  if (format?.type === "json_schema" && typeof format.name !== "string") return "text.format.name is required";
  return {
    endpoint: "responses", model: body.model, stream: body.stream === true, schema,
    formatName: format?.type === "json_schema" ? String(format.name) : null,
    input: [typeof body.instructions === "string" ? body.instructions : "", ...messages].filter(Boolean).join("\n\n"),
    includeUsage: true, metadata: body.metadata as Record<string, string> | undefined,
  };
}

export function parseChatRequest(body: Json): Plan | string {
  if (typeof body.model !== "string" || !body.model) return "you must provide a model parameter";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages must be a non-empty array";
  const rf = (body.response_format ?? null) as Json | null;
  const js = (rf?.json_schema ?? null) as Json | null;
  return {
    endpoint: "chat.completions", model: body.model, stream: body.stream === true,
    schema: rf?.type === "json_schema" ? ((js?.schema as Json) ?? {}) : rf?.type === "json_object" ? {} : null,
    formatName: rf?.type === "json_schema" ? String(js?.name ?? "response") : null,
    input: body.messages.map((m) => contentText((m as Json)?.content)).join("\n\n"),
    includeUsage: (body.stream_options as Json)?.include_usage === true || body.stream !== true,
    metadata: body.metadata as Record<string, string> | undefined,
  };
}

export type Usage = { input: number; output: number };

export function responseObject(id: string, plan: Plan, text: string, usage: Usage | null, status: "in_progress" | "completed"): Json {
  const done = status === "completed";
  return {
    id, object: "response", created_at: Math.floor(Date.now() / 1000), status, model: plan.model, error: null, incomplete_details: null,
    instructions: null, metadata: plan.metadata ?? {}, parallel_tool_calls: true, tool_choice: "auto", tools: [], temperature: 1, top_p: 1,
    text: { format: plan.formatName ? { type: "json_schema", name: plan.formatName, schema: plan.schema, strict: true } : { type: "text" } },
    output: done ? [messageItem(id, text, "completed")] : [],
    usage: usage ? { input_tokens: usage.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: usage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: usage.input + usage.output } : null,
  };
}

export function messageItem(responseId: string, text: string, status: "in_progress" | "completed"): Json {
  return { type: "message", id: `msg_${responseId.slice(5)}`, status, role: "assistant", content: status === "completed" ? [{ type: "output_text", text, annotations: [], logprobs: [] }] : [] };
}

export function chatCompletion(id: string, plan: Plan, text: string, usage: Usage): Json {
  return {
    id, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: plan.model, system_fingerprint: "tabsafe-simulator",
    choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

export function chatChunk(id: string, plan: Plan, delta: Json, finish: string | null, usage?: Usage): Json {
  return {
    id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: plan.model, system_fingerprint: "tabsafe-simulator",
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage ? { usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } } : {}),
  };
}
