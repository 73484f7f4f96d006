import { describe, expect, it } from "vitest";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { DlqPage, DlqReplay, OpsJobDetail, OpsJobRow } from "../../../lib/ops/types.ts";

const stack = useTestStack({ env: { QSTASH_RETRIES: "3" } });
const calls = () => stack.openai.calls().length;

async function failedJob(visitor: Visitor, analysisType: string) {
  stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
  const { body } = await visitor.start({ listingId: SHORT_LISTING, analysisType });
  const job = await waitForStatus(visitor, body.job.id, ["failed"]);
  await stack.qstash.idle();
  return job;
}

const jobHash = (id: string) => testRedis().hgetall(`${stack.prefix}job:${id}`);

describe("dead-letter queue on /ops", () => {
  const ops = () => new Operator(stack.app.url);

  it("lists DLQ messages joined with their jobs; replaying one whose job ended changes nothing, however often", async () => {
    const visitor = new Visitor(stack.app.url);
    const job = await failedJob(visitor, "risk_assessment");
    const page = await ops().get<DlqPage>("/api/ops/dlq");
    const row = page.messages.find((m) => m.jobId === job.id)!;
    expect(row).toMatchObject({
      label: "risk_assessment",
      responseStatus: 489,
      job: { status: "failed", analysisType: "risk_assessment", errorCode: "openai_bad_request" },
    });
    expect(row.url).toContain(`/api/analysis/consume?job=${job.id}`);

    const before = { hash: await jobHash(job.id), calls: calls() };
    const first = await ops().post<DlqReplay>("/api/ops/dlq/replay", { dlqIds: [row.dlqId] });
    expect(first.replayed).toEqual([
      { dlqId: row.dlqId, messageId: expect.stringMatching(/^msg_/) },
    ]);
    await stack.qstash.idle();
    expect(await jobHash(job.id)).toEqual(before.hash);
    expect(calls()).toBe(before.calls);
    // The replayed delivery was acknowledged: the DLQ no longer holds it, and a second replay is a no-op.
    expect((await ops().get<DlqPage>("/api/ops/dlq")).messages.map((m) => m.jobId)).not.toContain(
      job.id,
    );
    expect(
      (await ops().post<DlqReplay>("/api/ops/dlq/replay", { dlqIds: [row.dlqId] })).replayed,
    ).toEqual([]);
  });

  it("is just as safe when the Upstash console replays the message (QStash's own DLQ retry)", async () => {
    const visitor = new Visitor(stack.app.url);
    const job = await failedJob(visitor, "market_intelligence");
    const row = (await ops().get<DlqPage>("/api/ops/dlq")).messages.find(
      (m) => m.jobId === job.id,
    )!;
    const before = { hash: await jobHash(job.id), calls: calls() };
    const res = await fetch(`${stack.qstash.url}/v2/dlq/retry/${row.dlqId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${process.env.QSTASH_TOKEN}` },
    });
    expect(res.ok).toBe(true);
    await stack.qstash.idle();
    expect(await jobHash(job.id)).toEqual(before.hash);
    expect(calls()).toBe(before.calls);
  });

  it("deletes DLQ messages", async () => {
    await failedJob(new Visitor(stack.app.url), "business_analysis");
    const page = await ops().get<DlqPage>("/api/ops/dlq");
    const before = page.messages.length;
    expect(before).toBeGreaterThan(0);
    const { deleted } = await ops().post<{ deleted: number }>("/api/ops/dlq/delete", {
      dlqIds: [page.messages[0].dlqId],
    });
    expect(deleted).toBe(1);
    expect((await ops().get<DlqPage>("/api/ops/dlq")).messages).toHaveLength(before - 1);
  });
});

describe("jobs on /ops", () => {
  const ops = () => new Operator(stack.app.url);

  it("finds a job by id and status, with its steps timeline and its deliveries' QStash message ids", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({
      latencyMsPerToken: 0,
      retryAfterSeconds: 1,
      failNext: [{ kind: "500", count: 1 }],
    });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    const job = await waitForStatus(visitor, body.job.id, ["succeeded"]);
    expect((await ops().get<{ jobs: OpsJobRow[] }>(`/api/ops/jobs?q=${job.id}`)).jobs).toEqual([
      expect.objectContaining({ id: job.id, status: "succeeded", attempt: 2 }),
    ]);
    const failed = (await ops().get<{ jobs: OpsJobRow[] }>("/api/ops/jobs?status=failed")).jobs;
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.every((j) => j.status === "failed" && j.errorCode === "openai_bad_request")).toBe(
      true,
    );

    const detail = await ops().get<OpsJobDetail>(`/api/ops/jobs/${job.id}`);
    expect(detail.steps.map((s) => s.name)).toEqual([
      "prepare",
      "analyze:0",
      "synthesize",
      "validate",
    ]);
    // prepare was checkpointed on attempt 1, before the 500; the rest on attempt 2.
    expect(detail.steps.map((s) => s.attempt)).toEqual([1, 2, 2, 2]);
    expect(detail.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(detail.attempts.every((a) => /^msg_/.test(a.messageId))).toBe(true);
    expect(detail.job).toMatchObject({
      status: "succeeded",
      messageId: detail.attempts[1].messageId,
      lastError: { code: "openai_server_error" },
    });
    expect(detail.job.visitor).toMatch(/^vh_/);
    expect((await ops().request("/api/ops/jobs/nosuchjob12345")).status).toBe(404);
  });
});
