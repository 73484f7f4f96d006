/**
 * The JSON QStash answers with for a message (GET /v2/messages/{id}) and a DLQ entry, in the
 * field names of @upstash/qstash's `Message` / `DlqMessage` types.
 */
import { visibleBody, visibleHeader } from "./redact.ts";
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
