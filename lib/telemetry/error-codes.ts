import type { JobError } from "@/lib/telemetry/job-error";

/**
 * Every code a job can fail with, and what it means to each part of the app and to the two
 * people who read it: the one table of codes. Shared by the server (retries, the circuit, ops
 * counting) and the page (whether to offer Retry): no server-only imports.
 *
 * - `personRetry`: whether pressing Retry can help. It runs the same job again with the same
 *   input and its finished steps, so it helps when the cause can pass (a busy, failing or
 *   unreachable provider, an outage, a model answer that may come out right next time) and
 *   not when the same input would get the same answer (a content-policy refusal, a listing
 *   that is empty or gone, a request the provider rejects as malformed, stored data that
 *   cannot be read).
 * - `retryable`: whether QStash delivers the job again by itself (the consume route answers it
 *   5xx); otherwise the job fails at once and QStash gets 489 (lib/qstash/answer.ts). Copied
 *   into each JobError by lib/telemetry/classify.ts.
 * - `providerFault`: the AI provider itself is unwell (rate limits, 5xx, stalls, timeouts, no
 *   connection, a rejected key), as opposed to one request it refused (content policy, a bad
 *   request): counted against its circuit breaker, as providerFaults in the metrics, and in
 *   its health on /ops.
 * - `cause`: "input" when the person's own listing caused the failure (its content, or it is
 *   empty, gone or changed under the job): such a failure is still an error group on /ops, but
 *   it is not the service failing, so it counts in neither the error rate, nor the success
 *   rate, nor health, nor any alert. "service" for everything that is ours or our providers'.
 * - `advice`: shown instead of Retry, saying why retrying would not help and what to do.
 *
 * A new code is one line below, built from one of these shapes.
 */
export type ErrorCodeInfo = {
  personRetry: boolean;
  cause: "input" | "service";
  retryable: boolean;
  providerFault: boolean;
  advice?: string;
};

/** Ours or the network's, and it may pass: QStash retries, and so may a person. */
const passes = {
  personRetry: true,
  cause: "service",
  retryable: true,
  providerFault: false,
} as const;
/** The AI provider unwell or unreachable: it may pass, and it counts against the provider. */
const providerDown = { ...passes, providerFault: true } as const;
/** Stopped for good on this run, but a person's Retry (keeping finished steps) may pass. */
const stopped = { ...passes, retryable: false } as const;
/** The same request or stored data would fail again: no retry helps. */
const same = (advice: string) => ({ ...stopped, personRetry: false, advice }) as const;
/** The person's own input caused it: no retry helps, and it is not the service failing. */
const byInput = (advice: string) => ({ ...same(advice), cause: "input" }) as const;

const STORED = "Retrying would read the same saved data. Start the analysis again instead.";

export const ERROR_CODES = {
  // The AI provider, unwell or unreachable: each may pass.
  openai_rate_limited: providerDown,
  openai_server_error: providerDown,
  openai_stalled: providerDown,
  openai_timeout: providerDown,
  openai_unreachable: providerDown,
  openai_incomplete: providerDown,
  // A key the operator must fix: no delivery will pass until then; a person's Retry works after.
  openai_auth: { ...providerDown, retryable: false },
  openai_bad_request: same(
    "Retrying would send the same request and get the same answer. It has been reported; " +
      "try another analysis type or listing meanwhile.",
  ),
  content_policy: byInput("Retrying would get the same answer. Edit the listing or pick another."),
  // A new model answer may pass validation.
  invalid_output: stopped,
  invalid_data: same(STORED),
  unreadable_json: same(STORED),
  listing_empty: byInput("Paste the listing with its text, or pick another."),
  listing_missing: byInput("Paste the listing again, or pick another."),
  listing_changed: byInput(
    "A retry would mix the old and the new text: start the analysis again instead.",
  ),
  conversation_missing: byInput("Upload the conversation again, or pick another."),
  conversation_unreadable: byInput("Export the conversation again and upload it, or pick another."),
  conversation_changed: byInput(
    "A retry would mix the old and the new conversation: start the analysis again instead.",
  ),
  redis_error: passes,
  network_error: passes,
  internal_error: passes,
  queue_unavailable: passes,
  // Retry continues from the steps already done.
  timeout: stopped,
  max_age: stopped,
} as const satisfies Record<string, ErrorCodeInfo>;

export type JobErrorCode = keyof typeof ERROR_CODES;

/** A JobError this build produces: its code is in the table (a stored one may be older). */
export type KnownJobError = JobError & { code: JobErrorCode };

/** A code this build does not know (an older job's, say) is treated as one that may pass. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as JobErrorCode] : passes;
}

/** True when the person's own listing caused this failure, not the service (see `cause`). */
export const isInputCaused = (code: string): boolean => errorCodeInfo(code).cause === "input";

/** True when the AI provider itself failed (see `providerFault`). */
export const isProviderFault = (code: string): boolean => errorCodeInfo(code).providerFault;

/** A JobError for `code`, whose `retryable` the table decides. */
export function jobError(
  code: JobErrorCode,
  category: JobError["category"],
  message: string,
): KnownJobError {
  return { code, category, message, retryable: ERROR_CODES[code].retryable };
}
