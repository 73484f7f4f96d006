import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crashInFlight } from "../../helpers/crash.ts";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { startOutageProxy, type OutageProxy } from "../../helpers/outage-proxy.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

/**
 * A job may wait out outages, but not for ever: JOB_MAX_AGE_MS (shortened here to 6 s) bounds
 * its whole life from being queued, waiting included. QStash in real time; the app is taken
 * down for real (its port closed, its deliveries killed).
 */
const stack = useTestStack({
  env: {
    QSTASH_RETRIES: "2",
    QSTASH_RETRY_DELAY_MS: "200",
    QSTASH_RETRY_SPAN_MS: "800",
    JOB_STALE_MS: "1500",
    JOB_LEASE_MS: "1500",
    JOB_MAX_AGE_MS: "6000",
  },
});
let app: OutageProxy;

beforeAll(async () => {
  app = await startOutageProxy(stack.app.url);
  process.env.APP_BASE_URL = app.url; // before the app's first request: its environment is parsed once
});
afterAll(() => app?.stop());

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);

describe("a job that cannot finish within JOB_MAX_AGE_MS", () => {
  it("fails with a plain message once the app is back, and Retry continues from its finished steps", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 4 });
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    const steps = async () =>
      (await testRedis().hkeys(`${stack.prefix}job:${body.job.id}:steps`)).filter(
        (f) => !f.startsWith("@") && f !== "prepare",
      );
    await eventually(async () => ((await steps()).length >= 1 ? true : null), {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    const paidBefore = await steps();
    await app.down();
    crashInFlight();
    // The app stays down past the job's age bound; QStash gives up on its message meanwhile.
    await eventually(() => (Date.now() - body.job.createdAt > 6_500 ? true : null), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await stack.qstash.idle();
    await app.up();

    const failed = await waitForStatus(visitor, body.job.id, ["failed", "succeeded"], 20_000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "max_age", category: "SYSTEM" });
    expect(failed.error?.message).toMatch(
      /could not finish within 6 seconds because the service was unavailable.*Retry continues from the steps already done/,
    );

    const retried = await visitor.post("/api/analysis/retry", { jobId: body.job.id });
    expect(retried.status).toBe(202);
    const done = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"], 30_000);
    expect(done.status).toBe("succeeded");
    for (const step of paidBefore)
      expect(calls(body.job.id).filter((c) => c.metadata?.step === step)).toHaveLength(1);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  });
});
