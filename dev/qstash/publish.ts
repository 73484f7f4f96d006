/**
 * Turns a publish request (destination, headers, raw body) into a stored message, reading the
 * same Upstash-* headers QStash reads (docs: api-reference publish) and rejecting malformed
 * ones with a 400 message, as QStash does, instead of guessing.
 */
import { createHash } from "node:crypto";
import { parseDurationMs } from "./duration.ts";
import { retryDelayError } from "./expression.ts";
import { strippedPrefix, type LowerHeaders } from "./headers.ts";
import { parseRedaction, type Redaction } from "./redact.ts";
import type { CallbackConfig, FlowControl, HeaderMap, StoredMessage } from "./types.ts";

/** QStash's default when Upstash-Retries is absent. */
export const DEFAULT_RETRIES = 3;
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** `maxRetries`: the plan's Upstash-Retries maximum, when the stand-in was given one. */
export type PublishContext = { now: number; newMessageId: () => string; maxRetries?: number };
export type Parsed =
  | { ok: true; message: StoredMessage; dedupKey?: string }
  | { ok: false; error: string };

/** Delivery settings a message can carry; all optional so DLQ retries can override a subset. */
export type Config = {
  method?: string;
  retries?: number;
  retryDelay?: string;
  timeoutMs?: number;
  delayMs?: number;
  /** Absolute Upstash-Not-Before, unix ms; wins over delayMs. */
  notBeforeMs?: number;
  labels?: string[];
  redact?: Redaction;
  flowControl?: FlowControl;
  callback?: CallbackConfig;
  failureCallback?: CallbackConfig;
};

type Base = Pick<
  StoredMessage,
  "url" | "header" | "bodyBase64" | "callerIp" | "kind" | "sourceMessageId"
>;

class BadRequest extends Error {}

export function parsePublish(
  input: { destination: string; headers: LowerHeaders; body: Buffer; callerIp?: string },
  ctx: PublishContext,
): Parsed {
  return guarded(() => {
    const url = checkUrl(decodeDestination(input.destination), "destination");
    const h = input.headers;
    const header: HeaderMap = strippedPrefix(h, "upstash-forward-");
    if (h["content-type"]) header["Content-Type"] = [h["content-type"]];
    const base: Base = {
      url,
      header,
      bodyBase64: input.body.toString("base64"),
      callerIp: input.callerIp,
      kind: "message",
    };
    const cfg = withinPlan(parseConfig(h), ctx);
    return {
      ok: true,
      message: newMessage(base, cfg, ctx),
      dedupKey: dedupKey(url, h, input.body, header),
    };
  });
}

/** A DLQ retry: the old message again, with any Upstash-* headers of the retry request overriding its settings. */
export function republish(old: StoredMessage, headers: LowerHeaders, ctx: PublishContext): Parsed {
  return guarded(() => {
    const { url, header, bodyBase64, callerIp, kind, sourceMessageId } = old;
    const kept: Config = {
      method: old.method,
      retries: old.maxRetries,
      retryDelay: old.retryDelay,
      timeoutMs: old.timeoutMs,
    };
    Object.assign(kept, {
      labels: old.labels,
      redact: old.redact,
      flowControl: old.flowControl,
      callback: old.callback,
      failureCallback: old.failureCallback,
    });
    const overrides = Object.fromEntries(
      Object.entries(withinPlan(parseConfig(headers), ctx)).filter(([, v]) => v !== undefined),
    );
    return {
      ok: true,
      message: newMessage(
        { url, header, bodyBase64, callerIp, kind, sourceMessageId },
        { ...kept, ...overrides },
        ctx,
      ),
    };
  });
}

/** A fresh pending message, due after its Upstash-Delay or at its Upstash-Not-Before. */
export function newMessage(base: Base, cfg: Config, ctx: PublishContext): StoredMessage {
  const wait = cfg.notBeforeMs !== undefined ? Math.max(0, cfg.notBeforeMs - ctx.now) : cfg.delayMs;
  const dueAt = Math.round(ctx.now + (wait ?? 0));
  return {
    messageId: ctx.newMessageId(),
    ...base,
    method: cfg.method ?? "POST",
    maxRetries: cfg.retries ?? Math.min(DEFAULT_RETRIES, ctx.maxRetries ?? DEFAULT_RETRIES),
    retryDelay: cfg.retryDelay,
    timeoutMs: cfg.timeoutMs,
    notBefore: wait !== undefined ? dueAt : undefined,
    createdAt: ctx.now,
    labels: cfg.labels,
    redact: cfg.redact,
    flowControl: cfg.flowControl,
    callback: cfg.callback,
    failureCallback: cfg.failureCallback,
    state: "CREATED",
    retried: 0,
    dueAt,
    attempts: [],
  };
}

function guarded(build: () => Parsed): Parsed {
  try {
    return build();
  } catch (error) {
    if (error instanceof BadRequest) return { ok: false, error: error.message };
    throw error;
  }
}

/** Reads Upstash-* settings; `prefix` is "upstash-callback-" etc. for callback settings. */
function parseConfig(h: LowerHeaders, prefix = "upstash-"): Config {
  const get = (name: string) => h[prefix + name]?.trim() || undefined;
  const cfg: Config = {};
  const method = get("method")?.toUpperCase();
  if (method !== undefined && !METHODS.has(method))
    throw new BadRequest(`invalid ${prefix}method: ${method}`);
  cfg.method = method;
  cfg.retries = integer(get("retries"), `${prefix}retries`);
  cfg.retryDelay = get("retry-delay");
  const delayError = cfg.retryDelay && retryDelayError(cfg.retryDelay);
  if (delayError)
    throw new BadRequest(`invalid ${prefix}retry-delay "${cfg.retryDelay}": ${delayError}`);
  cfg.timeoutMs = duration(get("timeout"), `${prefix}timeout`);
  cfg.delayMs = duration(get("delay"), `${prefix}delay`);
  if (prefix !== "upstash-") return cfg;
  const notBefore = integer(get("not-before"), "upstash-not-before");
  cfg.notBeforeMs = notBefore === undefined ? undefined : notBefore * 1000;
  const labels = get("label")
    ?.split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  cfg.labels = labels?.length ? labels : undefined;
  cfg.redact = redaction(get("redact-fields"));
  cfg.flowControl = flowControl(get("flow-control-key"), get("flow-control-value"));
  for (const [name, key] of [
    ["upstash-callback-", "callback"],
    ["upstash-failure-callback-", "failureCallback"],
  ] as const) {
    const url = h[name.slice(0, -1)]?.trim();
    if (!url) continue;
    const sub = parseConfig(h, name);
    cfg[key] = {
      url: checkUrl(url, name.slice(0, -1)),
      header: strippedPrefix(h, `${name}forward-`),
      ...sub,
    };
  }
  return cfg;
}

/**
 * Refuses retries over the plan's maximum rather than capping them: which of the two QStash does
 * is not documented, and a loud 400 shows the difference where a silent cap would hide it.
 */
function withinPlan(cfg: Config, ctx: PublishContext): Config {
  const max = ctx.maxRetries;
  const asked = [
    ["upstash-retries", cfg.retries],
    ["upstash-callback-retries", cfg.callback?.retries],
    ["upstash-failure-callback-retries", cfg.failureCallback?.retries],
  ] as const;
  for (const [name, n] of asked) {
    if (max !== undefined && n !== undefined && n > max)
      throw new BadRequest(
        `invalid ${name}: ${n} is more than the plan's maximum of ${max} retries`,
      );
  }
  return cfg;
}

function redaction(value: string | undefined): Redaction | undefined {
  try {
    return parseRedaction(value) ?? undefined;
  } catch (error) {
    throw new BadRequest(
      `invalid upstash-redact-fields: ${error instanceof Error ? error.message : error}`,
    );
  }
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new BadRequest(`invalid ${name}: ${value}`);
  return Number(value);
}

function duration(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms === null)
    throw new BadRequest(`invalid ${name}: ${value} (use e.g. "30s", "2m", "1h30m")`);
  return ms;
}

/** "parallelism=5, rate=10, period=1m" (period defaults to 1s, as in QStash). */
function flowControl(key: string | undefined, value: string | undefined): FlowControl | undefined {
  if (!key) return undefined;
  if (!value) throw new BadRequest("upstash-flow-control-key needs upstash-flow-control-value");
  const fc: FlowControl = { key, periodSec: 1 };
  for (const part of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, raw = ""] = part.split("=").map((s) => s.trim());
    if (name === "parallelism" || name === "rate") {
      const n = integer(raw, `flow control ${name}`);
      if (!n) throw new BadRequest(`flow control ${name} must be at least 1`);
      fc[name] = n;
    } else if (name === "period") {
      const ms = duration(raw, "flow control period");
      if (!ms) throw new BadRequest("flow control period must be positive");
      fc.periodSec = ms / 1000;
    } else throw new BadRequest(`unknown flow control setting "${name}"`);
  }
  if (fc.parallelism === undefined && fc.rate === undefined)
    throw new BadRequest("flow control needs parallelism or rate");
  return fc;
}

/** The SDK puts the destination URL raw in the path; a percent-encoded one is accepted too. */
function decodeDestination(raw: string): string {
  if (/^https?:\/\//i.test(raw)) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function checkUrl(value: string, what: string): string {
  let ok = false;
  try {
    ok = ["http:", "https:"].includes(new URL(value).protocol);
  } catch {}
  if (!ok)
    throw new BadRequest(
      `invalid ${what} "${value}": the local QStash stand-in delivers to full http(s) URLs only (no URL groups or APIs)`,
    );
  return value;
}

/**
 * Upstash-Deduplication-Id is kept per destination; content-based deduplication hashes the
 * destination, the body, Content-Type and the forwarded headers (docs: features/deduplication).
 */
function dedupKey(
  url: string,
  h: LowerHeaders,
  body: Buffer,
  header: HeaderMap,
): string | undefined {
  const id = h["upstash-deduplication-id"];
  if (id) return `id\n${url}\n${id}`;
  if (h["upstash-content-based-deduplication"] !== "true") return undefined;
  const hash = createHash("sha256").update(url).update("\n").update(body).update("\n");
  for (const name of Object.keys(header).sort()) hash.update(`${name}:${header[name].join(",")}\n`);
  return `content\n${hash.digest("hex")}`;
}
