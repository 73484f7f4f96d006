import { describe, expect, it } from "vitest";
import {
  growthFactor,
  retryDelayExpression,
  retryDelayMs,
  retrySchedule,
  type RetryPolicy,
} from "@/lib/jobs/retry-policy";
import { looksStranded } from "@/lib/jobs/revive";
import { fromHash, type Job } from "@/lib/jobs/schema";

const policy = (retries: number): RetryPolicy => ({
  retries,
  firstDelayMs: 2_000,
  spanMs: 900_000,
});
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("the QStash retry policy", () => {
  it("retries fast first, then grows so that the retries of every plan span at least 10 minutes", () => {
    for (const retries of [3, 5, 20]) {
      const delays = retrySchedule(policy(retries));
      expect(delays).toHaveLength(retries);
      expect(delays[0]).toBe(2_000);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
      expect(sum(delays)).toBeGreaterThanOrEqual(900_000);
      expect(sum(delays)).toBeLessThan(900_000 * 1.02);
    }
    expect(retrySchedule(policy(3)).map((ms) => Math.round(ms / 1000))).toEqual([2, 41, 857]);
  });

  it("is written as the Upstash-Retry-Delay expression QStash evaluates with `retried` from 0", () => {
    const g = growthFactor(policy(5));
    expect(retryDelayExpression(policy(5))).toBe(`min(86400000, round(2000 * pow(${g}, retried)))`);
    // What QStash computes from that expression is what the engine expects to wait.
    const evaluate = (retried: number) => Math.min(86_400_000, Math.round(2000 * g ** retried));
    for (let n = 0; n < 5; n++) expect(retryDelayMs(policy(5), n)).toBe(evaluate(n));
  });

  it("needs no growth when the first delays already cover the span, and never exceeds QStash's 1-day cap", () => {
    expect(growthFactor({ retries: 3, firstDelayMs: 400_000, spanMs: 900_000 })).toBe(1);
    expect(retryDelayExpression({ retries: 3, firstDelayMs: 400_000, spanMs: 900_000 })).toBe(
      "min(86400000, 400000)",
    );
    expect(
      Math.max(...retrySchedule({ retries: 2, firstDelayMs: 1_000, spanMs: 10 * 86_400_000 })),
    ).toBe(86_400_000);
  });
});

const job = (fields: Record<string, string>): Job =>
  fromHash("j_0123456789abcdef", {
    owner: "v",
    listingId: "l",
    analysisType: "risk_assessment",
    status: "running",
    createdAt: "0",
    updatedAt: "0",
    ...fields,
  });

describe("a stranded job", () => {
  it("is a live job with no sign of life for longer than the stale bound", () => {
    expect(looksStranded(job({ updatedAt: "1000" }), 61_001, 60_000)).toBe(true);
    expect(looksStranded(job({ updatedAt: "1000" }), 60_999, 60_000)).toBe(false);
    expect(looksStranded(job({ status: "queued", updatedAt: "0" }), 60_001, 60_000)).toBe(true);
  });

  it("is not one that waits out a retry delay or the open circuit it announced", () => {
    expect(looksStranded(job({ updatedAt: "1000", waitUntil: "500000" }), 400_000, 60_000)).toBe(
      false,
    );
    expect(looksStranded(job({ updatedAt: "1000", waitUntil: "500000" }), 560_001, 60_000)).toBe(
      true,
    );
  });

  it("is never one that has ended", () => {
    for (const status of ["succeeded", "failed", "canceled"])
      expect(looksStranded(job({ status }), 10 ** 9, 60_000)).toBe(false);
  });
});
