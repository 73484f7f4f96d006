/**
 * Turns a publish request (destination, headers, raw body) into a stored message, reading the
 * same Upstash-* headers QStash reads (docs: api-reference publish; the delivery settings in
 * publish-config.ts) and rejecting malformed ones with a 400 message, as QStash does, instead of
 * guessing.
 */
import { createHash } from "node:crypto";
import { strippedPrefix, type LowerHeaders } from "./headers.ts";
import { BadRequest, checkUrl, parseConfig, withinPlan, type Config } from "./publish-config.ts";
import type { HeaderMap, StoredMessage } from "./types.ts";

/** QStash's default when Upstash-Retries is absent. */
export const DEFAULT_RETRIES = 3;

/** `maxRetries`: the plan's Upstash-Retries maximum, when the stand-in was given one. */
export type PublishContext = { now: number; newMessageId: () => string; maxRetries?: number };
export type Parsed =
  | { ok: true; message: StoredMessage; dedupKey?: string }
  | { ok: false; error: string };

/** What a message delivers, apart from its delivery settings. */
export type Base = Pick<
  StoredMessage,
  "url" | "header" | "bodyBase64" | "callerIp" | "kind" | "sourceMessageId" | "scheduleId"
>;
/** A request's content and settings, before they become a message (a schedule keeps this). */
export type Template = { base: Base; cfg: Config };
export type Request = {
  destination: string;
  headers: LowerHeaders;
  body: Buffer;
  callerIp?: string;
};

export function parsePublish(input: Request, ctx: PublishContext): Parsed {
  return guarded(() => {
    // Before v2, a publish with Upstash-Cron made a schedule; ignoring it would send one message.
    if (input.headers["upstash-cron"])
      throw new BadRequest(
        "Upstash-Cron on a publish is not implemented by the local QStash stand-in: create schedules with POST /v2/schedules/{destination} (client.schedules.create)",
      );
    const { base, cfg } = readTemplate(input, ctx);
    const { url, header } = base;
    return {
      ok: true,
      message: newMessage(base, cfg, ctx),
      dedupKey: dedupKey(url, input.headers, input.body, header),
    };
  });
}

/** What a schedule publishes on each tick, checked exactly as a publish request is. */
export function parseTemplate(
  input: Request,
  ctx: PublishContext,
): ({ ok: true } & Template) | { ok: false; error: string } {
  return guarded(() => ({ ok: true, ...readTemplate(input, ctx) }));
}

function readTemplate(input: Request, ctx: PublishContext): Template {
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
  return { base, cfg: withinPlan(parseConfig(h), ctx.maxRetries) };
}

/** A DLQ retry: the old message again, with any Upstash-* headers of the retry request overriding its settings. */
export function republish(old: StoredMessage, headers: LowerHeaders, ctx: PublishContext): Parsed {
  return guarded(() => {
    const { url, header, bodyBase64, callerIp, kind, sourceMessageId, scheduleId } = old;
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
      Object.entries(withinPlan(parseConfig(headers), ctx.maxRetries)).filter(
        ([, v]) => v !== undefined,
      ),
    );
    return {
      ok: true,
      message: newMessage(
        { url, header, bodyBase64, callerIp, kind, sourceMessageId, scheduleId },
        { ...kept, ...overrides },
        ctx,
      ),
    };
  });
}

/** Upstash-Retries, or QStash's default (bounded by the plan's maximum) when absent. */
export function retriesOf(cfg: Config, ctx: PublishContext): number {
  return cfg.retries ?? Math.min(DEFAULT_RETRIES, ctx.maxRetries ?? DEFAULT_RETRIES);
}

/** A fresh pending message, due after its Upstash-Delay or at its Upstash-Not-Before. */
export function newMessage(base: Base, cfg: Config, ctx: PublishContext): StoredMessage {
  const wait = cfg.notBeforeMs !== undefined ? Math.max(0, cfg.notBeforeMs - ctx.now) : cfg.delayMs;
  const dueAt = Math.round(ctx.now + (wait ?? 0));
  return {
    messageId: ctx.newMessageId(),
    ...base,
    method: cfg.method ?? "POST",
    maxRetries: retriesOf(cfg, ctx),
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

function guarded<T>(build: () => T): T | { ok: false; error: string } {
  try {
    return build();
  } catch (error) {
    if (error instanceof BadRequest) return { ok: false, error: error.message };
    throw error;
  }
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
