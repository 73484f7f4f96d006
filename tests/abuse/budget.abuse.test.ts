import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../helpers/jobs.ts";
import { Operator } from "../helpers/operator.ts";
import { useTestStack } from "../helpers/stack.ts";
import { Visitor } from "../helpers/visitor.ts";

/**
 * The AI spend budget: billed tokens (what the simulator was paid, cut-off calls included) counted
 * per UTC day in total and per visitor; once spent, new work is refused with a clear message while
 * running jobs finish, and /ops alerts. A short listing's analysis bills ~1,000 tokens here.
 */
const stack = useTestStack({
  env: { OPENAI_BUDGET_TOKENS_PER_DAY: "6000", OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY: "2500" },
});

const billedBySimulator = (jobId: string) =>
  stack.openai
    .calls()
    .filter((c) => c.metadata?.job_id === jobId)
    .reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe("the token budget", () => {
  it("counts what a job was billed, and a canceled job's cut-off call too", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    const done = await waitForStatus(visitor, body.job.id, ["succeeded"]);
    expect((done as unknown as { billed: number }).billed).toBe(billedBySimulator(done.id)); // corrected to the provider's figure

    stack.openai.setKnobs({ latencyMsPerToken: 15 });
    const other = new Visitor(stack.app.url);
    const { body: slow } = await other.start({
      listingId: LONG_LISTING,
      analysisType: "market_intelligence",
    });
    await eventually(
      async () =>
        (((await other.status(slow.job.id)).job as unknown as { billed: number } | null)?.billed ??
          0) > 0
          ? true
          : null,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    await other.post("/api/analysis/cancel", { jobId: slow.job.id });
    const canceled = (await waitForStatus(other, slow.job.id, ["canceled"])) as unknown as {
      billed: number;
      usage: { inputTokens: number; outputTokens: number };
    };
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    // The aborted call shows in what was billed, not in the usage of checkpointed results.
    expect(canceled.billed).toBeGreaterThan(
      canceled.usage.inputTokens + canceled.usage.outputTokens,
    );
  });

  it("refuses a visitor's new work once their daily allowance is spent, and everyone's once the day's budget is", async () => {
    const visitor = new Visitor(stack.app.url);
    const answers = [];
    for (const horizonYears of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const a = await visitor.start({
        listingId: SHORT_LISTING,
        analysisType: "market_intelligence",
        params: { horizonYears },
      });
      answers.push(a);
      if (a.res.status !== 202) break;
      await waitForStatus(visitor, a.body.job.id, ["succeeded"]);
    }
    const refused = answers.find((a) => a.res.status !== 202)!;
    expect(refused.res.status).toBe(429);
    expect(errorOf(refused.body)).toMatchObject({
      code: "rate_limited:budget",
      message: expect.stringMatching(
        /today's allowance of 2,500 AI tokens\. It renews at midnight UTC/,
      ),
    });
    expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThan(0);

    // A long job is running when the rest of the day's budget is spent by others: it still finishes.
    const runner = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 3 });
    const { body: running } = await runner.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    // Other visitors spend the rest of the day's budget; then nobody starts anything new.
    let total: { res: Response; body: unknown } | undefined;
    for (let i = 0; i < 30 && !total; i++) {
      const v = new Visitor(stack.app.url);
      const a = await v.start({
        listingId: SHORT_LISTING,
        analysisType: "business_analysis",
        params: { perspective: i % 2 ? "buyer" : "seller" },
      });
      if (a.res.status === 202) await waitForStatus(v, a.body.job.id, ["succeeded"]);
      else total = a;
    }
    expect(total!.res.status).toBe(503);
    expect(errorOf(total!.body)).toMatchObject({
      code: "unavailable:budget",
      message: expect.stringMatching(
        /used today's AI budget.*Analyses already running will finish/,
      ),
    });
    expect(
      (await waitForStatus(runner, running.job.id, ["succeeded", "failed"], 30_000)).status,
    ).toBe("succeeded");
    stack.openai.setKnobs({ latencyMsPerToken: 0 });

    const ops = new Operator(stack.app.url);
    const { alerts } = await ops.get<{ alerts: Array<{ rule: string; state: string }> }>(
      "/api/ops/alerts",
    );
    expect(alerts.find((a) => a.rule === "token_budget")?.state).toBe("active");
    const overview = await ops.get<{ budget: { billedTokens: number; limitTokens: number } }>(
      "/api/ops/overview?window=60",
    );
    expect(overview.budget.limitTokens).toBe(6000);
    expect(overview.budget.billedTokens).toBeGreaterThanOrEqual(6000);
  });
});
