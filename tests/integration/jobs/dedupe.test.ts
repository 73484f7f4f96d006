import { describe, expect, it } from "vitest";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack();

const jobKeys = async () =>
  (await keysWithTtl(stack.prefix)).filter((k) => /job:[A-Za-z0-9_-]{16}$/.test(k.key));

describe("one job per identity", () => {
  it("fifty concurrent identical starts create exactly one job and one QStash message", async () => {
    const visitor = new Visitor(stack.app.url);
    await visitor.request("/api/listings"); // mint the session cookie first, as a page load would
    const published = stack.qstash.stats().published;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        visitor.start({ listingId: SHORT_LISTING, analysisType: "risk_assessment" }),
      ),
    );
    expect(answers.every((a) => a.res.status === 202)).toBe(true);
    const ids = new Set(answers.map((a) => a.body.job.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => !a.body.deduplicated)).toHaveLength(1);
    expect(await jobKeys()).toHaveLength(1);
    expect(stack.qstash.stats().published - published).toBe(1);
    await waitForStatus(visitor, [...ids][0], ["succeeded"]);
    const again = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    expect(again.body).toMatchObject({
      deduplicated: true,
      job: { id: [...ids][0], status: "succeeded" },
    });
  });

  it("treats params in any key order as the same analysis, and other params or owners as different ones", async () => {
    const a = new Visitor(stack.app.url);
    const b = new Visitor(stack.app.url);
    const first = await a.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 5 },
    });
    const same = await a.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 5 },
    });
    const otherParams = await a.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 2 },
    });
    const otherOwner = await b.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 5 },
    });
    expect(same.body.job.id).toBe(first.body.job.id);
    expect(otherParams.body.job.id).not.toBe(first.body.job.id);
    expect(otherOwner.body.job.id).not.toBe(first.body.job.id);
  });

  it("lets a canceled job be started again as a new job", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.qstash.setFaults({ delayMs: 3_000 }); // keep it queued for a while
    const first = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
      params: { perspective: "buyer" },
    });
    const cancel = await visitor.post("/api/analysis/cancel", { jobId: first.body.job.id });
    expect(cancel.status).toBe(202);
    stack.qstash.setFaults({});
    const second = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
      params: { perspective: "buyer" },
    });
    expect(second.body.deduplicated).toBe(false);
    expect(second.body.job.id).not.toBe(first.body.job.id);
    await waitForStatus(visitor, second.body.job.id, ["succeeded"]);
    expect((await visitor.status(first.body.job.id)).job?.status).toBe("canceled");
  });

  it("finds the current job for an identity, for reattaching after a refresh", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 7 },
    });
    const params = encodeURIComponent(JSON.stringify({ horizonYears: 7 }));
    const found = await visitor.request(
      `/api/analysis/status?listingId=${SHORT_LISTING}&analysisType=market_intelligence&params=${params}`,
    );
    expect(found.status).toBe(200);
    expect(((await found.json()) as { job: { id: string } }).job.id).toBe(body.job.id);
    const stranger = new Visitor(stack.app.url);
    const none = await stranger.request(
      `/api/analysis/status?listingId=${SHORT_LISTING}&analysisType=market_intelligence&params=${params}`,
    );
    expect(none.status).toBe(404);
  });
});
