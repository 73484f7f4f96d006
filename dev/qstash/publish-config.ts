/**
 * The delivery settings a publish request carries in its Upstash-* headers (docs: api-reference
 * publish): method, retries and retry delay, timeout, delay, not-before, labels, redaction, flow
 * control and the two callbacks with their own Upstash-(Failure-)Callback-* settings. A malformed
 * header is a BadRequest naming it, as QStash answers 400, instead of a guess.
 */
import { parseDurationMs } from "./duration.ts";
import { retryDelayError } from "./expression.ts";
import { strippedPrefix, type LowerHeaders } from "./headers.ts";
import { parseRedaction, type Redaction } from "./redact.ts";
import type { CallbackConfig, FlowControl } from "./types.ts";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

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

/** A client's mistake in a request; the route answers it with a 400 and this message. */
export class BadRequest extends Error {}

/** Reads Upstash-* settings; `prefix` is "upstash-callback-" etc. for callback settings. */
export function parseConfig(h: LowerHeaders, prefix = "upstash-"): Config {
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
export function withinPlan(cfg: Config, maxRetries: number | undefined): Config {
  const asked = [
    ["upstash-retries", cfg.retries],
    ["upstash-callback-retries", cfg.callback?.retries],
    ["upstash-failure-callback-retries", cfg.failureCallback?.retries],
  ] as const;
  for (const [name, n] of asked) {
    if (maxRetries !== undefined && n !== undefined && n > maxRetries)
      throw new BadRequest(
        `invalid ${name}: ${n} is more than the plan's maximum of ${maxRetries} retries`,
      );
  }
  return cfg;
}

export function checkUrl(value: string, what: string): string {
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
