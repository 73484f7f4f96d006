import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { crashInFlight } from "../../helpers/crash.ts";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { startOutageProxy, type OutageProxy } from "../../helpers/outage-proxy.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

/**
 * Outages longer than one delivery, for real: QStash delivers to the app through a proxy that
 * can close its port (the app is down: connections refused, in-flight work killed), and the app
 * reaches Redis through another (Redis unreachable). QStash runs in real time; the bounds are
 * shortened by configuration only: retries spanning 2 s, a job is stale after 3 s.
 */
const stack = useTestStack({
  env: {
    QSTASH_RETRIES: "3",
    QSTASH_RETRY_DELAY_MS: "200",
    QSTASH_RETRY_SPAN_MS: "2000",
    JOB_STALE_MS: "3000",
    JOB_LEASE_MS: "1500",
  },
});
let app: OutageProxy;
let redis: OutageProxy;
let redisUrl = "";

beforeAll(async () => {
  // Before the app's first request, so its environment (parsed once) points through the proxies.
  redisUrl = process.env.UPSTASH_REDIS_REST_URL!;
  app = await startOutageProxy(stack.app.url);
  redis = await startOutageProxy(redisUrl);
  process.env.APP_BASE_URL = app.url;
  process.env.UPSTASH_REDIS_REST_URL = redis.url;
});
afterAll(async () => {
  // The suite's own TTL and secrets checks read Redis directly, after this.
  process.env.UPSTASH_REDIS_REST_URL = redisUrl;
  await app?.stop();
  await redis?.stop();
});

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const checkpoints = async (jobId: string) =>
  (await testRedis().hkeys(`${stack.prefix}job:${jobId}:steps`)).filter((f) => !f.startsWith("@"));
/** The checkpointed steps that called the model (prepare does not). */
const paidSteps = async (jobId: string) =>
  (await checkpoints(jobId)).filter((s) => s !== "prepare");
const dlqUrls = async () => {
  const res = await fetch(`${stack.qstash.url}/v2/dlq`, {
    headers: { authorization: `Bearer ${process.env.QSTASH_TOKEN}` },
  });
  return ((await res.json()) as { messages: Array<{ url: string }> }).messages.map((m) => m.url);
};

/** Starts a slow job and waits until it is mid-way: some steps checkpointed, one in flight. */
async function midJob(visitor: Visitor, analysisType: string) {
  stack.openai.setKnobs({ latencyMsPerToken: 4 });
  const { body } = await visitor.start({ listingId: LONG_LISTING, analysisType });
  await eventually(async () => ((await checkpoints(body.job.id)).length >= 2 ? true : null), {
    timeoutMs: 20_000,
    intervalMs: 20,
  });
  return body.job.id;
}

/** The app dies: its port refuses connections and the deliveries it was running stop dead. */
async function killApp() {
  await app.down();
  crashInFlight();
}

describe("the app is down", () => {
  it("for less than the retries span: QStash's own retries resume the job once it is back", async () => {
    const visitor = new Visitor(stack.app.url);
    const jobId = await midJob(visitor, "business_analysis");
    const done = await paidSteps(jobId);
    await killApp();
    await new Promise((r) => setTimeout(r, 1_000)); // the outage itself: nothing to wait for
    await app.up();
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000);
    expect(job.status).toBe("succeeded");
    expect(job.revives).toBe(0);
    for (const step of done)
      expect(calls(jobId).filter((c) => c.metadata?.step === step)).toHaveLength(1);
  });

  it("for longer than every retry: its messages dead-letter, and the waiting browser's poll revives it once the app is back", async () => {
    const visitor = new Visitor(stack.app.url);
    const jobId = await midJob(visitor, "market_intelligence");
    const done = await paidSteps(jobId);
    await killApp();
    // Every retry of the message and of its failure callback is refused: QStash gives up on both.
    await eventually(
      async () => ((await dlqUrls()).filter((u) => u.includes(jobId)).length >= 2 ? true : null),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await stack.qstash.idle();
    const stranded = (await testRedis().hmget(
      `${stack.prefix}job:${jobId}`,
      "status",
    )) as unknown as [string];
    expect(stranded[0]).toBe("running"); // nothing will move it on its own
    await app.up();
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000);
    expect(job.status).toBe("succeeded");
    expect(job.revives).toBe(1);
    // Revived from its checkpoints: the steps finished before the outage were paid once.
    for (const step of done)
      expect(calls(jobId).filter((c) => c.metadata?.step === step)).toHaveLength(1);
  });
});

describe("Redis is unreachable", () => {
  it("start and status answer 503 with Retry-After and a plain message, nothing is written, and the running job finishes after", async () => {
    const visitor = new Visitor(stack.app.url);
    const jobId = await midJob(visitor, "risk_assessment");
    await redis.down();
    try {
      const status = await visitor.request(`/api/analysis/status?jobId=${jobId}`);
      expect(status.status).toBe(503);
      expect(Number(status.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = (await status.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: "unavailable:store" });
      expect(body.error.message).toMatch(/cannot reach its storage.*safe/);
      const start = await visitor.post("/api/analysis/start", {
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
        params: { riskTolerance: "low" },
      });
      expect(start.status).toBe(503);
      expect(((await start.json()) as { error: { code: string } }).error.code).toBe(
        "unavailable:store",
      );
      await new Promise((r) => setTimeout(r, 3_000)); // the outage outlasts the retries span (2 s)
    } finally {
      await redis.up();
    }
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000);
    expect(job.status).toBe("succeeded");
    // The start refused during the outage made nothing: that identity has no job.
    const lookup = await visitor.request(
      `/api/analysis/status?listingId=${SHORT_LISTING}&analysisType=risk_assessment&params=${encodeURIComponent('{"riskTolerance":"low"}')}`,
    );
    expect(lookup.status).toBe(404);
    await stack.qstash.idle();
    expect((await dlqUrls()).some((u) => u.includes(jobId))).toBe(false);
  });
});
