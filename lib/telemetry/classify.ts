import "server-only";
import OpenAI from "openai";
import { z } from "zod";
import { ProviderResponseError } from "@/lib/openai/stream";
import { jobError, type JobErrorCode, type KnownJobError } from "@/lib/telemetry/error-codes";
import type { JobError } from "@/lib/telemetry/job-error";

/** A failure the job engine knows how to answer: its JobError, and when to try again (s). */
export type Classified = { error: KnownJobError; retryAfterS: number | null };

/** Raised by the engine itself for outcomes that no retry can fix. */
export class JobFailure extends Error {
  readonly jobError: KnownJobError;
  constructor(jobError: KnownJobError) {
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
 * Names a failure by its code: a 429, 5xx, timeout, network or Redis failure, a bad request,
 * a rejected key, a content-policy refusal. Whether QStash delivers it again (`retryable`),
 * and what it means to the person and to ops, is the code's row in lib/telemetry/error-codes.ts,
 * which every code here must be in (the types say so). Messages are for people; no secrets or
 * payloads go into them.
 */
export function classify(error: unknown): Classified {
  if (error instanceof JobFailure) return { error: error.jobError, retryAfterS: null };
  if (error instanceof StreamStalled) {
    const stalled = "The AI provider stopped responding mid-answer; retrying.";
    return e("openai_stalled", "AI_PROVIDER", stalled);
  }
  if (error instanceof OpenAI.RateLimitError) {
    const busy = "The AI provider is busy; the analysis will resume shortly.";
    return e("openai_rate_limited", "AI_PROVIDER", busy, retryAfter(error.headers) ?? 10);
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return e("openai_timeout", "NETWORK", "The AI provider took too long to answer; retrying.");
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return e("openai_unreachable", "NETWORK", "Could not reach the AI provider; retrying.");
  }
  const keyRejected =
    error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError;
  if (keyRejected) {
    const misconfigured = "The analysis service is misconfigured. Please try again later.";
    return e("openai_auth", "AUTH", misconfigured);
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    if (error.status >= 500 || error.status === 408 || error.status === 409) {
      const temporary = "The AI provider had a temporary problem; retrying.";
      return e("openai_server_error", "AI_PROVIDER", temporary, retryAfter(error.headers));
    }
    const policy = /content|policy|safety/i.test(`${error.code ?? ""} ${error.message}`);
    return policy
      ? e("content_policy", "AI_PROVIDER", DECLINED)
      : e("openai_bad_request", "AI_PROVIDER", REJECTED);
  }
  if (error instanceof ProviderResponseError) {
    const policy = /content|policy|filter/i.test(error.code);
    return policy
      ? e("content_policy", "AI_PROVIDER", DECLINED)
      : e("openai_incomplete", "AI_PROVIDER", INCOMPLETE);
  }
  if (error instanceof Error && error.name === "UpstashError") {
    return e("redis_error", "DATABASE", "Temporary storage problem; retrying.");
  }
  if (error instanceof z.ZodError) {
    const invalid = "The analysis could not continue: its stored data is not valid.";
    return e("invalid_data", "VALIDATION", invalid);
  }
  if (error instanceof SyntaxError) {
    const unreadable = "The analysis could not continue: data it saved could not be read.";
    return e("unreadable_json", "JSON_PARSING", unreadable);
  }
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) {
    return e("network_error", "NETWORK", "A network problem interrupted the analysis; retrying.");
  }
  const unknown = "Something went wrong while running the analysis; retrying.";
  return e("internal_error", "SYSTEM", unknown);
}

const DECLINED = "The AI provider declined to analyse this text (content policy).";
const REJECTED = "The AI provider rejected the request for this analysis.";
const INCOMPLETE = "The AI provider stopped before finishing; retrying.";

/** Classified as `code`; whether QStash retries it is the code's row in the table. */
function e(
  code: JobErrorCode,
  category: JobError["category"],
  message: string,
  retryAfterS: number | null = null,
): Classified {
  return { error: jobError(code, category, message), retryAfterS };
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
  const [n, unit] =
    ms >= 60_000
      ? [Math.round(ms / 60_000), "minute"]
      : [Math.max(1, Math.round(ms / 1000)), "second"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A job that ran (under leases) longer than its type allows. */
export function timeoutError(ms: number): KnownJobError {
  const message = `The analysis ran longer than ${humanDuration(ms)} and was stopped.`;
  return jobError("timeout", "SYSTEM", message);
}

/**
 * A job that could not finish within JOB_MAX_AGE_MS of being queued, most of it spent waiting
 * for the app, Redis or the AI provider to be reachable again. `last`: the failure its workers
 * last reported, if any. Not retried automatically; a person's Retry keeps its finished steps.
 */
export function maxAgeError(maxAgeMs: number, last: JobError | null): KnownJobError {
  const lastProblem = last?.message.replace(/;? ?retrying\.?$/i, "").replace(/\.$/, "");
  const cause = last ? ` (last problem: ${lastProblem})` : "";
  const message =
    `The analysis could not finish within ${humanDuration(maxAgeMs)} because the service was ` +
    `unavailable for too long${cause}. Retry continues from the steps already done.`;
  return jobError("max_age", "SYSTEM", message);
}
