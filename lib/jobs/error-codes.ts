/**
 * Every code a job can fail with, and what it means to the two people who read it. Shared by
 * the server (ops counting) and the page (whether to offer Retry): no server-only imports.
 *
 * - `personRetry`: whether pressing Retry can help. It runs the same job again with the same
 *   input and its finished steps, so it helps when the cause can pass (a busy, failing or
 *   unreachable provider, an outage, a model answer that may come out right next time) and
 *   not when the same input would get the same answer (a content-policy refusal, a listing
 *   that is empty or gone, a request the provider rejects as malformed, stored data that
 *   cannot be read). Whether QStash retries by itself is JobError.retryable, set by classify.
 * - `cause`: "input" when the person's own listing caused the failure (its content, or it is
 *   empty, gone or changed under the job): such a failure is still an error group on /ops, but
 *   it is not the service failing, so it counts in neither the error rate, nor the success
 *   rate, nor health, nor any alert. "service" for everything that is ours or our providers'.
 * - `advice`: shown instead of Retry, saying why retrying would not help and what to do.
 */
export type ErrorCodeInfo = { personRetry: boolean; cause: "input" | "service"; advice?: string };

const passes = { personRetry: true, cause: "service" } as const satisfies ErrorCodeInfo;

export const ERROR_CODES = {
  // The AI provider, unwell or unreachable: each may pass.
  openai_rate_limited: passes,
  openai_server_error: passes,
  openai_stalled: passes,
  openai_timeout: passes,
  openai_unreachable: passes,
  openai_incomplete: passes,
  // A key the operator must fix; a person's Retry works once they have.
  openai_auth: passes,
  openai_bad_request: {
    personRetry: false,
    cause: "service",
    advice: "Retrying would send the same request and get the same answer. It has been reported; try another analysis type or listing meanwhile.",
  },
  content_policy: {
    personRetry: false,
    cause: "input",
    advice: "Retrying would get the same answer. Edit the listing or pick another.",
  },
  // A new model answer may pass validation.
  invalid_output: passes,
  invalid_data: { personRetry: false, cause: "service", advice: "Retrying would read the same saved data. Start the analysis again instead." },
  unreadable_json: { personRetry: false, cause: "service", advice: "Retrying would read the same saved data. Start the analysis again instead." },
  listing_empty: { personRetry: false, cause: "input", advice: "Paste the listing with its text, or pick another." },
  listing_missing: { personRetry: false, cause: "input", advice: "Paste the listing again, or pick another." },
  listing_changed: { personRetry: false, cause: "input", advice: "A retry would mix the old and the new text: start the analysis again instead." },
  conversation_missing: {
    personRetry: false,
    cause: "input",
    advice: "Uploads are kept for 7 days: upload the conversation again, then start an analysis.",
  },
  conversation_unreadable: {
    personRetry: false,
    cause: "input",
    advice: "Retrying would read the same file. Export the transcript again and upload it.",
  },
  conversation_changed: {
    personRetry: false,
    cause: "input",
    advice: "A retry would mix the old and the new text: start the analysis again instead.",
  },
  redis_error: passes,
  network_error: passes,
  internal_error: passes,
  queue_unavailable: passes,
  // Retry continues from the steps already done.
  timeout: passes,
  max_age: passes,
} as const satisfies Record<string, ErrorCodeInfo>;

export type JobErrorCode = keyof typeof ERROR_CODES;

/** A code this build does not know (an older job's, say) is treated as one that may pass. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as JobErrorCode] : passes;
}

/** True when the person's own listing caused this failure, not the service (see `cause`). */
export const isInputCaused = (code: string): boolean => errorCodeInfo(code).cause === "input";
