import { describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING } from "../../helpers/jobs.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack({ env: { START_RATE_LIMIT: "3/60" } });

describe("the per-visitor limit on starting analyses", () => {
  it("answers the start past the limit with 429, Retry-After and a clear message; bad requests do not count; other visitors are not affected", async () => {
    const visitor = new Visitor(stack.app.url);
    for (let i = 0; i < 5; i++) {
      const bad = await visitor.post("/api/analysis/start", {
        listingId: SHORT_LISTING,
        analysisType: "nope",
      });
      expect(bad.status).toBe(400);
    }
    const starts = [
      { listingId: SHORT_LISTING, analysisType: "business_analysis" },
      { listingId: LONG_LISTING, analysisType: "business_analysis" },
      { listingId: SHORT_LISTING, analysisType: "risk_assessment" },
    ];
    for (const body of starts) expect((await visitor.start(body)).res.status).toBe(202);
    const limited = await visitor.post("/api/analysis/start", {
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = ((await limited.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("rate_limited:start");
    expect(error.message).toMatch(
      /started 3 new analyses in the last 60 s.*already running or finished does not count.*Try again in \d+ s/,
    );

    // Over the limit, opening an analysis that already exists is still answered: it makes no work.
    const again = await visitor.start(starts[1]);
    expect(again.res.status).toBe(202);
    expect(again.body.deduplicated).toBe(true);

    expect((await new Visitor(stack.app.url).start(starts[0])).res.status).toBe(202);
    await stack.qstash.idle();
  });

  it("never counts duplicates: 30 quick repeats of one start make one job, no 429, and leave the quota for real starts", async () => {
    const visitor = new Visitor(stack.app.url);
    const same = {
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 4 },
    };
    const first = await visitor.start(same);
    const repeats = [];
    for (let i = 0; i < 15; i++) repeats.push(await visitor.start(same)); // one after the other
    repeats.push(...(await Promise.all(Array.from({ length: 14 }, () => visitor.start(same))))); // and at once
    expect([first, ...repeats].map((r) => r.res.status)).toEqual(Array(30).fill(202));
    expect(new Set([first, ...repeats].map((r) => r.body.job.id)).size).toBe(1);
    // The quota (3) is intact: three new analyses start, the fourth is refused.
    const fresh = [
      { listingId: LONG_LISTING, analysisType: "market_intelligence", params: { horizonYears: 4 } },
      {
        listingId: SHORT_LISTING,
        analysisType: "market_intelligence",
        params: { horizonYears: 5 },
      },
    ];
    for (const body of fresh) expect((await visitor.start(body)).res.status).toBe(202);
    expect(
      (
        await visitor.start({
          listingId: LONG_LISTING,
          analysisType: "market_intelligence",
          params: { horizonYears: 6 },
        })
      ).res.status,
    ).toBe(429);
    await stack.qstash.idle();
  });
});
