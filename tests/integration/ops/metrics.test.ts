import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor, type JobView } from "../../helpers/visitor.ts";
import type { ErrorGroup, ErrorGroupSummary, OpsOverview } from "../../../lib/ops/types.ts";

const stack = useTestStack({ env: { QSTASH_RETRIES: "3" } });

/** A visitor that counts its own status polls, to check the polls metric exactly. */
class CountingVisitor extends Visitor {
  polls = 0;
  override status(jobId: string) {
    this.polls++;
    return super.status(jobId);
  }
}

/** gpt-5-mini list price, USD per 1M tokens: what FINISH_JOB costs each job at. */
const PRICE = { in: 0.25, out: 2 };
const usedMicros = (j: JobView) =>
  j.usage.inputTokens * PRICE.in + j.usage.outputTokens * PRICE.out;
const costMicros = (j: JobView) => Math.floor(usedMicros(j) + 0.5);
const used = (j: JobView) => j.usage.inputTokens + j.usage.outputTokens;
/** Billed beyond the result is priced as input (lib/jobs/worker-scripts.ts FINISH_JOB). */
const billedMicros = (j: JobView) =>
  Math.floor(usedMicros(j) + Math.max(0, j.billed - used(j)) * PRICE.in + 0.5);

describe("ops metrics, error groups and alerts from a scripted series of jobs", () => {
  const visitor = new CountingVisitor("");
  const ops = () => new Operator(stack.app.url);
  const jobs: Record<string, JobView> = {};

  it("counts every start, ending, retry, dedupe, poll, token and duration exactly", async () => {
    Object.assign(visitor, { baseUrl: stack.app.url });
    const run = async (
      name: string,
      listingId: string,
      analysisType: string,
      knobs: Parameters<typeof stack.openai.setKnobs>[0],
    ) => {
      stack.openai.setKnobs(knobs);
      const { body } = await visitor.start({ listingId, analysisType });
      jobs[name] = await waitForStatus(visitor, body.job.id, ["succeeded", "failed", "canceled"]);
    };
    await run("ok", SHORT_LISTING, "business_analysis", { latencyMsPerToken: 0 });
    await run("retried", SHORT_LISTING, "market_intelligence", {
      latencyMsPerToken: 0,
      retryAfterSeconds: 1,
      failNext: [{ kind: "429", count: 1 }],
    });
    await run("failed", SHORT_LISTING, "risk_assessment", {
      latencyMsPerToken: 0,
      failNext: [{ kind: "400", count: 1 }],
    });
    // The same identity as "ok", which succeeded: the start returns that job (deduplicated).
    const again = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    expect(again.body.deduplicated).toBe(true);
    // A slow job canceled mid-run.
    stack.openai.setKnobs({ latencyMsPerToken: 20 });
    const slow = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    await waitForStatus(visitor, slow.body.job.id, ["running"]);
    await visitor.post("/api/analysis/cancel", { jobId: slow.body.job.id });
    jobs.canceled = await waitForStatus(visitor, slow.body.job.id, ["canceled"]);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    await stack.qstash.idle();
    expect([jobs.ok.status, jobs.retried.status, jobs.failed.status]).toEqual([
      "succeeded",
      "succeeded",
      "failed",
    ]);

    const polls = visitor.polls;
    const o = await ops().get<OpsOverview>("/api/ops/overview?window=15");
    expect(o.totals).toMatchObject({
      started: 4,
      succeeded: 2,
      failed: 1,
      canceled: 1,
      deduplicated: 1,
      retried: 1,
      errors: 2,
      cacheHits: 0,
      polls,
    });
    expect(o.byType.find((t) => t.analysisType === "business_analysis")).toMatchObject({
      started: 2,
      succeeded: 1,
      canceled: 1,
    });
    expect(o.byType.find((t) => t.analysisType === "risk_assessment")).toMatchObject({
      started: 1,
      failed: 1,
    });
    expect(o.successRate).toBeCloseTo(2 / 3);
    // 5 deliveries leased a job (the 429 one twice); 2 of them failed.
    expect(o.errorRate).toBeCloseTo(2 / 5);
    expect(o.durationMs?.count).toBe(2);
    expect(o.durationMs!.p95).toBeGreaterThanOrEqual(o.durationMs!.p50);
    expect(o.queueWaitMs?.count).toBe(4);
    expect(o.apiResponseMs!.count).toBeGreaterThanOrEqual(polls + 6);
    const all = Object.values(jobs);
    expect(o.tokens).toEqual([
      {
        model: "gpt-5-mini",
        inputTokens: all.reduce((n, j) => n + j.usage.inputTokens, 0),
        outputTokens: all.reduce((n, j) => n + j.usage.outputTokens, 0),
        costUsd: all.reduce((n, j) => n + costMicros(j), 0) / 1e6,
        billedTokens: all.reduce((n, j) => n + j.billed, 0),
        billedCostUsd: all.reduce((n, j) => n + billedMicros(j), 0) / 1e6,
      },
    ]);
    // What the provider billed is never less than what ended in results.
    expect(all.reduce((n, j) => n + j.billed, 0)).toBeGreaterThanOrEqual(
      all.reduce((n, j) => n + used(j), 0),
    );
    expect(o.errorsByCategory).toEqual({ AI_PROVIDER: 2 });
    expect(o.providerFaults).toBe(1);
    expect(o.live).toEqual({ queued: 0, running: 0, stuck: 0 });
    // The series holds the same counts, bucket by bucket.
    expect(o.series.reduce((n, p) => n + p.started, 0)).toBe(4);
    expect(o.series).toHaveLength(15);
  });

  it("groups failures by fingerprint with sanitized samples, and reopens a resolved group when it recurs", async () => {
    const { groups } = await ops().get<{ groups: ErrorGroupSummary[] }>("/api/ops/errors");
    const bad = groups.find((g) => g.code === "openai_bad_request")!;
    expect(bad).toMatchObject({
      category: "AI_PROVIDER",
      severity: "HIGH",
      retryable: false,
      where: "consume:analyze",
      count: 1,
      status: "open",
      analysisTypes: ["risk_assessment"],
    });
    expect(groups.find((g) => g.code === "openai_rate_limited")).toMatchObject({
      category: "AI_PROVIDER",
      severity: "LOW",
      retryable: true,
      analysisTypes: ["market_intelligence"],
    });
    const detail = await ops().get<ErrorGroup>(`/api/ops/errors/${bad.fingerprint}`);
    expect(detail.samples).toHaveLength(1);
    expect(detail.samples[0]).toMatchObject({
      jobId: jobs.failed.id,
      analysisType: "risk_assessment",
      attempt: 1,
    });
    expect(detail.samples[0].visitor).toMatch(/^vh_/);
    expect(detail.samples[0].detail).toContain("HTTP 400");

    const { group } = await ops().post<{ group: ErrorGroup }>(
      `/api/ops/errors/${bad.fingerprint}/resolve`,
    );
    expect(group.status).toBe("resolved");
    expect(
      (await ops().get<{ groups: ErrorGroupSummary[] }>("/api/ops/errors?status=open")).groups.map(
        (g) => g.fingerprint,
      ),
    ).not.toContain(bad.fingerprint);

    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    jobs.failedAgain = await waitForStatus(visitor, body.job.id, ["failed"]);
    const reopened = await ops().get<ErrorGroup>(`/api/ops/errors/${bad.fingerprint}`);
    expect(reopened).toMatchObject({ status: "open", count: 2, resolvedAt: null });
    expect(reopened.samples.map((s) => s.jobId)).toEqual([jobs.failedAgain.id, jobs.failed.id]);
  });

  it("fires alerts past their thresholds and resolves them, keeping the history", async () => {
    // Two more failures of the service (requests the provider rejects; a content-policy refusal
    // would not count, see input-failures.test.ts): 2 of 6 ended jobs succeeded (< 95 %), and
    // the DLQ holds their messages.
    for (const listingId of [SHORT_LISTING, LONG_LISTING]) {
      stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
      const { body } = await visitor.start({ listingId, analysisType: "risk_assessment" });
      await waitForStatus(visitor, body.job.id, ["failed"]);
    }
    await stack.qstash.idle();
    type Alerts = {
      alerts: Array<{ rule: string; state: string }>;
      history: Array<{ rule: string; state: string }>;
    };
    const fired = await ops().get<Alerts>("/api/ops/alerts");
    const state = (a: Alerts, rule: string) => a.alerts.find((x) => x.rule === rule)?.state;
    expect(state(fired, "success_rate")).toBe("active");
    expect(state(fired, "error_rate")).toBe("active");
    expect(state(fired, "dlq_not_empty")).toBe("active");
    expect(state(fired, "avg_response_time")).toBe("ok");
    expect(state(fired, "job_stuck")).toBe("ok");

    // Emptying the DLQ resolves its alert; the history holds both transitions, newest first.
    const dlq = await ops().get<{ messages: Array<{ dlqId: string }> }>("/api/ops/dlq");
    await ops().post("/api/ops/dlq/delete", { dlqIds: dlq.messages.map((m) => m.dlqId) });
    const after = await ops().get<Alerts>("/api/ops/alerts");
    expect(state(after, "dlq_not_empty")).toBe("resolved");
    expect(after.history.filter((h) => h.rule === "dlq_not_empty").map((h) => h.state)).toEqual([
      "resolved",
      "active",
    ]);
    // Evaluating again changes nothing: one history entry per transition.
    const again = await ops().get<Alerts>("/api/ops/alerts");
    expect(again.history).toHaveLength(after.history.length);
  });

  it("reports health with the reasons it is not healthy", async () => {
    const res = await ops().request("/api/ops/health");
    expect(res.status).toBe(200);
    const health = (await res.json()) as {
      status: string;
      reasons: string[];
      checks: {
        redis: { ok: boolean; latencyMs: number };
        qstash: { ok: boolean; dlqSize: number };
        openai: { status: string; recentFailures: number };
      };
    };
    expect(health.status).toBe("degraded");
    expect(health.checks.redis.ok).toBe(true);
    expect(health.checks.qstash).toMatchObject({ ok: true, dlqSize: 0 });
    // Only the 429 was the provider's own fault; the requests it rejected (400) were not.
    expect(health.checks.openai).toMatchObject({ status: "degraded", recentFailures: 1 });
    expect(health.reasons.some((r) => r.includes("Job success rate"))).toBe(true);
    await eventually(async () => ((await stack.qstash.idle()) === undefined ? true : null));
  });
});
