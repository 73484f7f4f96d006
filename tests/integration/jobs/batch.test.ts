import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { dumpKeys } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { BatchView } from "../../../lib/jobs/batch-view.ts";

const stack = useTestStack();

async function catalogIds(visitor: Visitor): Promise<string[]> {
  const res = await visitor.request("/api/listings");
  return ((await res.json()) as { listings: Array<{ id: string }> }).listings.map((l) => l.id);
}

async function batchStatus(visitor: Visitor, batchId: string): Promise<BatchView> {
  const res = await visitor.request(`/api/analysis/batch?batchId=${batchId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { batch: BatchView }).batch;
}

const ended = (visitor: Visitor, batchId: string) =>
  eventually(
    async () => {
      const b = await batchStatus(visitor, batchId);
      return b.status === "running" ? null : b;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );

describe("batch analysis", () => {
  it("runs one job per listing from one QStash batch request, succeeds at the tolerance, and retries the failed child", async () => {
    const visitor = new Visitor(stack.app.url);
    const ids = await catalogIds(visitor);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const published = stack.qstash.stats().published;
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const res = await visitor.post("/api/analysis/batch", {
      listingIds: ids.slice(0, 5),
      analysisType: "business_analysis",
      minSuccess: 0.8,
    });
    expect(res.status).toBe(202);
    const { batch } = (await res.json()) as { batch: BatchView };
    expect(batch.children.map((c) => c.subject)).toEqual(ids.slice(0, 5));
    expect(stack.qstash.stats().published - published).toBe(5);

    const done = await ended(visitor, batch.id);
    expect(done.counts).toMatchObject({ succeeded: 4, failed: 1 });
    expect(done.status).toBe("succeeded"); // 4 of 5 ≥ 80 %
    expect(done.progress).toBe(100);
    expect(done.children.find((c) => c.status === "failed")?.errorCode).toBe("openai_bad_request");

    const retry = await visitor.post("/api/analysis/batch/retry", { batchId: batch.id });
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { retried: number }).retried).toBe(1);
    const again = await ended(visitor, batch.id);
    expect(again.counts.succeeded).toBe(5);
    expect(again.children.filter((c) => c.retries === 1)).toHaveLength(1);
  });

  it("fails when fewer children succeed than the batch requires", async () => {
    const visitor = new Visitor(stack.app.url);
    const ids = await catalogIds(visitor);
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const res = await visitor.post("/api/analysis/batch", {
      listingIds: ids.slice(0, 2),
      analysisType: "risk_assessment",
      minSuccess: 1,
    });
    const { batch } = (await res.json()) as { batch: BatchView };
    const done = await ended(visitor, batch.id);
    expect(done).toMatchObject({ status: "failed", counts: { succeeded: 1, failed: 1 } });
  });

  it("cancels the whole batch", async () => {
    const visitor = new Visitor(stack.app.url);
    const ids = await catalogIds(visitor);
    stack.openai.setKnobs({ latencyMsPerToken: 20 });
    const res = await visitor.post("/api/analysis/batch", {
      listingIds: ids.slice(0, 3),
      analysisType: "market_intelligence",
    });
    const { batch } = (await res.json()) as { batch: BatchView };
    const cancel = await visitor.post("/api/analysis/batch/cancel", { batchId: batch.id });
    expect(cancel.status).toBe(202);
    const done = await ended(visitor, batch.id);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    expect(done).toMatchObject({
      status: "canceled",
      cancelRequested: true,
      counts: { canceled: 3 },
    });
  });

  it("rejects bad batches with a clear 4xx and creates nothing; other visitors cannot see a batch", async () => {
    const visitor = new Visitor(stack.app.url);
    const ids = await catalogIds(visitor);
    await stack.qstash.idle();
    const before = await dumpKeys(stack.prefix);
    const bad: Array<[unknown, number]> = [
      [{ listingIds: [], analysisType: "business_analysis" }, 400],
      [{ listingIds: [ids[0], ids[0]], analysisType: "business_analysis" }, 400],
      [
        {
          listingIds: Array.from({ length: 51 }, (_, i) => `lst_x${i}`),
          analysisType: "business_analysis",
        },
        400,
      ],
      [{ listingIds: [ids[0]], analysisType: "business_analysis", minSuccess: 0 }, 400],
      [{ listingIds: [ids[0], "lst_does-not-exist"], analysisType: "business_analysis" }, 404],
      [
        {
          listingIds: [ids[0]],
          analysisType: "business_analysis",
          params: { perspective: "alien" },
        },
        400,
      ],
    ];
    for (const [body, status] of bad) {
      const res = await visitor.post("/api/analysis/batch", body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
        /^(bad_request|not_found)/,
      );
    }
    expect(await dumpKeys(stack.prefix)).toEqual(before);

    const res = await visitor.post("/api/analysis/batch", {
      listingIds: [ids[0]],
      analysisType: "business_analysis",
      params: { perspective: "seller" },
    });
    const { batch } = (await res.json()) as { batch: BatchView };
    expect(
      (await new Visitor(stack.app.url).request(`/api/analysis/batch?batchId=${batch.id}`)).status,
    ).toBe(404);
    expect((await visitor.request("/api/analysis/batch?batchId=nope")).status).toBe(400);
    await ended(visitor, batch.id);
  });
});
