/**
 * QStash's logs (GET /v2/logs, and /v2/events which client.logs() calls): one event per state
 * change, newest first. Kept in memory only and bounded, because they are for looking at what
 * just happened (the operator's "QStash logs" view), not for recovery. Filters are the logs
 * endpoint's (filters.ts), host and path included. Each event shows its message's header and
 * body (base64) as the API reference's LogEntry does, with Upstash-Redact-Fields parts hidden.
 */
import { messageFacts, type Filter } from "./filters.ts";
import { visibleBody, visibleHeader } from "./redact.ts";
import type { HeaderMap, MessageState, StoredMessage } from "./types.ts";

export type LogEvent = {
  time: number;
  state: MessageState;
  messageId: string;
  url: string;
  label?: string;
  labels?: string[];
  /** The schedule that published the message (API reference: LogEntry.scheduleId). */
  scheduleId?: string;
  nextDeliveryTime?: number;
  responseStatus?: number;
  /** ERROR events: the destination's answer (body base64), as the API reference lists them. */
  responseHeaders?: HeaderMap;
  responseBody?: string;
  error?: string;
};

/** What a page shows: the event plus its message's delivery settings, header and body. */
export type LogView = LogEvent & {
  header: HeaderMap;
  body: string;
  method: string;
  maxRetries: number;
};

const LIMIT = 5_000;
/** Most events a page returns (SDK: "Max 1000"); 100 when `count` is not given. */
const MAX_COUNT = 1000;

/** The `state` filter values an event answers to: IN_PROGRESS is ACTIVE, RETRY or ERROR (API reference). */
function stateNames(state: MessageState): string[] {
  if (state === "ACTIVE" || state === "RETRY" || state === "ERROR") return [state, "IN_PROGRESS"];
  if (state === "CANCELED") return [state, "CANCELLED"];
  return [state];
}

type Stored = { seq: number; event: LogEvent; message: StoredMessage };

function view({ event, message: m }: Stored): LogView {
  return {
    ...event,
    header: visibleHeader(m.header, m.redact),
    body: visibleBody(m.bodyBase64, m.redact),
    method: m.method,
    maxRetries: m.maxRetries,
  };
}

export type EventLog = {
  record(message: StoredMessage, state: MessageState, extra?: Partial<LogEvent>): void;
  /** Newest first; `cursor` is opaque to callers (an event sequence number). */
  page(filter: Filter): { events: LogView[]; cursor?: string };
  clear(): void;
};

export function createEventLog(): EventLog {
  let events: Stored[] = [];
  let seq = 0;
  return {
    record(m, state, extra = {}) {
      const event: LogEvent = {
        time: Date.now(),
        state,
        messageId: m.messageId,
        url: m.url,
        label: m.labels?.[0],
        labels: m.labels,
        scheduleId: m.scheduleId,
        ...extra,
      };
      events.push({ seq: seq++, event, message: m });
      if (events.length > LIMIT * 1.2) events = events.slice(-LIMIT);
    },
    page(filter) {
      const ids = filter.values("messageIds");
      const count = Math.min(MAX_COUNT, Math.max(1, filter.count || 100));
      const cursor = filter.cursor ? Number(filter.cursor) : Number.POSITIVE_INFINITY;
      const out: Stored[] = [];
      for (let i = events.length - 1; i >= 0 && out.length <= count; i--) {
        const e = events[i];
        if (e.seq >= cursor || (ids.length && !ids.includes(e.event.messageId))) continue;
        if (
          filter.matches(
            { ...messageFacts(e.message), state: stateNames(e.event.state) },
            e.event.time,
          )
        )
          out.push(e);
      }
      const more = out.length > count;
      const page = out.slice(0, count);
      return {
        events: page.map(view),
        cursor: more ? String(page[page.length - 1].seq) : undefined,
      };
    },
    clear() {
      events = [];
    },
  };
}
