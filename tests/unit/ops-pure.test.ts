import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { classify, JobFailure, StreamStalled } from "@/lib/telemetry/classify";
import { evaluateRules, type RuleInput } from "@/lib/ops/alert-rules";
import { errorEvent, severityOf } from "@/lib/telemetry/error-event";
import { minuteId, hourId } from "@/lib/telemetry/metric-keys";
import { normalizeMessage, redact } from "@/lib/telemetry/sanitize";
import { percentiles, summarize, type Bucket } from "@/lib/ops/summarize";

const apiError = (status: number, message: string, code?: string) =>
  OpenAI.APIError.generate(
    status,
    { error: { message, code: code ?? null, type: "x" } },
    message,
    new Headers(),
  );
const upstash = Object.assign(new Error("ECONNRESET"), { name: "UpstashError" });

describe("failure classification table", () => {
  it.each([
    [
      "OpenAI 429",
      "AI_PROVIDER",
      "openai_rate_limited",
      true,
      "LOW",
      apiError(429, "Rate limit reached"),
    ],
    [
      "OpenAI 500",
      "AI_PROVIDER",
      "openai_server_error",
      true,
      "LOW",
      apiError(500, "server error"),
    ],
    [
      "OpenAI 400",
      "AI_PROVIDER",
      "openai_bad_request",
      false,
      "HIGH",
      apiError(400, "bad request"),
    ],
    // Refused because of the listing: the person's input, LOW whatever refused it.
    [
      "OpenAI content policy",
      "AI_PROVIDER",
      "content_policy",
      false,
      "LOW",
      apiError(400, "rejected by safety system", "content_policy_violation"),
    ],
    ["OpenAI 401", "AUTH", "openai_auth", false, "CRITICAL", apiError(401, "Incorrect API key")],
    [
      "OpenAI unreachable",
      "NETWORK",
      "openai_unreachable",
      true,
      "LOW",
      new OpenAI.APIConnectionError({ message: "Connection error." }),
    ],
    [
      "OpenAI timeout",
      "NETWORK",
      "openai_timeout",
      true,
      "LOW",
      new OpenAI.APIConnectionTimeoutError(),
    ],
    ["a stalled stream", "AI_PROVIDER", "openai_stalled", true, "LOW", new StreamStalled()],
    ["Upstash Redis down", "DATABASE", "redis_error", true, "MEDIUM", upstash],
    ["fetch failed", "NETWORK", "network_error", true, "LOW", new TypeError("fetch failed")],
    ["invalid stored data", "VALIDATION", "invalid_data", false, "LOW", new z.ZodError([])],
    [
      "unreadable JSON",
      "JSON_PARSING",
      "unreadable_json",
      false,
      "HIGH",
      new SyntaxError("Unexpected token"),
    ],
    [
      "a deleted listing",
      "USER_INPUT",
      "listing_missing",
      false,
      "LOW",
      new JobFailure({
        code: "listing_missing",
        category: "USER_INPUT",
        message: "gone",
        retryable: false,
      }),
    ],
    [
      "a changed listing",
      "FILE_PROCESSING",
      "listing_changed",
      false,
      "LOW",
      new JobFailure({
        code: "listing_changed",
        category: "FILE_PROCESSING",
        message: "changed",
        retryable: false,
      }),
    ],
    ["anything else", "SYSTEM", "internal_error", true, "MEDIUM", new Error("boom")],
  ])(
    "%s → %s / %s, retryable %s, severity %s",
    (_name, category, code, retryable, severity, raw) => {
      const { error } = classify(raw);
      expect(error).toMatchObject({ category, code, retryable });
      expect(
        errorEvent(error, "consume:analyze:2", raw, retryable ? "retrying" : "final").severity,
      ).toBe(severity);
    },
  );

  it("raises a failure that ended a job and lowers one that will be retried, within LOW…CRITICAL", () => {
    expect(severityOf("AI_PROVIDER", "retrying")).toBe("LOW");
    expect(severityOf("AI_PROVIDER", "final")).toBe("HIGH");
    expect(severityOf("DATABASE", "final")).toBe("CRITICAL");
    expect(severityOf("AUTH", "retrying")).toBe("CRITICAL");
    expect(severityOf("USER_INPUT", "final")).toBe("LOW");
  });

  it("keeps HTTP statuses when normalizing: a 429 and a 500 are different problems", () => {
    expect(normalizeMessage("Error (HTTP 429): 429 Rate limit reached, retry in 20s")).toBe(
      "Error (HTTP 429): <n> Rate limit reached, retry in <n>s",
    );
  });

  it("says an OpenAI status once, so the group's message has no placeholder where the SDK repeated it", () => {
    const raw = apiError(
      400,
      "Your request was rejected as a result of our safety system.",
      "content_policy_violation",
    );
    const event = errorEvent(classify(raw).error, "consume:analyze:0", raw, "final");
    expect(event.message).toBe(
      "Error (HTTP 400) [content_policy_violation]: Your request was rejected as a result of our safety system.",
    );
    expect(event.detail).toContain("HTTP 400");
  });

  it("groups occurrences that differ only in ids, numbers and step index under one fingerprint", () => {
    const jobError = classify(apiError(500, "x")).error;
    const a = errorEvent(
      jobError,
      "consume:analyze:0",
      new Error("upstream 502 for request req_abc123def456 after 1234 ms"),
      "retrying",
    );
    const b = errorEvent(
      jobError,
      "consume:analyze:3",
      new Error("upstream 503 for request req_zzz999yyy888 after 98 ms"),
      "retrying",
    );
    const c = errorEvent(
      jobError,
      "consume:synthesize",
      new Error("upstream 502 for request req_abc123def456 after 1234 ms"),
      "retrying",
    );
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.where).toBe("consume:analyze");
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});

describe("redaction", () => {
  const secrets = {
    openai: "sk-proj-AbCdEf0123456789GhIjKl_mnOPqrs",
    jwt: "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJVcHN0YXNoIn0.c2lnbmF0dXJlLXZhbHVl",
    signing: "sig_7kYd2mQx9PzR4wLb",
    email: "jane.doe+shop@example.co.uk",
    phone: "+44 20 7946 0958",
    card: "4111 1111 1111 1111",
    session: "v_AbCdEfGh12345678.c2lnbmF0dXJlLXZhbHVlLWxvbmc",
  };

  it.each(Object.entries(secrets))("removes %s", (_kind, secret) => {
    const out = redact(`failed for ${secret} while calling`);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/\[redacted:[a-z-]+\]/);
  });

  it("redacts bearer tokens, secret-named fields and credentials in URLs", () => {
    expect(redact("Authorization: Bearer abcdefghijklmnop123")).not.toContain(
      "abcdefghijklmnop123",
    );
    expect(redact('{"apiKey":"hunter2hunter2","token": "t0k3n-value"}')).not.toMatch(
      /hunter2|t0k3n/,
    );
    expect(redact("redis://default:s3cretpass@eu1.upstash.io:6379")).not.toContain("s3cretpass");
  });

  it("keeps what an operator needs: dates, timestamps, HTTP statuses, short numbers", () => {
    const text = "HTTP 503 at 2026-12-01 after 3 attempts, t=1796110576325, job abcdEFGH12345678";
    expect(redact(text)).toBe(text);
  });

  it("truncates user text", () => {
    const out = redact("x".repeat(5_000), 500);
    expect(out).toHaveLength(500);
    expect(out.endsWith("…")).toBe(true);
  });

  it("normalizes messages for grouping without leaking what it replaces", () => {
    expect(
      normalizeMessage(`Invalid key ${secrets.openai} for "Jane's bakery" after 1234 ms`),
    ).toBe("Invalid key [redacted:api-key] for <text> after <n> ms");
  });
});

describe("metric buckets", () => {
  it("names buckets by UTC minute and hour", () => {
    const t = Date.UTC(2026, 11, 1, 7, 5, 59);
    expect(minuteId(t)).toBe("2026-12-01T07:05");
    expect(hourId(t)).toBe("2026-12-01T07");
  });

  it("estimates percentiles from the histogram within a bucket, with an exact average", () => {
    // 10 values ≤ 1 s (bucket 3: 500–1000 ms), 10 in 5–10 s (bucket 6).
    const b: Bucket[] = [
      { t: 0, fields: { "d:n": 20, "d:sum": 20 * 3000, "d:b3": 10, "d:b6": 10 } },
    ];
    const p = percentiles(b, "d")!;
    expect(p.avg).toBe(3000);
    expect(p.p50).toBe(1000);
    expect(p.p95).toBeGreaterThan(5000);
    expect(p.p95).toBeLessThanOrEqual(10_000);
    expect(percentiles([{ t: 0, fields: {} }], "d")).toBeNull();
  });

  it("sums buckets into totals, rates, per-type durations and per-model cost", () => {
    const buckets: Bucket[] = [
      {
        t: 0,
        fields: {
          started: 3,
          "started:business_analysis": 3,
          "succeeded:business_analysis": 2,
          "dur:business_analysis:n": 2,
          "dur:business_analysis:sum": 4000,
          "dur:business_analysis:b4": 2,
          deliveries: 4,
          errors: 1,
          "errors:NETWORK": 1,
          "tokIn:gpt-5-mini": 1000,
          "tokOut:gpt-5-mini": 500,
          "cost:gpt-5-mini": 1250,
          "billed:gpt-5-mini": 1800,
          "billedCost:gpt-5-mini": 1325,
        },
      },
      { t: 60_000, fields: { "failed:risk_assessment": 1, "api:n": 4, "api:ms": 400, polls: 3 } },
    ];
    const s = summarize(buckets, 2, "minute");
    expect(s.totals).toMatchObject({ started: 3, succeeded: 2, failed: 1, polls: 3, errors: 1 });
    expect(s.successRate).toBeCloseTo(2 / 3);
    expect(s.errorRate).toBeCloseTo(1 / 4);
    expect(s.throughputPerMin).toBe(1.5);
    expect(s.apiResponseMs).toEqual({ avg: 100, count: 4 });
    expect(s.durationMs).toMatchObject({ avg: 2000, count: 2 });
    expect(s.tokens).toEqual([
      {
        model: "gpt-5-mini",
        inputTokens: 1000,
        outputTokens: 500,
        costUsd: 0.00125,
        billedTokens: 1800,
        billedCostUsd: 0.001325,
      },
    ]);
    expect(s.errorsByCategory).toEqual({ NETWORK: 1 });
    expect(s.series.map((p) => p.failed)).toEqual([0, 1]);
  });
});

describe("alert rules", () => {
  const totals = {
    started: 10,
    succeeded: 10,
    failed: 0,
    canceled: 0,
    deduplicated: 0,
    retried: 0,
    cacheHits: 0,
    polls: 0,
    errors: 0,
    deliveries: 10,
    inputFailed: 0,
    inputErrors: 0,
  };
  const quiet: RuleInput = {
    apiResponseMs: { avg: 40, count: 100 },
    successRate: 1,
    errorRate: 0,
    totals,
    dlq: { total: 0, inputCaused: 0 },
    stuck: 0,
    lockouts: 0,
    budget: { billedTokens: 100, limitTokens: 1000 },
  };
  const firing = (input: RuleInput) =>
    evaluateRules(input)
      .filter((v) => v.firing)
      .map((v) => v.rule);

  it("stays quiet when everything is within its threshold", () =>
    expect(firing(quiet)).toEqual([]));

  it("fires each rule just past its threshold", () => {
    expect(firing({ ...quiet, apiResponseMs: { avg: 5001, count: 3 } })).toEqual([
      "avg_response_time",
    ]);
    expect(
      firing({
        ...quiet,
        successRate: 0.949,
        totals: { ...quiet.totals, succeeded: 95, failed: 5 },
      }),
    ).toEqual(["success_rate"]);
    expect(firing({ ...quiet, errorRate: 0.051 })).toEqual(["error_rate"]);
    expect(firing({ ...quiet, dlq: { total: 1, inputCaused: 0 } })).toEqual(["dlq_not_empty"]);
    expect(firing({ ...quiet, stuck: 1 })).toEqual(["job_stuck"]);
    expect(firing({ ...quiet, lockouts: 1 })).toEqual(["ops_lockout"]);
    expect(firing({ ...quiet, budget: { billedTokens: 1000, limitTokens: 1000 } })).toEqual([
      "token_budget",
    ]);
    expect(firing({ ...quiet, budget: { billedTokens: 10 ** 9, limitTokens: 0 } })).toEqual([]); // no budget set
  });

  it("leaves the DLQ rule unjudged when the DLQ cannot be read, and only it", () => {
    const verdicts = evaluateRules({ ...quiet, dlq: null });
    expect(verdicts.filter((v) => v.unknown).map((v) => v.rule)).toEqual(["dlq_not_empty"]);
    expect(evaluateRules(quiet).some((v) => v.unknown)).toBe(false);
  });

  it("does not judge rates on fewer than five samples", () => {
    expect(
      firing({
        ...quiet,
        successRate: 0,
        errorRate: 1,
        totals: { ...totals, succeeded: 0, failed: 4, deliveries: 4 },
      }),
    ).toEqual([]);
  });
});
