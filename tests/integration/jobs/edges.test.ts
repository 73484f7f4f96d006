import { describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { keysWithTtl, testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack({ env: { JOB_TIMEOUT_MS: "1500" } });

describe("every job ends", () => {
  it("fails a job that runs past its timeout, with a timeout error", async () => {
    stack.openai.setKnobs({ latencyMsPerToken: 15 });
    try {
      const visitor = new Visitor(stack.app.url);
      const { body } = await visitor.start({
        listingId: LONG_LISTING,
        analysisType: "market_intelligence",
      });
      const job = await waitForStatus(visitor, body.job.id, ["failed", "succeeded"], 15_000);
      expect(job.status).toBe("failed");
      expect(job.error).toMatchObject({ code: "timeout", category: "SYSTEM", retryable: false });
      expect(job.result).toBeNull();
    } finally {
      stack.openai.setKnobs({ latencyMsPerToken: 0 });
    }
  });

  it("marks the job failed (not queued forever) when QStash cannot be reached, and allows a new start", async () => {
    const visitor = new Visitor(stack.app.url);
    await visitor.request("/api/listings");
    await stack.qstash.stop(); // the SDK's own retries fail too, then the start gives up
    const before = new Set((await keysWithTtl(stack.prefix)).map((k) => k.key));
    const res = await visitor.post("/api/analysis/start", {
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
      params: { riskTolerance: "low" },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "unavailable:queue",
    );
    const lookup = await visitor.request(
      `/api/analysis/status?listingId=${SHORT_LISTING}&analysisType=risk_assessment&params=${encodeURIComponent('{"riskTolerance":"low"}')}`,
    );
    expect(lookup.status).toBe(404); // the failed job no longer holds the identity
    const created = (await keysWithTtl(stack.prefix)).filter(
      (k) => !before.has(k.key) && /job:[^:]+$/.test(k.key),
    );
    expect(created).toHaveLength(1);
    const fields = (await testRedis().hmget(created[0].key, "status", "error")) as unknown as [
      string,
      string,
    ];
    expect(fields[0]).toBe("failed");
    expect(JSON.parse(fields[1])).toMatchObject({ code: "queue_unavailable" });
  });
});
