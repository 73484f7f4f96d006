export type FaultKind = "429" | "500" | "stall" | "invalid_json" | "400" | "content_filter";

export type SimulatorKnobs = {
  /** Delay between streamed tokens, ms (non-streaming answers wait tokens × this). Default 2. */
  latencyMsPerToken?: number;
  /** Delay before the first token, ms. */
  firstTokenMs?: number;
  fail429Rate?: number;
  /** Sent as retry-after (and retry-after-ms) on 429s. Default 1. */
  retryAfterSeconds?: number;
  fail500Rate?: number;
  /** The stream starts, then sends nothing until the client goes away. */
  stallRate?: number;
  /** Structured output that is not valid JSON (HTTP 200). */
  invalidJsonRate?: number;
  /** Deterministic faults, consumed in order, one per matching request ("invalid_json" only matches structured requests). */
  failNext?: Array<{ kind: FaultKind; count: number }>;
};

export type SimulatorCall = {
  id: string;
  endpoint: "chat.completions" | "responses";
  model: string;
  stream: boolean;
  structured: boolean;
  inputHash: string;
  inputTokens: number;
  outputTokens: number;
  status: number;
  outcome: "ok" | "aborted" | "stalled" | "error";
  fault?: FaultKind;
  startedAt: number;
  endedAt?: number;
  metadata?: Record<string, string>;
};

/** What both endpoints reduce a request to. */
export type Plan = {
  endpoint: SimulatorCall["endpoint"];
  model: string;
  stream: boolean;
  input: string;
  schema: Record<string, unknown> | null;
  /** The format's name (json_schema) or null; json_object mode has a schema of {}. */
  formatName: string | null;
  includeUsage: boolean;
  metadata?: Record<string, string>;
};
