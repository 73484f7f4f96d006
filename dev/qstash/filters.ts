/**
 * The query filters of QStash's list and bulk endpoints (docs: api-reference dlq, messages, logs;
 * @upstash/qstash's DLQFilterFields, MessageCancelFilterFields, LogsListFilters). A parameter an
 * endpoint does not know is refused with a 400, as QStash refuses it, never ignored: an ignored
 * typo (`labeel=…`) on a bulk delete would select, and delete, everything. Multi-value filters
 * take repeated or comma-separated values; OR within a filter, AND across filters.
 */
import { HttpError } from "./http-util.ts";
import type { StoredMessage } from "./types.ts";

export type FilterEndpoint = "dlq" | "messages" | "logs";

/** Filters every list endpoint takes (urlGroup travels as topicName: the SDK renames it). */
const SHARED = [
  "url",
  "topicName",
  "scheduleId",
  "queueName",
  "label",
  "flowControlKey",
  "callerIp",
  "fromDate",
  "toDate",
];
/** host/path exist on cancel and logs only; the DLQ rejects them (SDK: HostPathFilterFields). */
const FILTERS: Record<FilterEndpoint, string[]> = {
  dlq: [...SHARED, "messageId", "responseStatus"],
  messages: [...SHARED, "host", "path", "callerIP"],
  logs: [...SHARED, "messageId", "host", "path", "state"],
};
/** Selection and paging parameters (what each does is the route's business). */
const CONTROLS: Record<FilterEndpoint, string[]> = {
  dlq: ["dlqIds", "cursor", "count"],
  messages: ["messageIds", "count"],
  logs: ["messageIds", "cursor", "count"],
};
const INTEGERS = new Set(["fromDate", "toDate", "count", "responseStatus"]);
/** Log states a filter may name (the SDK's State plus the API reference's spellings). */
export const LOG_STATES = [
  "CREATED",
  "ACTIVE",
  "RETRY",
  "ERROR",
  "IN_PROGRESS",
  "DELIVERED",
  "FAILED",
  "CANCELED",
  "CANCELLED",
  "CANCEL_REQUESTED",
];

/** Name → the values a record has for it; a filter on a name with no values never matches. */
export type Facts = Record<string, string[]>;

export type Filter = {
  /** Values of a multi-value parameter: `label=a&label=b` or `label=a,b`. */
  values(name: string): string[];
  count?: number;
  cursor?: string;
  /** True when the record's facts match every filter given; `time` is what fromDate/toDate bound. */
  matches(facts: Facts, time: number): boolean;
};

/** Reads `query` for `endpoint`; throws a 400 naming the first parameter it cannot take. */
export function parseFilter(query: URLSearchParams, endpoint: FilterEndpoint): Filter {
  const known = new Set([...FILTERS[endpoint], ...CONTROLS[endpoint], "qstash_token"]);
  for (const name of new Set(query.keys())) {
    if (!known.has(name))
      throw new HttpError(
        400,
        `unknown query parameter "${name}": this endpoint filters by ${FILTERS[endpoint].join(", ")}`,
      );
  }
  const values = (name: string) =>
    query
      .getAll(name)
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter(Boolean);
  for (const name of INTEGERS) {
    const bad = values(name).find((v) => !/^\d+$/.test(v));
    if (bad !== undefined)
      throw new HttpError(400, `invalid ${name}: ${bad} (expected an integer)`);
  }
  const badState = values("state").find((s) => !LOG_STATES.includes(s));
  if (badState)
    throw new HttpError(400, `invalid state: ${badState} (one of ${LOG_STATES.join(", ")})`);
  const integer = (name: string) => (values(name).length ? Number(values(name)[0]) : undefined);
  const [from, to] = [integer("fromDate"), integer("toDate")];
  const filters = FILTERS[endpoint].filter(
    (n) => n !== "fromDate" && n !== "toDate" && values(n).length,
  );
  return {
    values,
    count: integer("count"),
    cursor: query.get("cursor") || undefined,
    matches(facts, time) {
      for (const name of filters)
        if (!values(name).some((w) => (facts[name] ?? []).includes(w))) return false;
      return (from === undefined || time >= from) && (to === undefined || time <= to);
    },
  };
}

/** What a message can be filtered by; URL groups and queues do not exist here. */
export function messageFacts(
  m: Pick<
    StoredMessage,
    "messageId" | "url" | "labels" | "flowControl" | "callerIp" | "scheduleId"
  >,
): Facts {
  const url = new URL(m.url);
  const callerIp = m.callerIp ? [m.callerIp] : [];
  return {
    messageId: [m.messageId],
    url: [m.url],
    host: [url.host, url.hostname],
    path: [url.pathname],
    label: m.labels ?? [],
    flowControlKey: m.flowControl ? [m.flowControl.key] : [],
    scheduleId: m.scheduleId ? [m.scheduleId] : [],
    callerIp,
    callerIP: callerIp,
  };
}
