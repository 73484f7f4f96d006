import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import {
  hasRedisServer,
  startPrivateRedis,
  type PrivateRedis,
} from "../../helpers/qstash-redis.ts";
import { path, quietSdk, signature, useQStashSuite, when } from "../../helpers/qstash-suite.ts";

/**
 * The QStash stand-in's message handling through the official SDK: deduplication, Upstash-Delay
 * and Not-Before (real seconds), cancel, the DLQ API, flow-control limits, injected faults, and
 * a restart over Redis that loses nothing.
 */
const suite = useQStashSuite();
const { receiver } = suite;
const delivered = (p: string, n = 1) => suite.delivered(p, n);

describe("deduplication, delays and message control", () => {
  it("collapses two publishes with one deduplication id into one delivery", async () => {
    const p = path("dedupe-id");
    const first = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { n: 1 },
      deduplicationId: "job-1",
    });
    const second = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { n: 2 },
      deduplicationId: "job-1",
    });
    expect(second).toMatchObject({ messageId: first.messageId, deduplicated: true });
    expect(first.deduplicated).toBeUndefined();
    await suite.qstash.idle();
    expect(suite.dest.received(p).map((r) => r.body)).toEqual(['{"n":1}']);
  });

  it("dedupes by content when asked: same destination, body and headers", async () => {
    const p = path("dedupe-content");
    const a = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { same: true },
      contentBasedDeduplication: true,
    });
    const b = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { same: true },
      contentBasedDeduplication: true,
    });
    const c = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { same: false },
      contentBasedDeduplication: true,
    });
    expect(b).toMatchObject({ messageId: a.messageId, deduplicated: true });
    expect(c.messageId).not.toBe(a.messageId);
    await suite.qstash.idle();
    expect(suite.dest.received(p)).toHaveLength(2);
  });

  it("holds a message for Upstash-Delay and until Upstash-Not-Before", async () => {
    const [d, nb] = [path("delay"), path("not-before")];
    const started = Date.now();
    const notBefore = Math.floor(started / 1000) + 2; // whole seconds, as the header carries
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(d),
      body: {},
      delay: 1,
    });
    await suite.client.publishJSON({ url: suite.dest.at(nb), body: {}, notBefore });
    const pending = await suite.client.messages.get(messageId);
    expect(pending.notBefore).toBeGreaterThanOrEqual(started + 1_000);
    const [[rd], [rnb]] = [await delivered(d), await delivered(nb)];
    expect(rd.at - started).toBeGreaterThanOrEqual(1_000);
    expect(rnb.at).toBeGreaterThanOrEqual(notBefore * 1000);
  });

  it("shows a pending message and cancels it, one by one or in bulk; cancelled messages are never delivered", async () => {
    const p = path("cancel");
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { x: 1 },
      delay: "1h",
      retries: 1,
      label: "cancel-me",
      headers: { "x-h": "v" },
    });
    const message = await suite.client.messages.get(messageId);
    expect(message).toMatchObject({
      messageId,
      url: suite.dest.at(p),
      method: "POST",
      body: '{"x":1}',
      maxRetries: 1,
      labels: ["cancel-me"],
    });
    expect(message.header?.["X-H"]).toEqual(["v"]);
    expect(await suite.client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    quietSdk();
    await expect(suite.client.messages.get(messageId)).rejects.toMatchObject({ status: 404 });
    const more = await suite.client.batchJSON(
      [1, 2, 3].map((i) => ({ url: suite.dest.at(p), body: { i }, delay: "1h" as const })),
    );
    expect(await suite.client.messages.cancel(more.slice(0, 2).map((m) => m.messageId))).toEqual({
      cancelled: 2,
    });
    expect(await suite.client.messages.cancel({ filter: { url: suite.dest.at(p) } })).toEqual({
      cancelled: 1,
    });
    await suite.qstash.idle();
    expect(suite.dest.received(p)).toEqual([]);
  });

  it("lists, pages, retries and deletes DLQ messages", async () => {
    const p = path("dlq");
    let accept = false;
    suite.dest.on(p, () =>
      accept ? {} : { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } },
    );
    const published = [];
    for (const i of [1, 2, 3])
      published.push(
        (await suite.client.publishJSON({ url: suite.dest.at(p), body: { i }, label: "dlq-test" }))
          .messageId,
      );
    const all = await when(async () => {
      const page = await suite.client.dlq.listMessages({ filter: { url: suite.dest.at(p) } });
      return page.messages.length === 3 && page.messages;
    });
    const first = await suite.client.dlq.listMessages({ filter: { label: "dlq-test" }, count: 2 });
    expect(first.messages).toHaveLength(2);
    expect(first.cursor).toBeTruthy();
    const rest = await suite.client.dlq.listMessages({
      filter: { label: "dlq-test" },
      count: 2,
      cursor: first.cursor,
    });
    expect([...first.messages, ...rest.messages].map((m) => m.messageId).sort()).toEqual(
      [...published].sort(),
    );
    expect(rest.cursor).toBeUndefined();

    const byId = await suite.client.dlq.listMessages({ dlqIds: [all[0].dlqId] });
    expect(byId.messages.map((m) => m.dlqId)).toEqual([all[0].dlqId]);

    accept = true;
    const retried = await suite.client.dlq.retry(all[0].dlqId);
    expect(retried.responses).toHaveLength(1);
    expect(retried.responses[0].messageId).not.toBe(all[0].messageId);
    await eventually(() =>
      suite.dest
        .received(p)
        .some((r) => r.headers["upstash-message-id"] === retried.responses[0].messageId),
    );
    expect(await suite.client.dlq.delete(all[1].dlqId)).toEqual({ deleted: 1 });
    expect(await suite.client.dlq.delete([all[2].dlqId])).toMatchObject({ deleted: 1 });
    expect(
      (await suite.client.dlq.listMessages({ filter: { url: suite.dest.at(p) } })).messages,
    ).toEqual([]);
  });
});

describe("flow control", () => {
  it("never has more than `parallelism` deliveries of a key in flight", async () => {
    const p = path("parallel");
    suite.dest.on(p, () => ({ delayMs: 30 }));
    await suite.client.batchJSON(
      Array.from({ length: 5 }, (_, i) => ({
        url: suite.dest.at(p),
        body: { i },
        flowControl: { key: `fc-${p}`, parallelism: 1 },
      })),
    );
    await delivered(p, 5);
    await suite.qstash.idle();
    expect(suite.dest.maxConcurrent(p)).toBe(1);
  });

  it("starts at most `rate` deliveries per period", async () => {
    const p = path("rate");
    await suite.client.batchJSON(
      Array.from({ length: 4 }, (_, i) => ({
        url: suite.dest.at(p),
        body: { i },
        flowControl: { key: `rate-${p}`, rate: 2, period: "1s" as const },
      })),
    );
    const received = await delivered(p, 4);
    expect(received[2].at - received[0].at).toBeGreaterThanOrEqual(950); // the third waits for the next 1 s window
  });
});

describe("fault injection", () => {
  it("duplicateRate 1 delivers every attempt twice with the same message id", async () => {
    const p = path("dup");
    suite.qstash.setFaults({ duplicateRate: 1 });
    const { messageId } = await suite.client.publishJSON({ url: suite.dest.at(p), body: {} });
    const both = await delivered(p, 2);
    expect(both.map((r) => r.headers["upstash-message-id"])).toEqual([messageId, messageId]);
    expect(suite.qstash.stats().duplicated).toBeGreaterThan(0);
  });

  it("a cut-off attempt is seen as a disconnect and retried", async () => {
    const p = path("cutoff");
    const before = suite.qstash.stats().cutoff;
    suite.qstash.setFaults({ cutoffRate: 1, cutoffAfterMs: 20 });
    suite.dest.on(p, (_r, nth) => {
      if (nth === 0) suite.qstash.setFaults({});
      return { delayMs: nth === 0 ? 200 : 0 };
    });
    await suite.client.publishJSON({ url: suite.dest.at(p), body: {}, retryDelay: "50" });
    const [first, second] = await delivered(p, 2);
    await eventually(() => first.aborted);
    expect(second.headers["upstash-retried"]).toBe("1");
    expect(suite.qstash.stats().cutoff).toBe(before + 1);
  });

  it("a dropped attempt never reaches the destination and counts as a failure", async () => {
    const p = path("drop");
    suite.qstash.setFaults({ dropRate: 1 });
    const before = suite.qstash.stats();
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: {},
      retries: 1,
      retryDelay: "50",
    });
    await eventually(
      async () =>
        (await suite.client.dlq.listMessages({ filter: { messageId } })).messages.length === 1,
    );
    expect(suite.dest.received(p)).toEqual([]);
    expect(suite.qstash.stats().dropped - before.dropped).toBe(2);
  });
});

const redisMissing = !hasRedisServer();
if (redisMissing && process.env.CI)
  throw new Error("redis-server is required in CI for the QStash persistence tests");

describe.skipIf(redisMissing)("persistence in Redis", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => redis?.stop());

  const start = () => suite.start({ redisUrl: redis.url });

  it("a restarted stand-in delivers what the stopped one had pending, in flight, deduped and dead-lettered", async () => {
    const [delayed, inflight, dead] = [path("after-restart"), path("in-flight"), path("dead")];
    suite.dest.on(inflight, (_r, nth) => ({ delayMs: nth === 0 ? 5_000 : 0 }));
    suite.dest.on(dead, () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
    const first = await start();
    let messageId: string;
    let deadId: string;
    try {
      const before = suite.clientOf(first);
      ({ messageId } = await before.publishJSON({
        url: suite.dest.at(delayed),
        body: { kept: true },
        delay: "3s",
        deduplicationId: "restart-1",
      }));
      await before.publishJSON({ url: suite.dest.at(inflight), body: {} });
      ({ messageId: deadId } = await before.publishJSON({ url: suite.dest.at(dead), body: {} }));
      await delivered(inflight);
      await eventually(
        async () =>
          (await before.dlq.listMessages({ filter: { messageId: deadId } })).messages.length === 1,
      );
    } finally {
      await first.stop();
    }
    expect(suite.dest.received(delayed)).toEqual([]);

    const second = await start();
    try {
      const after = suite.clientOf(second);
      expect((await after.messages.get(messageId)).messageId).toBe(messageId);
      const [req] = await delivered(delayed);
      expect(req.headers["upstash-message-id"]).toBe(messageId);
      await expect(
        receiver.verify({ signature: signature(req), body: req.body, url: suite.dest.at(delayed) }),
      ).resolves.toBe(true);
      const [, redelivered] = await delivered(inflight, 2);
      expect(suite.dest.received(inflight)[0].aborted).toBe(true);
      expect(redelivered.headers["upstash-retried"]).toBe("0"); // the cut attempt never concluded
      const again = await after.publishJSON({
        url: suite.dest.at(delayed),
        body: { kept: true },
        deduplicationId: "restart-1",
      });
      expect(again).toMatchObject({ messageId, deduplicated: true });
      expect(
        (await after.dlq.listMessages({ filter: { messageId: deadId } })).messages,
      ).toHaveLength(1);
      await second.idle();
    } finally {
      await second.stop();
    }
  });
});
