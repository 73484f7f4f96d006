import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { classify, maxAgeError, StreamStalled, timeoutError } from "@/lib/telemetry/classify";
import {
  ERROR_CODES,
  errorCodeInfo,
  isInputCaused,
  isProviderFault,
} from "@/lib/telemetry/error-codes";
import { ProviderResponseError } from "@/lib/openai/stream";
import {
  evaluateRules,
  judgeErrorRate,
  judgeSuccessRate,
  MIN_SAMPLES,
  type RuleInput,
} from "@/lib/ops/alert-rules";
import { isInputDeadLetter } from "@/lib/ops/dlq-cause";
import { summarize, type Bucket } from "@/lib/ops/summarize";

const LIB = fileURLToPath(new URL("../../lib", import.meta.url));
const APP = fileURLToPath(new URL("../../app", import.meta.url));
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );

/** Every code a job error is built with in lib/: `code: "x", category` literals and classify's e("x", …). */
function codesInLib(): string[] {
  const found = new Set<string>();
  for (const file of sources(LIB)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/code: "([a-z_]+)"(?: satisfies JobErrorCode)?,\s*category/g))
      found.add(m[1]);
    for (const m of text.matchAll(/\be\((?:[a-z]+ \? )?"([a-z_]+)"(?: : "([a-z_]+)")?/g))
      for (const code of m.slice(1)) if (code) found.add(code);
    for (const m of text.matchAll(/\bjobError\("([a-z_]+)"/g)) found.add(m[1]);
  }
  return [...found].sort();
}

/** `code: "x"`, and the `retryable: …` of the same object when it is written out. */
const LITERAL = /\bcode: "([a-z_]+)"(?:[^}]*?\bretryable: (true|false))?/g;

/** Every `code: "x"` literal in lib/ and app/ (AppError codes have a colon, so they are not x). */
function literalCodes(): Array<{ file: string; code: string; retryable?: boolean }> {
  return [...sources(LIB), ...sources(APP)].flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(LITERAL)]
      .filter((m) => m[1] !== "custom") // zod's issue code, not a job's
      .map((m) => ({ file, code: m[1], retryable: m[2] ? m[2] === "true" : undefined })),
  );
}

const apiError = (status: number, message: string, code?: string) => {
  const body = { error: { message, code: code ?? null, type: "x" } };
  return OpenAI.APIError.generate(status, body, message, new Headers());
};

/** One failure of each kind classify tells apart. */
const FAILURES: unknown[] = [
  new StreamStalled(),
  apiError(429, "Rate limit reached"),
  new OpenAI.APIConnectionTimeoutError(),
  new OpenAI.APIConnectionError({ message: "Connection error." }),
  apiError(401, "Incorrect API key"),
  apiError(403, "Forbidden"),
  apiError(500, "server error"),
  apiError(400, "rejected by safety system", "content_policy_violation"),
  apiError(400, "bad request"),
  new ProviderResponseError("content_filter", "filtered"),
  new ProviderResponseError("server_error", "incomplete"),
  Object.assign(new Error("ECONNRESET"), { name: "UpstashError" }),
  new z.ZodError([]),
  new SyntaxError("Unexpected token"),
  new TypeError("fetch failed"),
  new Error("boom"),
];

describe("the error-code table (what a failure means to the person and to ops)", () => {
  it("knows every code a job can fail with", () => {
    const codes = codesInLib();
    expect(codes.length).toBeGreaterThan(15);
    expect(codes.filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it("knows every code classify produces, and decides whether QStash retries it", () => {
    const bounds = [timeoutError(1_000), maxAgeError(1_000, null)];
    const produced = [...FAILURES.map((f) => classify(f).error), ...bounds];
    expect(new Set(produced.map((e) => e.code)).size).toBe(16);
    for (const error of produced) {
      expect(Object.hasOwn(ERROR_CODES, error.code), error.code).toBe(true);
      expect(error.retryable, error.code).toBe(errorCodeInfo(error.code).retryable);
    }
  });

  it("knows every code written as a literal in lib/ and app/, and agrees on its retryable", () => {
    const literals = literalCodes();
    expect(literals.length).toBeGreaterThan(4);
    expect(literals.filter((l) => !Object.hasOwn(ERROR_CODES, l.code))).toEqual([]);
    const disagree = literals.filter(
      (l) => l.retryable !== undefined && l.retryable !== errorCodeInfo(l.code).retryable,
    );
    expect(disagree).toEqual([]);
  });

  it("has QStash retry what can pass by itself, and fail at once what no delivery fixes", () => {
    const retried = Object.keys(ERROR_CODES)
      .filter((c) => errorCodeInfo(c).retryable)
      .sort();
    expect(retried).toEqual([
      "internal_error",
      "network_error",
      "openai_incomplete",
      "openai_rate_limited",
      "openai_server_error",
      "openai_stalled",
      "openai_timeout",
      "openai_unreachable",
      "queue_unavailable",
      "redis_error",
    ]);
  });

  it("counts against the AI provider only what says the provider itself is unwell", () => {
    const faults = Object.keys(ERROR_CODES).filter(isProviderFault).sort();
    expect(faults).toEqual([
      "openai_auth",
      "openai_incomplete",
      "openai_rate_limited",
      "openai_server_error",
      "openai_stalled",
      "openai_timeout",
      "openai_unreachable",
    ]);
    // One request refused is not the provider failing.
    expect(isProviderFault("content_policy")).toBe(false);
    expect(isProviderFault("openai_bad_request")).toBe(false);
  });

  it("offers no Retry where the same input gets the same answer, and says why and what to do instead", () => {
    const sameAnswer = [
      "content_policy",
      "openai_bad_request",
      "listing_missing",
      "listing_empty",
      "listing_changed",
      "invalid_data",
      "unreadable_json",
      "conversation_missing",
      "conversation_unreadable",
      "conversation_changed",
    ];
    for (const code of sameAnswer) {
      expect(errorCodeInfo(code).personRetry, code).toBe(false);
      expect(errorCodeInfo(code).advice, code).toMatch(/\w/);
    }
    expect(errorCodeInfo("content_policy").advice).toBe(
      "Retrying would get the same answer. Edit the listing or pick another.",
    );
  });

  it("offers Retry where the cause can pass: the provider busy, failing or unreachable, an outage, a bad model answer", () => {
    for (const code of [
      "openai_rate_limited",
      "openai_server_error",
      "openai_stalled",
      "openai_timeout",
      "openai_unreachable",
      "network_error",
      "redis_error",
      "max_age",
      "timeout",
      "invalid_output",
      "queue_unavailable",
    ]) {
      expect(errorCodeInfo(code).personRetry, code).toBe(true);
    }
  });

  it("blames the input only for content policy and a bad, gone or changed listing or upload", () => {
    const byInput = Object.keys(ERROR_CODES).filter(isInputCaused).sort();
    expect(byInput).toEqual([
      "content_policy",
      "conversation_changed",
      "conversation_missing",
      "conversation_unreadable",
      "listing_changed",
      "listing_empty",
      "listing_missing",
    ]);
    // A request the provider rejects as malformed is ours to fix: it still alerts.
    expect(isInputCaused("openai_bad_request")).toBe(false);
  });

  it("treats an unknown code (an older job's) as the service's, one Retry may fix", () => {
    const unknown = { personRetry: true, cause: "service", retryable: true, providerFault: false };
    expect(errorCodeInfo("something_new")).toEqual(unknown);
    expect(errorCodeInfo("toString")).toEqual(unknown);
  });
});

describe("dead letters a person's listing caused", () => {
  it("are told apart by the note the worker answered QStash, and nothing else", () => {
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: content_policy"}')).toBe(true);
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: listing_missing"}')).toBe(true);
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: openai_bad_request"}')).toBe(
      false,
    );
    expect(
      isInputDeadLetter('{"outcome":"fatal","note":"the job failed for good on this message"}'),
    ).toBe(false);
    expect(isInputDeadLetter('{"outcome":"retry","note":"failed: content_policy"}')).toBe(false);
    expect(isInputDeadLetter("Bad Gateway")).toBe(false);
    expect(isInputDeadLetter(null)).toBe(false);
  });
});

describe("ops counting of failures the listing caused", () => {
  // Five jobs refused for their content, one success: five error groups' worth of occurrences.
  const refused: Bucket[] = [
    {
      t: 0,
      fields: {
        started: 6,
        "succeeded:business_analysis": 1,
        "failed:business_analysis": 5,
        inputFailed: 5,
        inputErrors: 5,
        deliveries: 6,
      },
    },
  ];
  const metrics = summarize(refused, 15, "minute");
  const quiet = {
    apiResponseMs: { avg: 40, count: 20 },
    stuck: 0,
    lockouts: 0,
    budget: { billedTokens: 0, limitTokens: 0 },
  };
  const input = (over: Partial<RuleInput> = {}): RuleInput => ({
    ...metrics,
    ...quiet,
    dlq: { total: 5, inputCaused: 5 },
    ...over,
  });
  const firing = (m: RuleInput) =>
    evaluateRules(m)
      .filter((v) => v.firing)
      .map((v) => v.rule);

  it("keeps them as failures and errors to see, but out of the success and error rates", () => {
    expect(metrics.totals).toMatchObject({
      failed: 5,
      inputFailed: 5,
      errors: 0,
      inputErrors: 5,
      deliveries: 6,
    });
    expect(metrics.successRate).toBe(1);
    expect(metrics.errorRate).toBe(0);
    expect(metrics.series[0].errorRate).toBe(0);
  });

  it("fires no alert for them, the DLQ rule included, and says they were left out", () => {
    expect(firing(input())).toEqual([]);
    const verdicts = evaluateRules(input());
    expect(verdicts.find((v) => v.rule === "dlq_not_empty")?.value).toBe(
      "5 message(s), 5 of them failures the input caused",
    );
    expect(verdicts.find((v) => v.rule === "success_rate")?.value).toBe(
      "100.0 % of 1 ended jobs (5 failed by their input, not counted)",
    );
  });

  it("still fires for the service's own failures beside them", () => {
    const mixed = summarize(
      [
        {
          t: 0,
          fields: { ...refused[0].fields, "failed:risk_assessment": 5, errors: 5, deliveries: 11 },
        },
      ],
      15,
      "minute",
    );
    expect(mixed.successRate).toBeCloseTo(1 / 6);
    expect(firing({ ...input(), ...mixed, dlq: { total: 6, inputCaused: 5 } })).toEqual([
      "success_rate",
      "error_rate",
      "dlq_not_empty",
    ]);
  });
});

describe("tiles and alerts judge with one source", () => {
  it("leaves a rate unjudged (no color, no alert) below the sample minimum, and judges it past the same threshold", () => {
    expect(judgeSuccessRate(0.5, MIN_SAMPLES - 1)).toBeNull();
    expect(judgeSuccessRate(0.94, MIN_SAMPLES)).toBe("bad");
    expect(judgeSuccessRate(0.95, MIN_SAMPLES)).toBe("ok");
    expect(judgeErrorRate(0.051, MIN_SAMPLES)).toBe("bad");
    expect(judgeErrorRate(1, MIN_SAMPLES - 1)).toBeNull();
  });

  it("agrees with the rules on every rate: a tile is red exactly when its rule fires", () => {
    for (const [succeeded, failed] of [
      [1, 1],
      [4, 1],
      [95, 5],
      [94, 6],
      [0, 0],
      [3, 2],
    ]) {
      const m = summarize(
        [
          {
            t: 0,
            fields: {
              "succeeded:business_analysis": succeeded,
              "failed:business_analysis": failed,
              deliveries: succeeded + failed,
              errors: failed,
            },
          },
        ],
        15,
        "minute",
      );
      const rules = evaluateRules({
        ...m,
        apiResponseMs: null,
        stuck: 0,
        lockouts: 0,
        budget: { billedTokens: 0, limitTokens: 0 },
        dlq: null,
      });
      const fires = (rule: string) => rules.find((v) => v.rule === rule)!.firing;
      expect(
        judgeSuccessRate(m.successRate, succeeded + failed) === "bad",
        `${succeeded}/${failed}`,
      ).toBe(fires("success_rate"));
      expect(
        judgeErrorRate(m.errorRate, m.totals.deliveries) === "bad",
        `${succeeded}/${failed}`,
      ).toBe(fires("error_rate"));
    }
  });
});
