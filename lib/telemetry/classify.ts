import "server-only";
import OpenAI from "openai";
import { z } from "zod";
import { ProviderResponseError } from "@/lib/openai/stream";
import type { JobErrorCode } from "@/lib/telemetry/error-codes";
import type { JobError } from "@/lib/telemetry/job-error";

/** A failure the job engine knows how to answer: its JobError, and when to try again (s). */
export type Classified = { error: JobError; retryAfterS: number | null };

/** Raised by the engine itself for outcomes that no retry can fix. */
export class JobFailure extends Error {
  readonly jobError: JobError;
  constructor(jobError: JobError & { code: JobErrorCode }) {
    super(jobError.message);
    this.name = "JobFailure";
    this.jobError = jobError;
  }
}

/** The OpenAI stream sent nothing for OPENAI_STALL_TIMEOUT_MS and was aborted. */
export class StreamStalled extends Error {
  constructor() {
    super("the OpenAI stream stalled");
    this.name = "StreamStalled";
  }
}

/**
 * Sorts a failure into retryable (QStash should deliver again: 429, 5xx, timeouts, network,
 * Redis) and non-retryable (bad request, auth, content policy, invalid output): the one table
 * of which is which. Messages are for people; no secrets or payloads go into them. What each
 * code means to the person (may Retry help?) and to ops (did the input cause it?) is
 * lib/telemetry/error-codes.ts, which every code here must be in (the types say so).
 */
export function classify(error: unknown): Classified {
  if (error instanceof JobFailure) return { error: error.jobError, retryAfterS: null };
  if (error instanceof StreamStalled) return { error: e("openai_stalled", "AI_PROVIDER", "The AI provider stopped responding mid-answer; retrying.", true), retryAfterS: null };
  if (error instanceof OpenAI.RateLimitError) {
    return { error: e("openai_rate_limited", "AI_PROVIDER", "The AI provider is busy; the analysis will resume shortly.", true), retryAfterS: retryAfter(error.headers) ?? 10 };
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) return { error: e("openai_timeout", "NETWORK", "The AI provider took too long to answer; retrying.", true), retryAfterS: null };
  if (error instanceof OpenAI.APIConnectionError) return { error: e("openai_unreachable", "NETWORK", "Could not reach the AI provider; retrying.", true), retryAfterS: null };
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return { error: e("openai_auth", "AUTH", "The analysis service is misconfigured. Please try again later.", false), retryAfterS: null };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    if (error.status >= 500 || error.status === 408 || error.status === 409) {
      return { error: e("openai_server_error", "AI_PROVIDER", "The AI provider had a temporary problem; retrying.", true), retryAfterS: retryAfter(error.headers) };
    }
    const policy = /content|policy|safety/i.test(`${error.code ?? ""} ${error.message}`);
    return policy
      ? { error: e("content_policy", "AI_PROVIDER", "The AI provider declined to analyse this text (content policy).", false), retryAfterS: null }
      : { error: e("openai_bad_request", "AI_PROVIDER", "The AI provider rejected the request for this analysis.", false), retryAfterS: null };
  }
  if (error instanceof ProviderResponseError) {
    const policy = /content|policy|filter/i.test(error.code);
    return { error: e(policy ? "content_policy" : "openai_incomplete", "AI_PROVIDER", policy ? "The AI provider declined to analyse this text (content policy)." : "The AI provider stopped before finishing; retrying.", !policy), retryAfterS: null };
  }
  if (error instanceof Error && error.name === "UpstashError") {
    return { error: e("redis_error", "DATABASE", "Temporary storage problem; retrying.", true), retryAfterS: null };
  }
  if (error instanceof z.ZodError) {
    return { error: e("invalid_data", "VALIDATION", "The analysis could not continue: its stored data is not valid.", false), retryAfterS: null };
  }
  if (error instanceof SyntaxError) {
    return { error: e("unreadable_json", "JSON_PARSING", "The analysis could not continue: data it saved could not be read.", false), retryAfterS: null };
  }
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) {
    return { error: e("network_error", "NETWORK", "A network problem interrupted the analysis; retrying.", true), retryAfterS: null };
  }
  return { error: e("internal_error", "SYSTEM", "Something went wrong while running the analysis; retrying.", true), retryAfterS: null };
}

function e(code: JobErrorCode, category: JobError["category"], message: string, retryable: boolean): JobError {
  return { code, category, message, retryable };
}

/** Seconds from `retry-after-ms` / `retry-after` (seconds or an HTTP date), capped at 1 h. */
export function retryAfter(headers: Headers | undefined): number | null {
  const ms = Number(headers?.get("retry-after-ms"));
  if (ms > 0) return Math.min(3600, Math.ceil(ms / 1000));
  const raw = headers?.get("retry-after");
  if (!raw) return null;
  const s = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : (Date.parse(raw) - Date.now()) / 1000;
  return Number.isFinite(s) && s > 0 ? Math.min(3600, Math.ceil(s)) : null;
}

/** "30 minutes", "1 minute", "6 seconds": a bound as a person reads it. */
export function humanDuration(ms: number): string {
  const [n, unit] = ms >= 60_000 ? [Math.round(ms / 60_000), "minute"] : [Math.max(1, Math.round(ms / 1000)), "second"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A job that ran (under leases) longer than its type allows. */
export function timeoutError(ms: number): JobError {
  return { code: "timeout" satisfies JobErrorCode, category: "SYSTEM", message: `The analysis ran longer than ${humanDuration(ms)} and was stopped.`, retryable: false };
}

/**
 * A job that could not finish within JOB_MAX_AGE_MS of being queued, most of it spent waiting
 * for the app, Redis or the AI provider to be reachable again. `last`: the failure its workers
 * last reported, if any. Not retried automatically; a person's Retry keeps its finished steps.
 */
export function maxAgeError(maxAgeMs: number, last: JobError | null): JobError {
  const cause = last ? ` (last problem: ${last.message.replace(/;? ?retrying\.?$/i, "").replace(/\.$/, "")})` : "";
  return {
    code: "max_age" satisfies JobErrorCode,
    category: "SYSTEM",
    message: `The analysis could not finish within ${humanDuration(maxAgeMs)} because the service was unavailable for too long${cause}. Retry continues from the steps already done.`,
    retryable: false,
  };
}
