/**
 * The JSON QStash answers with for a message (GET /v2/messages/{id}), a DLQ entry and a schedule,
 * in the field names of @upstash/qstash's `Message` / `DlqMessage` / `Schedule` types.
 */
import { visibleBody, visibleHeader } from "./redact.ts";
import type { ScheduleRecord } from "./schedules.ts";
import type { DlqEntry, StoredMessage } from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `body` when the bytes are UTF-8, else `bodyBase64`, as QStash does (prefix picks the field names). */
export function bodyFields(
  base64: string,
  prefix: "body" | "responseBody",
): Record<string, string> {
  try {
    return { [prefix]: utf8.decode(Buffer.from(base64, "base64")) };
  } catch {
    return { [`${prefix}Base64`]: base64 };
  }
}

export function messageView(m: StoredMessage): Record<string, unknown> {
  const fc = m.flowControl;
  return {
    messageId: m.messageId,
    url: m.url,
    method: m.method,
    // Upstash-Redact-Fields parts read REDACTED:<sha256> here, as in QStash's API.
    header: visibleHeader(m.header, m.redact),
    ...bodyFields(visibleBody(m.bodyBase64, m.redact), "body"),
    maxRetries: m.maxRetries,
    retryDelayExpression: m.retryDelay,
    notBefore: m.notBefore,
    createdAt: m.createdAt,
    callback: m.callback?.url,
    failureCallback: m.failureCallback?.url,
    scheduleId: m.scheduleId,
    callerIp: m.callerIp,
    label: m.labels?.[0],
    labels: m.labels,
    flowControlKey: fc?.key,
    parallelism: fc?.parallelism,
    rate: fc?.rate,
    period: fc && fc.rate !== undefined ? fc.periodSec : undefined,
  };
}

export function dlqView(e: DlqEntry): Record<string, unknown> {
  return {
    ...messageView(e.message),
    dlqId: e.dlqId,
    responseStatus: e.response?.status,
    responseHeader: e.response?.header,
    ...(e.response ? bodyFields(e.response.bodyBase64, "responseBody") : {}),
  };
}

/** `next`: unix ms of the next firing, absent while paused. Durations are in seconds, as the SDK reads them. */
export function scheduleView(r: ScheduleRecord, next?: number): Record<string, unknown> {
  const { base, cfg } = r.template;
  const fc = cfg.flowControl;
  return {
    scheduleId: r.scheduleId,
    cron: r.cron,
    createdAt: r.createdAt,
    destination: base.url,
    method: cfg.method ?? "POST",
    header: visibleHeader(base.header, cfg.redact),
    // No body, no field: an overwrite without one reads `body: undefined` (qstash-js's tests).
    ...(base.bodyBase64 ? bodyFields(visibleBody(base.bodyBase64, cfg.redact), "body") : {}),
    retries: cfg.retries,
    delay: cfg.delayMs !== undefined ? Math.floor(cfg.delayMs / 1000) : undefined,
    callback: cfg.callback?.url,
    failureCallback: cfg.failureCallback?.url,
    // The API reference spells it callerIp; the SDK's type declares callerIP too.
    callerIp: base.callerIp,
    callerIP: base.callerIp,
    isPaused: r.isPaused,
    flowControlKey: fc?.key,
    parallelism: fc?.parallelism,
    rate: fc?.rate,
    period: fc && fc.rate !== undefined ? fc.periodSec : undefined,
    retryDelayExpression: cfg.retryDelay,
    label: cfg.labels?.[0],
    labels: cfg.labels,
    lastScheduleTime: r.lastScheduleTime,
    nextScheduleTime: next,
    lastScheduleStates: r.lastScheduleStates,
  };
}
