import { describe, expect, it } from "vitest";
import { defaultBackoffMs, parseDurationMs, retryAfterMs } from "../../dev/qstash/duration.ts";
import { decide } from "../../dev/qstash/settle.ts";
import type { StoredMessage } from "../../dev/qstash/types.ts";

/**
 * QStash's timing rules as the stand-in computes them (docs: features/retry). These are the waits
 * the stand-in's suite cannot sit through in real time (12 s, 2m28s, … 24 h), so they are pinned
 * here as pure functions instead.
 */
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const message = (over: Partial<StoredMessage> = {}) =>
  ({
    messageId: "msg_x",
    url: "http://x/",
    method: "POST",
    header: {},
    bodyBase64: "",
    maxRetries: 6,
    createdAt: NOW,
    kind: "message",
    state: "RETRY",
    retried: 0,
    dueAt: NOW,
    attempts: [],
    ...over,
  }) as StoredMessage;
const failed = (header: Record<string, string[]> = {}) => ({
  response: { status: 500, header, bodyBase64: "" },
  durationMs: 1,
});

describe("QStash's default backoff: min(86400, e^(2.5·n)) seconds after the n-th failure", () => {
  it("is 12 s, 2m28s, 30m8s, 6h7m6s, then a day, as the docs' table says", () => {
    const seconds = [1, 2, 3, 4, 5, 6].map((n) => Math.floor(defaultBackoffMs(n) / 1000));
    expect(seconds).toEqual([12, 2 * 60 + 28, 30 * 60 + 8, 6 * 3600 + 7 * 60 + 6, 86_400, 86_400]);
  });

  it("is what a failed attempt without Upstash-Retry-Delay or Retry-After waits", () => {
    expect(decide(message({ retried: 0 }), failed(), NOW)).toEqual({
      kind: "retry",
      waitMs: defaultBackoffMs(1),
    });
    expect(decide(message({ retried: 3 }), failed(), NOW)).toEqual({
      kind: "retry",
      waitMs: defaultBackoffMs(4),
    });
  });

  it("gives way to an Upstash-Retry-Delay expression, which sees `retried` from 0", () => {
    expect(
      decide(message({ retried: 2, retryDelay: "pow(2, retried) * 1000" }), failed(), NOW),
    ).toEqual({ kind: "retry", waitMs: 4000 });
  });
});

describe("the destination's Retry-After (and X-RateLimit-Reset*)", () => {
  it("is read as seconds, a Go duration or an RFC 1123 date", () => {
    expect(retryAfterMs({ "Retry-After": ["10"] }, NOW)).toBe(10_000);
    expect(retryAfterMs({ "Retry-After": ["6m5s"] }, NOW)).toBe(365_000);
    expect(retryAfterMs({ "Retry-After": ["0"] }, NOW)).toBe(0);
    expect(retryAfterMs({ "X-Ratelimit-Reset-Tokens": ["250ms"] }, NOW)).toBe(250);
    expect(retryAfterMs({ "Retry-After": [new Date(NOW + 90_000).toUTCString()] }, NOW)).toBe(
      90_000,
    );
  });

  it("up to a day wins over the backoff; beyond a day the backoff applies", () => {
    expect(decide(message(), failed({ "Retry-After": ["86400"] }), NOW)).toEqual({
      kind: "retry",
      waitMs: 86_400_000,
    });
    expect(decide(message(), failed({ "Retry-After": ["86401"] }), NOW)).toEqual({
      kind: "retry",
      waitMs: defaultBackoffMs(1),
    });
  });

  it("takes only the units QStash lists (ns, us, µs, ms, s, m, h): a day unit falls back to the backoff", () => {
    expect(retryAfterMs({ "Retry-After": ["1h30m"] }, NOW)).toBe(5_400_000);
    expect(retryAfterMs({ "Retry-After": ["1d"] }, NOW)).toBeNull();
    // Publish-side durations (Upstash-Delay) do take days.
    expect(parseDurationMs("10d")).toBe(10 * 86_400_000);
  });
});
