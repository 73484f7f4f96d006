import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { LONG_LISTING, waitForStatus } from "../helpers/jobs.ts";
import { signDelivery } from "../helpers/qstash-jwt.ts";
import { useTestStack } from "../helpers/stack.ts";
import { Visitor } from "../helpers/visitor.ts";

/**
 * Attacks on the QStash webhooks by someone who captured one real delivery (a log line, a proxy
 * in the middle) or knows QStash's public dev keys. Signing with the suite's signing key stands in
 * for capturing a delivery QStash signed.
 */
const stack = useTestStack();

const consumePath = (jobId: string) => `/api/analysis/consume?job=${jobId}&type=business_analysis`;

async function deliver(
  path: string,
  body: string,
  signature: string,
  messageId: string,
): Promise<Response> {
  return fetch(`${stack.app.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "upstash-signature": signature,
      "upstash-message-id": messageId,
      "upstash-retried": "0",
    },
    body,
  });
}

describe("a captured delivery", () => {
  it("re-sent with new message ids is refused: nothing runs and no message is published", async () => {
    stack.openai.setKnobs({ latencyMsPerToken: 8 });
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    const jobId = body.job.id;
    await eventually(
      async () => ((await visitor.status(jobId)).job?.status === "running" ? true : null),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const path = consumePath(jobId);
    const message = JSON.stringify({ jobId, analysisType: "business_analysis" });
    const captured = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${process.env.APP_BASE_URL}${path}`,
      body: message,
    });

    const published = stack.qstash.stats().published;
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await deliver(path, message, captured, `msg_replay_${i}`));
    // The first copy is a valid delivery (the job is held by its worker: one recheck); the rest are replays.
    expect(answers.map((a) => a.status)).toEqual([200, 401, 401, 401, 401]);
    expect(stack.qstash.stats().published - published).toBe(1);
    for (const replay of answers.slice(1)) {
      expect(await replay.json()).toEqual({
        error: { code: "unauthorized:signature", message: "The QStash signature is not valid." },
      });
    }
    expect((await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000)).status).toBe(
      "succeeded",
    );
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  });

  it("re-sent to the failure callback after its first use is refused, and cannot fail a job", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, body.job.id, ["succeeded"]);
    const path = `/api/analysis/failed?job=${body.job.id}&run=0`;
    const callback = JSON.stringify({ retried: 3, dlqId: "1-0" });
    const captured = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${process.env.APP_BASE_URL}${path}`,
      body: callback,
    });
    expect((await deliver(path, callback, captured, "msg_cb")).status).toBe(200); // the job ended: nothing to do
    expect((await deliver(path, callback, captured, "msg_cb_again")).status).toBe(401);
    expect((await visitor.status(body.job.id)).job?.status).toBe("succeeded");
  });
});

describe("signatures the app must not accept", () => {
  it("answers a bad signature with 401 saying only that, never the expected URL or body hash", async () => {
    const path = consumePath("aaaaaaaaaaaaaaaa");
    const message = JSON.stringify({
      jobId: "aaaaaaaaaaaaaaaa",
      analysisType: "business_analysis",
    });
    const misaddressed = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: "https://elsewhere.example/x",
      body: message,
    });
    const tampered = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${process.env.APP_BASE_URL}${path}`,
      body: "{}",
    });
    for (const signature of [misaddressed, tampered, "not-a-jwt"]) {
      const res = await deliver(path, message, signature, "msg_x");
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: "unauthorized:signature", message: "The QStash signature is not valid." },
      });
      expect(text).not.toMatch(/elsewhere|want|hash|http/i);
    }
  });

  it("refuses QStash's public dev signing keys even where QSTASH_DEV is set", async () => {
    const devKey = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"; // @upstash/qstash's dev server's current key, public
    const path = consumePath("aaaaaaaaaaaaaaaa");
    const message = JSON.stringify({
      jobId: "aaaaaaaaaaaaaaaa",
      analysisType: "business_analysis",
    });
    const signed = await signDelivery({
      key: devKey,
      url: `${process.env.APP_BASE_URL}${path}`,
      body: message,
    });
    process.env.QSTASH_DEV = "true";
    try {
      expect((await deliver(path, message, signed, "msg_dev")).status).toBe(401);
    } finally {
      delete process.env.QSTASH_DEV;
    }
  });
});
