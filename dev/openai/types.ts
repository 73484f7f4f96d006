/** The simulator's public types, and the Plan both endpoints reduce a request to. */

export type FaultKind = "429" | "500" | "stall" | "invalid_json" | "400" | "content_filter";

export type SimulatorKnobs = {
  /** Delay between streamed tokens, ms; a non-streamed answer waits tokens × this. Default 2. */
  latencyMsPerToken?: number;
  /** Extra delay before the first token (the model "thinking"), ms. Default 0. */
  firstTokenMs?: number;
  /** Share of model requests (0–1) answered 429 with `retry-after` / `retry-after-ms`. */
  fail429Rate?: number;
  /** Sent as `retry-after` (and `retry-after-ms`) on 429s, seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Share of model requests answered 500. */
  fail500Rate?: number;
  /** Share of model requests that start answering, then send nothing until the client leaves. */
  stallRate?: number;
  /** Share of structured requests answered (HTTP 200) with truncated or schema-invalid JSON. */
  invalidJsonRate?: number;
  /**
   * Deterministic faults for tests, consumed in order, one per model request.
   * "invalid_json" waits for the next structured request; the others take the next request.
   */
  failNext?: Array<{ kind: FaultKind; count: number }>;
  /** Seeds the fault dice and varies every generated answer. Default 0. */
  seed?: number;
  /**
   * The Responses API's `background: true`: "supported" (default) runs it as OpenAI does;
   * "refused" answers like a provider or proxy that does not know the parameter (HTTP 400
   * "Unrecognized request argument supplied: background", and 404 for stream-retrieve and cancel).
   */
  backgroundMode?: "supported" | "refused";
  /** How long a background response is kept after it ends, ms ("roughly 10 minutes"). Default 600000. */
  backgroundRetentionMs?: number;
  /** How long a background response stays queued before generation starts, ms. Default 0. */
  queueMs?: number;
};

export type SimulatorCall = {
  id: string;
  endpoint: "chat.completions" | "responses";
  model: string;
  stream: boolean;
  /** A json_schema or json_object format was requested. */
  structured: boolean;
  /** sha256 (16 hex) of the request's input text, to compare calls without keeping the text. */
  inputHash: string;
  /** ~1 token per 4 characters of input; 0 when refused, or cancelled before it left the queue. */
  inputTokens: number;
  /**
   * Output tokens billed: reasoning tokens plus the text tokens actually generated (fewer than
   * planned when the client left a plain stream early, or a background one was cancelled);
   * a background response's count grows as it is generated. For a finished answer, equals the
   * usage it reported — once, however many streams carried it.
   */
  outputTokens: number;
  status: number;
  /**
   * How generation ended. A background response is generated whoever listens: its outcome is
   * "ok" or "cancelled" (a stall fault silences only the connection), set when it ends.
   */
  outcome: "ok" | "aborted" | "stalled" | "error" | "cancelled";
  fault?: FaultKind;
  /** Epoch ms. */
  startedAt: number;
  /** When generation ended (for a background response: its terminal state, not the request's end). */
  endedAt?: number;
  /** The request's `metadata`, so tests can attribute calls to jobs and steps. */
  metadata?: Record<string, string>;
  /** Created with `background: true`. */
  background: boolean;
  /** The Response's id (resp_…) once one exists; none for refused or faulted requests, nor chat. */
  responseId?: string;
  /** The stored Response's current status (none while a plain one runs, or when not stored). */
  responseStatus?: ResponseStatus;
  /** HTTP streams that carried its events: the create's own stream, plus each retrieve stream. */
  streams: number;
  /** GET /v1/responses/{id} requests for it, streamed or not. */
  retrievals: number;
  /** Cancelled through POST /v1/responses/{id}/cancel (or deleted while running). */
  cancelled?: true;
};

export type Endpoint = SimulatorCall["endpoint"];

/** The SDK's ResponseStatus. */
export type ResponseStatus =
  | "completed"
  | "failed"
  | "in_progress"
  | "cancelled"
  | "queued"
  | "incomplete";

/** What a valid request to either endpoint is reduced to. */
export type Plan = {
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  /** Every text the model would read (instructions, system and user messages), for hashing and usage. */
  input: string;
  /** The user's part of the input (the listing), where the answer's words come from. */
  subject: string;
  /** The requested output's JSON Schema; json_object mode gets a generic object schema. */
  schema: Record<string, unknown> | null;
  /** The request's format exactly as sent, echoed back on Responses objects. */
  format: Record<string, unknown> | null;
  /** Upper bound on output tokens (max_output_tokens / max_completion_tokens / max_tokens). */
  maxOutputTokens: number | null;
  /** Chat streams only: `stream_options.include_usage`. */
  includeUsage: boolean;
  instructions: string | null;
  metadata?: Record<string, string>;
  /** Responses only: `background: true`, generated on the server whoever listens. */
  background: boolean;
  /** Responses only: `store` (default true), so the response can be retrieved later. */
  store: boolean;
};
