import { describe, expect, it } from "vitest";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { OpsOverview } from "../../../lib/ops/types.ts";

const stack = useTestStack({ env: { RESULT_CACHE_SECONDS: "3600" } });

describe("the result cache", () => {
  it("answers an identical analysis at once with the stored result, for any visitor, and counts a cache hit", async () => {
    const first = new Visitor(stack.app.url);
    const original = await first.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 3 },
    });
    const done = await waitForStatus(first, original.body.job.id, ["succeeded"]);
    await stack.qstash.idle();
    const calls = stack.openai.calls().length;
    const published = stack.qstash.stats().published;

    // Another visitor, same listing content, type and params: served from the cache.
    const second = new Visitor(stack.app.url);
    const hit = await second.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 3 },
    });
    expect(hit.res.status).toBe(202);
    expect(hit.body.job.id).not.toBe(original.body.job.id);
    expect(hit.body.job).toMatchObject({
      status: "succeeded",
      progress: 100,
      cachedFrom: original.body.job.id,
    });
    expect((hit.body.job as unknown as { result: unknown }).result).toEqual(done.result);
    expect(hit.body.nextPollMs).toBe(0);
    expect((await second.status(hit.body.job.id)).job?.status).toBe("succeeded");
    expect(stack.openai.calls().length).toBe(calls);
    expect(stack.qstash.stats().published).toBe(published);

    // Different params (or another type) are a different analysis.
    const other = await second.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 4 },
    });
    expect(other.body.job.status).toBe("queued");
    await waitForStatus(second, other.body.job.id, ["succeeded"]);

    const o = await new Operator(stack.app.url).get<OpsOverview>("/api/ops/overview?window=15");
    expect(o.totals).toMatchObject({ cacheHits: 1, started: 3, succeeded: 3 });
  });

  it("does not cache failures", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ failNext: [{ kind: "400", count: 1 }] });
    const failed = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    await waitForStatus(visitor, failed.body.job.id, ["failed"]);
    const other = new Visitor(stack.app.url);
    const again = await other.start({ listingId: SHORT_LISTING, analysisType: "risk_assessment" });
    expect(again.body.job).toMatchObject({ status: "queued", cachedFrom: null });
    expect((await waitForStatus(other, again.body.job.id, ["succeeded"])).cachedFrom).toBeNull();
  });
});
