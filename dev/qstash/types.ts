/**
 * Shapes shared by the QStash stand-in's parts. A message is stored as one JSON-serializable
 * object (so the Redis persistence can write it as is) and carries its own delivery state.
 */

/** Header name (canonical case, e.g. "Content-Type") → values, like Go's http.Header that QStash returns. */
export type HeaderMap = Record<string, string[]>;

/** Fault injection knobs. Rates are probabilities 0..1, applied per delivery attempt. */
export type QStashFaults = {
  /** The attempt is silently not sent; it counts as a failed attempt and is retried. */
  dropRate?: number;
  /** The attempt is sent twice at once, with the same message id. */
  duplicateRate?: number;
  /** Extra latency before each attempt, in ms. */
  delayMs?: number;
  /** The request is started, then the connection is cut after `cutoffAfterMs`; counts as a failure. */
  cutoffRate?: number;
  /** When a cut-off attempt is cut, in ms after it started (default 10). */
  cutoffAfterMs?: number;
};

/** Counters since start (or the last flush), plus current sizes. */
export type QStashStats = {
  published: number;
  deduplicated: number;
  attempted: number;
  succeeded: number;
  failed: number;
  dropped: number;
  duplicated: number;
  cutoff: number;
  callbacks: number;
  canceled: number;
  dlq: number;
  pending: number;
  inFlight: number;
};

/** Upstash-Flow-Control-Key / -Value: at most `parallelism` in flight, `rate` starts per `periodSec`. */
export type FlowControl = { key: string; parallelism?: number; rate?: number; periodSec: number };

/** A callback destination and its Upstash-Callback-* / Upstash-Failure-Callback-* settings. */
export type CallbackConfig = {
  url: string;
  header: HeaderMap;
  method?: string;
  retries?: number;
  retryDelay?: string;
  timeoutMs?: number;
  delayMs?: number;
};

export type AttemptRecord = {
  /** Unix ms when the attempt started. */
  at: number;
  retried: number;
  durationMs: number;
  status?: number;
  error?: string;
  fault?: "drop" | "cutoff";
};

/** The states QStash's logs use; a stored message is CREATED, RETRY or IN_PROGRESS while pending. */
export type MessageState =
  | "CREATED"
  | "ACTIVE"
  | "RETRY"
  | "IN_PROGRESS"
  | "DELIVERED"
  | "ERROR"
  | "FAILED"
  | "CANCELED";

export type StoredMessage = {
  messageId: string;
  /** Destination exactly as published; it is also the JWT `sub`. */
  url: string;
  method: string;
  /** Headers delivered to the destination: Content-Type plus the Upstash-Forward-* ones, prefix stripped. */
  header: HeaderMap;
  /** The raw body bytes, base64. */
  bodyBase64: string;
  maxRetries: number;
  retryDelay?: string;
  timeoutMs?: number;
  /** Unix ms the first delivery was held until (Upstash-Delay / Upstash-Not-Before). */
  notBefore?: number;
  createdAt: number;
  callerIp?: string;
  labels?: string[];
  /** Upstash-Redact-Fields: parts the views hide (redact.ts); deliveries carry them unchanged. */
  redact?: Redaction;
  flowControl?: FlowControl;
  callback?: CallbackConfig;
  failureCallback?: CallbackConfig;
  /** The schedule that published it: delivered as Upstash-Schedule-Id, shown and filtered by. */
  scheduleId?: string;
  /** "callback" and "failure-callback" messages report on `sourceMessageId`. */
  kind: "message" | "callback" | "failure-callback";
  sourceMessageId?: string;
  state: MessageState;
  /** Failed attempts so far: the next attempt's Upstash-Retried. */
  retried: number;
  /** Unix ms of the next attempt. */
  dueAt: number;
  attempts: AttemptRecord[];
};

/** The last answer a destination gave, as QStash keeps it in the DLQ and callback bodies. */
export type DestinationResponse = { status: number; header: HeaderMap; bodyBase64: string };

export type DlqEntry = {
  dlqId: string;
  /** Unix ms the message entered the DLQ. */
  dlqAt: number;
  message: StoredMessage;
  response?: DestinationResponse;
  error?: string;
};

/** What Upstash-Redact-Fields hides from the message, DLQ and log views (see redact.ts). */
export type Redaction = {
  body?: true;
  allHeaders?: true;
  /** Lowercase header names. */
  headers?: string[];
};
