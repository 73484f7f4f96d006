import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { signDelivery } from "../../helpers/qstash-jwt.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack({ env: { QSTASH_RETRIES: "3" } });

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const steps = (jobId: string) => calls(jobId).map((c) => String(c.metadata?.step));

describe("failures: retried when they may pass, final when they cannot", () => {
  it("recovers from retryable OpenAI errors (429 with retry-after, 500) through QStash retries", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({
      latencyMsPerToken: 0,
      retryAfterSeconds: 1,
      failNext: [
        { kind: "429", count: 1 },
        { kind: "500", count: 1 },
      ],
    });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"], 20_000);
    expect(job.status).toBe("succeeded");
    expect(job.attempt).toBe(3);
    expect(calls(job.id).map((c) => c.status)).toEqual([429, 500, 200, 200]);
  });

  it("fails a job for good on a non-retryable error and sends its message to the DLQ", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ failNext: [{ kind: "400", count: 1 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    const job = await waitForStatus(visitor, body.job.id, ["failed", "succeeded"]);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({
      code: "openai_bad_request",
      category: "AI_PROVIDER",
      retryable: false,
    });
    expect(job.attempt).toBe(1);
    await eventually(async () => (await dlqUrls()).some((u) => u.includes(body.job.id)));
  });

  it("revives a job QStash gave up on (failure callback): published again with a fresh budget, its dead letter removed", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ failNext: [{ kind: "500", count: 4 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
      params: { riskTolerance: "high" },
    });
    const job = await waitForStatus(visitor, body.job.id, ["failed", "succeeded"]);
    expect(job.status).toBe("succeeded");
    // 4 attempts spent the message's retries (3); the revival's first delivery finished it.
    expect(job.attempt).toBe(5);
    expect(job.revives).toBe(1);
    expect(calls(job.id).map((c) => c.status)).toEqual([500, 500, 500, 500, 200, 200]);
    await stack.qstash.idle();
    expect((await dlqUrls()).some((u) => u.includes(body.job.id))).toBe(false);
    const steps = (await testRedis().hgetall(
      `${stack.prefix}job:${job.id}:steps`,
    )) as unknown as string[];
    expect(steps.find((f) => f === "@revive:1")).toBeDefined();
  });

  it("a failure callback for a job another of its messages carries removes the dead letter and publishes nothing", async () => {
    // The job waits 5 s for its message's next delivery (the provider said Retry-After: 5)…
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({
      latencyMsPerToken: 0,
      retryAfterSeconds: 5,
      failNext: [{ kind: "429", count: 1 }],
    });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    const jobId = body.job.id;
    await eventually(
      async () =>
        (await testRedis().hget(`${stack.prefix}job:${jobId}`, "waitUntil")) ? true : null,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    // …when QStash reports that an older message of it gave up (as after a browser's poll revived it).
    const dlqId = await deadLetter();
    const path = `/api/analysis/failed?job=${jobId}&run=0`;
    const callback = JSON.stringify({ retried: 3, dlqId });
    const signature = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${process.env.APP_BASE_URL}${path}`,
      body: callback,
    });
    const published = stack.qstash.stats().published;
    const res = await fetch(`${stack.app.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "upstash-signature": signature,
        "upstash-retried": "0",
      },
      body: callback,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      outcome: "ack",
      note: expect.stringMatching(/waits \d+ s for another of its messages/),
    });
    expect(stack.qstash.stats().published).toBe(published);
    expect(await dlqIds()).not.toContain(dlqId);
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 20_000);
    expect(job).toMatchObject({ status: "succeeded", revives: 0, attempt: 2 });
    stack.openai.setKnobs({ retryAfterSeconds: 1 });
  });

  it("repairs structured output that is not valid once, and fails clearly when it stays invalid", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ failNext: [{ kind: "invalid_json", count: 1 }] });
    const repaired = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
      params: { perspective: "seller" },
    });
    expect(
      (await waitForStatus(visitor, repaired.body.job.id, ["succeeded", "failed"])).status,
    ).toBe("succeeded");
    expect(steps(repaired.body.job.id)).toEqual(["analyze:0", "synthesize", "validate"]);

    stack.openai.setKnobs({ failNext: [{ kind: "invalid_json", count: 2 }] });
    const broken = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: 1 },
    });
    const job = await waitForStatus(visitor, broken.body.job.id, ["succeeded", "failed"]);
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({
      code: "invalid_output",
      category: "JSON_PARSING",
      retryable: false,
    });
  });
});

const qstashAuth = () => ({ authorization: `Bearer ${process.env.QSTASH_TOKEN}` });

async function dlqIds(): Promise<string[]> {
  const res = await fetch(`${stack.qstash.url}/v2/dlq`, { headers: qstashAuth() });
  return ((await res.json()) as { messages: Array<{ dlqId: string }> }).messages.map(
    (m) => m.dlqId,
  );
}

/** A real DLQ entry: a message QStash cannot deliver (404) and may not retry. */
async function deadLetter(): Promise<string> {
  const before = new Set(await dlqIds());
  const res = await fetch(
    `${stack.qstash.url}/v2/publish/${process.env.APP_BASE_URL}/api/nowhere`,
    { method: "POST", headers: { ...qstashAuth(), "upstash-retries": "0" }, body: "{}" },
  );
  expect(res.ok).toBe(true);
  return eventually(async () => (await dlqIds()).find((id) => !before.has(id)) ?? null, {
    timeoutMs: 10_000,
    intervalMs: 50,
  });
}

async function dlqUrls(): Promise<string[]> {
  const res = await fetch(`${stack.qstash.url}/v2/dlq`, {
    headers: { authorization: `Bearer ${process.env.QSTASH_TOKEN}` },
  });
  const body = (await res.json()) as { messages: Array<{ url: string }> };
  return body.messages.map((m) => m.url);
}
