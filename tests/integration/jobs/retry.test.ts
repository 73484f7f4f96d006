import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { OpsJobDetail } from "../../../lib/ops/types.ts";

const stack = useTestStack();
const steps = (jobId: string) =>
  stack.openai
    .calls()
    .filter((c) => c.metadata?.job_id === jobId && c.status === 200)
    .map((c) => String(c.metadata?.step));
const retry = (visitor: Visitor, jobId: string) => visitor.post("/api/analysis/retry", { jobId });

describe("retrying a failed or canceled analysis", () => {
  it("queues the same job again and does not pay again for the steps it had finished", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 8 });
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    const stepsKey = `${stack.prefix}job:${body.job.id}:steps`;
    // Cancel once two analysis chunks are checkpointed.
    await eventually(
      async () => ((await testRedis().hexists(stepsKey, "analyze:1")) ? true : null),
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
    const canceled = await waitForStatus(visitor, body.job.id, ["canceled"]);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });

    const res = await retry(visitor, body.job.id);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { job: { id: string; status: string; retries: number } };
    expect(answer.job).toMatchObject({ id: body.job.id, status: "queued", retries: 1 });
    const done = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.attempt).toBeGreaterThan(canceled.attempt);
    // analyze:0 and analyze:1 were checkpointed before the cancel: answered once each.
    const paid = steps(body.job.id);
    expect(paid.filter((s) => s === "analyze:0")).toHaveLength(1);
    expect(paid.filter((s) => s === "analyze:1")).toHaveLength(1);
    expect(paid).toContain("synthesize");

    const detail = await new Operator(stack.app.url).get<OpsJobDetail>(
      `/api/ops/jobs/${body.job.id}`,
    );
    expect(detail.retries).toEqual([
      { retry: 1, at: expect.any(Number), previousStatus: "canceled", errorCode: null },
    ]);
  });

  it("retries a job that failed for good, recording its error in the history", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    await waitForStatus(visitor, body.job.id, ["failed"]);
    expect((await retry(visitor, body.job.id)).status).toBe(202);
    const done = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
    expect(done).toMatchObject({ status: "succeeded", error: null });
    await stack.qstash.idle();
    // The first run's failure callback came too late to touch the second run.
    expect((await visitor.status(body.job.id)).job?.status).toBe("succeeded");
    const detail = await new Operator(stack.app.url).get<OpsJobDetail>(
      `/api/ops/jobs/${body.job.id}`,
    );
    expect(detail.retries).toMatchObject([
      { retry: 1, previousStatus: "failed", errorCode: "openai_bad_request" },
    ]);
  });

  it("refuses what cannot be retried: a succeeded or running job (409), another visitor's (404), a superseded one (409)", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    const ok = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, ok.body.job.id, ["succeeded"]);
    const succeeded = await retry(visitor, ok.body.job.id);
    expect(succeeded.status).toBe(409);
    expect(((await succeeded.json()) as { error: { code: string } }).error.code).toBe(
      "conflict:job",
    );
    expect((await retry(new Visitor(stack.app.url), ok.body.job.id)).status).toBe(404);

    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const failed = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
      params: { riskTolerance: "low" },
    });
    await waitForStatus(visitor, failed.body.job.id, ["failed"]);
    // A new start of the same analysis supersedes the failed job; retrying the old one names it.
    const newer = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
      params: { riskTolerance: "low" },
    });
    expect(newer.body.job.id).not.toBe(failed.body.job.id);
    const superseded = await retry(visitor, failed.body.job.id);
    expect(superseded.status).toBe(409);
    expect(((await superseded.json()) as { error: { message: string } }).error.message).toContain(
      newer.body.job.id,
    );
    await waitForStatus(visitor, newer.body.job.id, ["succeeded"]);
  });
});
