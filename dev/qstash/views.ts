/**
 * The JSON QStash answers with for a message (GET /v2/messages/{id}) and a DLQ entry, in the
 * field names of @upstash/qstash's `Message` / `DlqMessage` types, and the query filters the
 * list and bulk endpoints accept (repeated or comma-separated values; docs: api-reference dlq).
 */
import type { DlqEntry, StoredMessage } from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `body` when the bytes are UTF-8, else `bodyBase64`, as QStash does (prefix picks the field names). */
function bodyFields(base64: string, prefix: "body" | "responseBody"): Record<string, string> {
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
    header: m.header,
    ...bodyFields(m.bodyBase64, "body"),
    maxRetries: m.maxRetries,
    retryDelayExpression: m.retryDelay,
    notBefore: m.notBefore,
    createdAt: m.createdAt,
    callback: m.callback?.url,
    failureCallback: m.failureCallback?.url,
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

/** Values of a multi-value query parameter: `label=a&label=b` or `label=a,b`. */
export function queryValues(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** What a message can be filtered by; URL groups, queues and schedules do not exist here. */
function facts(m: StoredMessage): Record<string, string[]> {
  const url = new URL(m.url);
  return {
    messageId: [m.messageId],
    url: [m.url],
    host: [url.host],
    path: [url.pathname],
    label: m.labels ?? [],
    flowControlKey: m.flowControl ? [m.flowControl.key] : [],
    callerIp: m.callerIp ? [m.callerIp] : [],
    callerIP: m.callerIp ? [m.callerIp] : [],
    topicName: [],
    queueName: [],
    scheduleId: [],
  };
}

/**
 * True when `m` matches every filter present in `query` (OR within a filter's values, AND
 * across filters). `time` is what fromDate/toDate (unix ms, inclusive) compare against.
 */
export function matches(m: StoredMessage, query: URLSearchParams, time: number, extra: Record<string, string[]> = {}): boolean {
  const known = { ...facts(m), ...extra };
  for (const [name, have] of Object.entries(known)) {
    const wanted = queryValues(query, name);
    if (wanted.length && !wanted.some((w) => have.includes(w))) return false;
  }
  const from = Number(query.get("fromDate") ?? Number.NaN);
  const to = Number(query.get("toDate") ?? Number.NaN);
  if (!Number.isNaN(from) && time < from) return false;
  if (!Number.isNaN(to) && time > to) return false;
  return true;
}
