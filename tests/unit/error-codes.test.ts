import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorCodeInfo, isInputCaused } from "@/lib/jobs/error-codes";
import { evaluateRules, judgeErrorRate, judgeSuccessRate, MIN_SAMPLES, type RuleInput } from "@/lib/ops/alert-rules";
import { isInputDeadLetter } from "@/lib/ops/dlq-cause";
import { summarize, type Bucket } from "@/lib/ops/summarize";

const LIB = fileURLToPath(new URL("../../lib", import.meta.url));
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

/** Every code a job error is built with in lib/: `code: "x", category` literals and classify's e("x", …). */
function codesInLib(): string[] {
  const found = new Set<string>();
  for (const file of sources(LIB)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/code: "([a-z_]+)"(?: satisfies JobErrorCode)?,\s*category/g)) found.add(m[1]);
    for (const m of text.matchAll(/\be\((?:[a-z]+ \? )?"([a-z_]+)"(?: : "([a-z_]+)")?/g)) for (const code of m.slice(1)) if (code) found.add(code);
  }
  return [...found].sort();
}

describe("the error-code table (what a failure means to the person and to ops)", () => {
  it("knows every code a job can fail with", () => {
    const codes = codesInLib();
    expect(codes.length).toBeGreaterThan(15);
    expect(codes.filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it("offers no Retry where the same input gets the same answer, and says why and what to do instead", () => {
    const sameAnswer = [
      "content_policy", "openai_bad_request", "listing_missing", "listing_empty", "listing_changed",
      "invalid_data", "unreadable_json", "conversation_missing", "conversation_unreadable",
      "conversation_changed",
    ];
    for (const code of sameAnswer) {
      expect(errorCodeInfo(code).personRetry, code).toBe(false);
      expect(errorCodeInfo(code).advice, code).toMatch(/\w/);
    }
    expect(errorCodeInfo("content_policy").advice).toBe("Retrying would get the same answer. Edit the listing or pick another.");
  });

  it("offers Retry where the cause can pass: the provider busy, failing or unreachable, an outage, a bad model answer", () => {
    for (const code of ["openai_rate_limited", "openai_server_error", "openai_stalled", "openai_timeout", "openai_unreachable", "network_error", "redis_error", "max_age", "timeout", "invalid_output", "queue_unavailable"]) {
      expect(errorCodeInfo(code).personRetry, code).toBe(true);
    }
  });

  it("blames the input only for content policy and a bad, gone or changed listing or upload", () => {
    const byInput = Object.keys(ERROR_CODES).filter(isInputCaused).sort();
    expect(byInput).toEqual([
      "content_policy",
      "conversation_changed", "conversation_missing", "conversation_unreadable",
      "listing_changed", "listing_empty", "listing_missing",
    ]);
    // A request the provider rejects as malformed is ours to fix: it still alerts.
    expect(isInputCaused("openai_bad_request")).toBe(false);
  });

  it("treats a code it does not know (an older job's) as the service's, and one a Retry may fix", () => {
    expect(errorCodeInfo("something_new")).toEqual({ personRetry: true, cause: "service" });
    expect(errorCodeInfo("toString")).toEqual({ personRetry: true, cause: "service" });
  });
});

describe("dead letters a person's listing caused", () => {
  it("are told apart by the note the worker answered QStash, and nothing else", () => {
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: content_policy"}')).toBe(true);
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: listing_missing"}')).toBe(true);
    expect(isInputDeadLetter('{"outcome":"fatal","note":"failed: openai_bad_request"}')).toBe(false);
    expect(isInputDeadLetter('{"outcome":"fatal","note":"the job failed for good on this message"}')).toBe(false);
    expect(isInputDeadLetter('{"outcome":"retry","note":"failed: content_policy"}')).toBe(false);
    expect(isInputDeadLetter("Bad Gateway")).toBe(false);
    expect(isInputDeadLetter(null)).toBe(false);
  });
});

describe("ops counting of failures the listing caused", () => {
  // Five jobs refused for their content, one success: five error groups' worth of occurrences.
  const refused: Bucket[] = [
    { t: 0, fields: { started: 6, "succeeded:business_analysis": 1, "failed:business_analysis": 5, inputFailed: 5, inputErrors: 5, deliveries: 6 } },
  ];
  const metrics = summarize(refused, 15, "minute");
  const quiet = { apiResponseMs: { avg: 40, count: 20 }, stuck: 0, lockouts: 0, budget: { billedTokens: 0, limitTokens: 0 } };
  const input = (over: Partial<RuleInput> = {}): RuleInput => ({ ...metrics, ...quiet, dlq: { total: 5, inputCaused: 5 }, ...over });
  const firing = (m: RuleInput) => evaluateRules(m).filter((v) => v.firing).map((v) => v.rule);

  it("keeps them as failures and errors to see, but out of the success and error rates", () => {
    expect(metrics.totals).toMatchObject({ failed: 5, inputFailed: 5, errors: 0, inputErrors: 5, deliveries: 6 });
    expect(metrics.successRate).toBe(1);
    expect(metrics.errorRate).toBe(0);
    expect(metrics.series[0].errorRate).toBe(0);
  });

  it("fires no alert for them, the DLQ rule included, and says they were left out", () => {
    expect(firing(input())).toEqual([]);
    const verdicts = evaluateRules(input());
    expect(verdicts.find((v) => v.rule === "dlq_not_empty")?.value).toBe("5 message(s), 5 of them failures the listing caused");
    expect(verdicts.find((v) => v.rule === "success_rate")?.value).toBe("100.0 % of 1 ended jobs (5 failed by their listing, not counted)");
  });

  it("still fires for the service's own failures beside them", () => {
    const mixed = summarize([{ t: 0, fields: { ...refused[0].fields, "failed:risk_assessment": 5, errors: 5, deliveries: 11 } }], 15, "minute");
    expect(mixed.successRate).toBeCloseTo(1 / 6);
    expect(firing({ ...input(), ...mixed, dlq: { total: 6, inputCaused: 5 } })).toEqual(["success_rate", "error_rate", "dlq_not_empty"]);
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
    for (const [succeeded, failed] of [[1, 1], [4, 1], [95, 5], [94, 6], [0, 0], [3, 2]]) {
      const m = summarize([{ t: 0, fields: { "succeeded:business_analysis": succeeded, "failed:business_analysis": failed, deliveries: succeeded + failed, errors: failed } }], 15, "minute");
      const rules = evaluateRules({ ...m, apiResponseMs: null, stuck: 0, lockouts: 0, budget: { billedTokens: 0, limitTokens: 0 }, dlq: null });
      const fires = (rule: string) => rules.find((v) => v.rule === rule)!.firing;
      expect(judgeSuccessRate(m.successRate, succeeded + failed) === "bad", `${succeeded}/${failed}`).toBe(fires("success_rate"));
      expect(judgeErrorRate(m.errorRate, m.totals.deliveries) === "bad", `${succeeded}/${failed}`).toBe(fires("error_rate"));
    }
  });
});
