/**
 * Time formats QStash reads: Go-style durations ("30s", "1h30m", "6m5s", "250ms") plus days,
 * Retry-After values, and the default retry backoff. All results are milliseconds.
 */
import type { HeaderMap } from "./types.ts";

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * "1d10h30m", "6m5s", "1.5s"; a bare number means seconds. Null when malformed. `days: false`
 * reads Go's time.ParseDuration units only, as QStash does for Retry-After (docs: features/retry).
 */
export function parseDurationMs(value: string, { days = true } = {}): number | null {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!text) return null;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match || (!days && match[2] === "d")) return null;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}

/** The longest wait QStash accepts from a destination's Retry-After; beyond it, the default backoff applies. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * QStash's default wait after the n-th failed attempt (n = 1 after the first failure):
 * min(86400, e^(2.5·n)) seconds — 12s, 2m28s, 30m8s, 6h7m6s, then 24h (docs: features/retry).
 */
export function defaultBackoffMs(n: number): number {
  return Math.min(86_400, Math.exp(2.5 * n)) * 1000;
}

/** Headers a destination can answer with to choose the next retry time, in the order QStash lists them. */
const RETRY_AFTER_HEADERS = [
  "Retry-After",
  "X-Ratelimit-Reset",
  "X-Ratelimit-Reset-Requests",
  "X-Ratelimit-Reset-Tokens",
];

/**
 * The wait the destination asked for (seconds, an RFC 1123 date or a duration like "6m5s"),
 * or null when it asked for none or for more than a day (QStash then uses its backoff).
 */
export function retryAfterMs(header: HeaderMap, now: number): number | null {
  for (const name of RETRY_AFTER_HEADERS) {
    const value = header[name]?.[0]?.trim();
    if (!value) continue;
    const ms = parseRetryAfter(value, now);
    if (ms === null) continue;
    return ms <= MAX_RETRY_AFTER_MS ? ms : null;
  }
  return null;
}

function parseRetryAfter(value: string, now: number): number | null {
  const duration = parseDurationMs(value, { days: false });
  if (duration !== null) return duration;
  // Dates contain a comma and a space ("Sun, 27 Jun 2024 12:16:24 GMT"); a past date means "now".
  if (/[a-z]/i.test(value) && value.includes(" ")) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return null;
}
