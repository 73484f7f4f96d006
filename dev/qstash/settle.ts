/**
 * What an attempt's outcome means (docs: features/retry, features/callbacks), as pure
 * functions: delivered, retry after a wait, or dead-lettered; and the callback messages QStash
 * publishes about an attempt. The engine applies the decisions.
 */
import type { AttemptOutcome } from "./attempt.ts";
import { defaultBackoffMs, retryAfterMs } from "./duration.ts";
import { evaluateRetryDelay } from "./expression.ts";
import { headerValue } from "./headers.ts";
import { newMessage, type PublishContext } from "./publish.ts";
import type { CallbackConfig, StoredMessage } from "./types.ts";

/** `waitMs`: how long until the next attempt, in milliseconds. */
export type Decision =
  | { kind: "delivered" }
  | { kind: "retry"; waitMs: number }
  | { kind: "dlq"; reason: string };

export function decide(message: StoredMessage, outcome: AttemptOutcome, now: number): Decision {
  const response = outcome.response;
  if (response && response.status >= 200 && response.status < 300) return { kind: "delivered" };
  // 489 + Upstash-NonRetryable-Error: true means "never retry": straight to the DLQ.
  if (
    response?.status === 489 &&
    headerValue(response.header, "Upstash-NonRetryable-Error")?.trim().toLowerCase() === "true"
  ) {
    return { kind: "dlq", reason: "non-retryable error (489 with Upstash-NonRetryable-Error)" };
  }
  if (message.retried >= message.maxRetries)
    return { kind: "dlq", reason: `retries exhausted (${message.maxRetries})` };
  const asked = response ? retryAfterMs(response.header, now) : null;
  if (asked !== null) return { kind: "retry", waitMs: asked };
  // Upstash-Retry-Delay sees `retried` = 0 for the first retry; the default backoff counts failures from 1.
  if (message.retryDelay)
    return { kind: "retry", waitMs: evaluateRetryDelay(message.retryDelay, message.retried) };
  return { kind: "retry", waitMs: defaultBackoffMs(message.retried + 1) };
}

/**
 * The JSON body QStash posts to a callback (docs: features/callbacks). `status`, `header` and
 * `body` (base64) are the destination's answer; with no answer (timeout, network error) status
 * is 0 and body empty. `retried` is the attempt's Upstash-Retried; the failure callback also
 * carries `dlqId`, and a scheduled message's callbacks its `scheduleId`. Timestamps are strings of unix ms, as in the docs.
 */
export function callbackBody(
  source: StoredMessage,
  outcome: AttemptOutcome,
  dlqId?: string,
): Record<string, unknown> {
  const response = outcome.response;
  return {
    status: response?.status ?? 0,
    header: response?.header ?? {},
    body: response?.bodyBase64 ?? "",
    retried: source.retried,
    maxRetries: source.maxRetries,
    ...(dlqId ? { dlqId } : {}),
    sourceMessageId: source.messageId,
    url: source.url,
    method: source.method,
    sourceHeader: source.header,
    sourceBody: source.bodyBase64,
    notBefore: String(source.notBefore ?? source.createdAt),
    createdAt: String(source.createdAt),
    ...(source.scheduleId ? { scheduleId: source.scheduleId } : {}),
    ...(source.callerIp ? { callerIP: source.callerIp } : {}),
  };
}

/**
 * A callback is a new message to the callback URL (signed and retried like any other). It uses
 * the original message's retry settings unless Upstash-(Failure-)Callback-* headers said otherwise.
 * Its body embeds the source's header and body, so when the source redacted anything the
 * callback's body is hidden from the views too (QStash's docs are silent; this errs on privacy).
 */
export function callbackMessage(
  config: CallbackConfig,
  source: StoredMessage,
  body: Record<string, unknown>,
  kind: "callback" | "failure-callback",
  ctx: PublishContext,
): StoredMessage {
  const base = {
    url: config.url,
    header: { "Content-Type": ["application/json"], ...config.header },
    bodyBase64: Buffer.from(JSON.stringify(body)).toString("base64"),
    callerIp: source.callerIp,
    kind,
    sourceMessageId: source.messageId,
  };
  const settings = {
    method: config.method,
    retries: config.retries ?? source.maxRetries,
    retryDelay: config.retryDelay ?? source.retryDelay,
    timeoutMs: config.timeoutMs,
    delayMs: config.delayMs,
    redact: source.redact ? ({ body: true } as const) : undefined,
  };
  return newMessage(base, settings, ctx);
}
