/**
 * QStash's logs (GET /v2/logs, and /v2/events which client.logs() calls): one event per state
 * change, newest first. Kept in memory only and bounded, because they are for looking at what
 * just happened (the operator's "QStash logs" view), not for recovery.
 */
import type { MessageState, StoredMessage } from "./types.ts";
import { queryValues } from "./views.ts";

export type LogEvent = {
  time: number;
  state: MessageState;
  messageId: string;
  url: string;
  label?: string;
  labels?: string[];
  nextDeliveryTime?: number;
  responseStatus?: number;
  error?: string;
};

const LIMIT = 5_000;

export type EventLog = {
  record(message: StoredMessage, state: MessageState, extra?: Partial<LogEvent>): void;
  /** Newest first; `cursor` is opaque to callers (an event sequence number). */
  page(query: URLSearchParams): { events: LogEvent[]; cursor?: string };
  clear(): void;
};

export function createEventLog(): EventLog {
  let events: Array<LogEvent & { seq: number }> = [];
  let seq = 0;
  return {
    record(m, state, extra = {}) {
      events.push({ seq: seq++, time: Date.now(), state, messageId: m.messageId, url: m.url, label: m.labels?.[0], labels: m.labels, ...extra });
      if (events.length > LIMIT * 1.2) events = events.slice(-LIMIT);
    },
    page(query) {
      const ids = [...queryValues(query, "messageIds"), ...queryValues(query, "messageId")];
      const states = queryValues(query, "state");
      const urls = queryValues(query, "url");
      const labels = queryValues(query, "label");
      const count = Math.min(1000, Math.max(1, Number(query.get("count")) || 100));
      const cursor = query.get("cursor") ? Number(query.get("cursor")) : Number.POSITIVE_INFINITY;
      const out: Array<LogEvent & { seq: number }> = [];
      for (let i = events.length - 1; i >= 0 && out.length <= count; i--) {
        const e = events[i];
        if (e.seq >= cursor) continue;
        if (ids.length && !ids.includes(e.messageId)) continue;
        if (states.length && !states.includes(e.state)) continue;
        if (urls.length && !urls.includes(e.url)) continue;
        if (labels.length && !labels.some((l) => e.labels?.includes(l))) continue;
        out.push(e);
      }
      const more = out.length > count;
      const page = out.slice(0, count);
      return { events: page.map(({ seq: _seq, ...e }) => e), cursor: more ? String(page[page.length - 1].seq) : undefined };
    },
    clear() {
      events = [];
    },
  };
}
