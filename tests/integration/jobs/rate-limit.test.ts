import { describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING } from "../../helpers/jobs.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack({ env: { START_RATE_LIMIT: "3/60" } });

describe("the per-visitor limit on starting analyses", () => {
  it("answers the start past the limit with 429, Retry-After and a clear message; bad requests do not count; other visitors are not affected", async () => {
    const visitor = new Visitor(stack.app.url);
    for (let i = 0; i < 5; i++) {
      const bad = await visitor.post("/api/analysis/start", { listingId: SHORT_LISTING, analysisType: "nope" });
      expect(bad.status).toBe(400);
    }
    const starts = [
      { listingId: SHORT_LISTING, analysisType: "business_analysis" },
      { listingId: LONG_LISTING, analysisType: "business_analysis" },
      { listingId: SHORT_LISTING, analysisType: "risk_assessment" },
    ];
    for (const body of starts) expect((await visitor.start(body)).res.status).toBe(202);
    const limited = await visitor.post("/api/analysis/start", { listingId: LONG_LISTING, analysisType: "risk_assessment" });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const error = ((await limited.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("rate_limited:start");
    expect(error.message).toMatch(/started 3 analyses in the last 60 s.*Try again in \d+ s/);

    expect((await new Visitor(stack.app.url).start(starts[0])).res.status).toBe(202);
    await stack.qstash.idle();
  });
});
