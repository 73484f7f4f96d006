import { randomBytes } from "node:crypto";
import { Client, Receiver, SignatureError } from "@upstash/qstash";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startQStash, type QStashDev } from "../../../dev/qstash/index.ts";
import { eventually } from "../../helpers/eventually.ts";
import { startDestination, type Destination, type Received } from "../../helpers/qstash-destination.ts";
import { hasRedisServer, startPrivateRedis, type PrivateRedis } from "../../helpers/qstash-redis.ts";

/**
 * The QStash stand-in, driven only through the official @upstash/qstash Client and Receiver,
 * delivering to a recording HTTP server. timeScale 0.001 turns QStash's seconds into ms, so a
 * "12 s" backoff takes 12 ms here while its shape stays QStash's.
 */
const secret = () => randomBytes(12).toString("hex");
const token = secret();
const keys = { current: `sig_${secret()}`, next: `sig_${secret()}` };
const receiver = new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next });

let qstash: QStashDev;
let dest: Destination;
let client: Client;
let pathSeq = 0;
/** A fresh destination path per test, so recordings never mix. */
const path = (name: string) => `/t${pathSeq++}/${name}`;
const b64 = (text: string) => Buffer.from(text).toString("base64");
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;
/** `eventually` for probes that say "not yet" with false. */
const when = async <T>(probe: () => T | false | Promise<T | false>): Promise<T> => (await eventually(probe)) as T;
/** Waits until `p` got at least `n` requests; returns all it got. */
const delivered = (p: string, n = 1) => when(() => dest.received(p).length >= n && dest.received(p));
const signature = (r: Received) => String(r.headers["upstash-signature"]);

beforeAll(async () => {
  dest = await startDestination();
  qstash = await startQStash({ port: 0, token, currentSigningKey: keys.current, nextSigningKey: keys.next, timeScale: 0.001 });
  client = new Client({ baseUrl: qstash.url, token, enableTelemetry: false });
});
afterEach(() => {
  qstash.setFaults({});
  vi.restoreAllMocks();
});
/** The SDK logs every 4xx to console.error; tests that expect one keep the output clean. */
const quietSdk = () => vi.spyOn(console, "error").mockImplementation(() => {});
afterAll(async () => {
  await qstash?.stop();
  await dest?.stop();
});

describe("publish and signed delivery", () => {
  it("delivers the exact body with QStash's headers, and the real Receiver verifies it", async () => {
    const p = path("hello");
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: { hello: "wörld" }, headers: { "x-custom": "yes" } });
    expect(messageId).toMatch(/^msg_/);
    const [req] = await delivered(p);
    expect(req.body).toBe(JSON.stringify({ hello: "wörld" }));
    expect(req.method).toBe("POST");
    expect(req.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Upstash-QStash",
      "upstash-message-id": messageId,
      "upstash-retried": "0",
      "x-custom": "yes",
      "upstash-caller-ip": "127.0.0.1",
    });
    await expect(receiver.verify({ signature: signature(req), body: req.body, url: dest.at(p) })).resolves.toBe(true);
    const c = claims(signature(req));
    expect(c).toMatchObject({ iss: "Upstash", sub: dest.at(p) });
    expect(Number(c.exp) - Number(c.iat)).toBe(300);
    expect(c.nbf).toBe(c.iat);
    expect(String(c.jti)).toBeTruthy();
    const logs = await client.logs({ filter: { messageId } });
    expect(logs.logs.map((l) => l.state)).toEqual(expect.arrayContaining(["CREATED", "ACTIVE", "DELIVERED"]));
  });

  it("rejects a tampered body, another URL and wrong keys with SignatureError", async () => {
    const p = path("tamper");
    await client.publish({ url: dest.at(p), body: "original", headers: { "content-type": "text/plain" } });
    const [req] = await delivered(p);
    const sig = signature(req);
    await expect(receiver.verify({ signature: sig, body: "0riginal", url: dest.at(p) })).rejects.toBeInstanceOf(SignatureError);
    await expect(receiver.verify({ signature: sig, body: req.body, url: dest.at("/elsewhere") })).rejects.toBeInstanceOf(SignatureError);
    const stranger = new Receiver({ currentSigningKey: "sig_wrong1", nextSigningKey: "sig_wrong2" });
    await expect(stranger.verify({ signature: sig, body: req.body, url: dest.at(p) })).rejects.toBeInstanceOf(SignatureError);
  });

  it("signs with the current key, so after a rotation the receiver's next key still verifies", async () => {
    const rotated = await startQStash({ port: 0, token, currentSigningKey: keys.next, nextSigningKey: `sig_${secret()}`, timeScale: 0.001 });
    try {
      const p = path("rotated");
      await new Client({ baseUrl: rotated.url, token, enableTelemetry: false }).publishJSON({ url: dest.at(p), body: { n: 1 } });
      const [req] = await delivered(p);
      await expect(receiver.verify({ signature: signature(req), body: req.body, url: dest.at(p) })).resolves.toBe(true);
      const old = new Receiver({ currentSigningKey: keys.current, nextSigningKey: "sig_other" });
      await expect(old.verify({ signature: signature(req), body: req.body, url: dest.at(p) })).rejects.toBeInstanceOf(SignatureError);
    } finally {
      await rotated.stop();
    }
  });

  it("refuses a publish with the wrong token (401)", async () => {
    quietSdk();
    const intruder = new Client({ baseUrl: qstash.url, token: "wrong", enableTelemetry: false });
    await expect(intruder.publishJSON({ url: dest.at(path("x")), body: {} })).rejects.toMatchObject({ status: 401 });
  });

  it("strips Upstash-Forward- from forwarded headers and honours Upstash-Method", async () => {
    const p = path("forward");
    await client.publish({ url: dest.at(p), body: "x", method: "PUT", headers: { authorization: "Bearer downstream", "Upstash-Forward-X-Raw": "raw" } });
    const [req] = await delivered(p);
    expect(req.method).toBe("PUT");
    expect(req.headers).toMatchObject({ authorization: "Bearer downstream", "x-raw": "raw" });
    expect(Object.keys(req.headers).filter((h) => h.startsWith("upstash-forward"))).toEqual([]);
  });

  it("publishes a batch", async () => {
    const [a, b] = [path("batch-a"), path("batch-b")];
    const answers = await client.batchJSON([
      { url: dest.at(a), body: { i: 1 } },
      { url: dest.at(b), body: { i: 2 }, headers: { "x-which": "b" } },
    ]);
    expect(answers).toHaveLength(2);
    expect(answers[0].messageId).not.toBe(answers[1].messageId);
    const [[ra], [rb]] = [await delivered(a), await delivered(b)];
    expect([ra.body, rb.body, rb.headers["x-which"]]).toEqual(['{"i":1}', '{"i":2}', "b"]);
    expect(rb.headers["upstash-message-id"]).toBe(answers[1].messageId);
  });
});

describe("retries, DLQ and callbacks", () => {
  it("retries with growing backoff, then moves the message to the DLQ and calls the failure callback", async () => {
    const [p, cb] = [path("always-500"), path("failure-callback")];
    dest.on(p, () => ({ status: 500, body: "boom" }));
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: { job: 7 }, retries: 2, failureCallback: dest.at(cb) });
    const attempts = await delivered(p, 3);
    expect(attempts.map((r) => r.headers["upstash-retried"])).toEqual(["0", "1", "2"]);
    expect(attempts.every((r) => r.headers["upstash-message-id"] === messageId)).toBe(true);
    // Default backoff min(86400, e^(2.5n)) s: 12.2 s then 148 s, here in ms.
    const [gap1, gap2] = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    expect(gap1).toBeGreaterThanOrEqual(11);
    expect(gap2).toBeGreaterThanOrEqual(140);
    expect(gap2).toBeGreaterThan(gap1);

    const [callback] = await delivered(cb);
    await expect(receiver.verify({ signature: signature(callback), body: callback.body, url: dest.at(cb) })).resolves.toBe(true);
    const body = JSON.parse(callback.body);
    expect(body).toMatchObject({ status: 500, body: b64("boom"), retried: 2, maxRetries: 2, sourceMessageId: messageId, url: dest.at(p), method: "POST", sourceBody: b64('{"job":7}') });
    expect(body.sourceHeader["Content-Type"]).toEqual(["application/json"]);

    const { messages } = await client.dlq.listMessages({ filter: { messageId } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ dlqId: body.dlqId, messageId, url: dest.at(p), responseStatus: 500, responseBody: "boom", maxRetries: 2, body: '{"job":7}' });
    await client.dlq.delete(body.dlqId);
  });

  it("sends a 489 with Upstash-NonRetryable-Error straight to the DLQ after one attempt", async () => {
    const p = path("non-retryable");
    dest.on(p, () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" }, body: "bad input" }));
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: {}, retries: 5 });
    const { messages } = await when(async () => {
      const page = await client.dlq.listMessages({ filter: { messageId } });
      return page.messages.length === 1 && page;
    });
    expect(messages[0]).toMatchObject({ responseStatus: 489, responseBody: "bad input" });
    expect(dest.received(p)).toHaveLength(1);
    await client.dlq.delete(messages[0].dlqId);
  });

  it("waits as long as Retry-After asks, and falls back to the backoff beyond a day", async () => {
    const [asked, tooLong] = [path("retry-after"), path("retry-after-2d")];
    dest.on(asked, (_r, nth) => (nth === 0 ? { status: 429, headers: { "Retry-After": "6m5s" } } : {}));
    dest.on(tooLong, (_r, nth) => (nth === 0 ? { status: 503, headers: { "Retry-After": String(2 * 86_400) } } : {}));
    await client.publishJSON({ url: dest.at(asked), body: {} });
    await client.publishJSON({ url: dest.at(tooLong), body: {} });
    const [a0, a1] = await delivered(asked, 2);
    const [t0, t1] = await delivered(tooLong, 2);
    expect(a1.at - a0.at).toBeGreaterThanOrEqual(360); // 365 s → 365 ms
    expect(t1.at - t0.at).toBeLessThan(300); // the 12 s default, not 2 days
  });

  it("uses an Upstash-Retry-Delay expression over `retried`", async () => {
    const p = path("retry-delay");
    dest.on(p, (_r, nth) => (nth < 2 ? { status: 500 } : {}));
    await client.publishJSON({ url: dest.at(p), body: {}, retryDelay: "max(100000, pow(2, retried) * 100000)" });
    const [r0, r1, r2] = await delivered(p, 3);
    expect(r1.at - r0.at).toBeGreaterThanOrEqual(95); // retried 0 → 100 s
    expect(r2.at - r1.at).toBeGreaterThanOrEqual(195); // retried 1 → 200 s
  });

  it("calls the success callback with the destination's answer, forwarding callback headers", async () => {
    const [p, cb] = [path("ok"), path("callback")];
    dest.on(p, () => ({ status: 201, body: "done", headers: { "x-answer": "42" } }));
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: { a: 1 }, callback: dest.at(cb), headers: { "Upstash-Callback-Forward-X-Bypass": "secret" } });
    const [callback] = await delivered(cb);
    await expect(receiver.verify({ signature: signature(callback), body: callback.body, url: dest.at(cb) })).resolves.toBe(true);
    expect(callback.headers["x-bypass"]).toBe("secret");
    const body = JSON.parse(callback.body);
    expect(body).toMatchObject({ status: 201, body: b64("done"), retried: 0, maxRetries: 3, sourceMessageId: messageId, url: dest.at(p) });
    expect(body.header["X-Answer"]).toEqual(["42"]);
    expect(body.dlqId).toBeUndefined();
  });

  it("aborts an attempt after Upstash-Timeout and retries it", async () => {
    const p = path("slow");
    dest.on(p, (_r, nth) => (nth === 0 ? { delayMs: 3_000 } : {}));
    await client.publishJSON({ url: dest.at(p), body: {}, timeout: 1, retries: 1 });
    const [first, second] = await delivered(p, 2);
    expect(first.aborted).toBe(true);
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
    expect(second.headers["upstash-retried"]).toBe("1");
    await qstash.idle();
  });
});

describe("deduplication, delays and message control", () => {
  it("collapses two publishes with one deduplication id into one delivery", async () => {
    const p = path("dedupe-id");
    const first = await client.publishJSON({ url: dest.at(p), body: { n: 1 }, deduplicationId: "job-1" });
    const second = await client.publishJSON({ url: dest.at(p), body: { n: 2 }, deduplicationId: "job-1" });
    expect(second).toMatchObject({ messageId: first.messageId, deduplicated: true });
    expect(first.deduplicated).toBeUndefined();
    await qstash.idle();
    expect(dest.received(p).map((r) => r.body)).toEqual(['{"n":1}']);
  });

  it("dedupes by content when asked: same destination, body and headers", async () => {
    const p = path("dedupe-content");
    const a = await client.publishJSON({ url: dest.at(p), body: { same: true }, contentBasedDeduplication: true });
    const b = await client.publishJSON({ url: dest.at(p), body: { same: true }, contentBasedDeduplication: true });
    const c = await client.publishJSON({ url: dest.at(p), body: { same: false }, contentBasedDeduplication: true });
    expect(b).toMatchObject({ messageId: a.messageId, deduplicated: true });
    expect(c.messageId).not.toBe(a.messageId);
    await qstash.idle();
    expect(dest.received(p)).toHaveLength(2);
  });

  it("holds a message for Upstash-Delay and until Upstash-Not-Before", async () => {
    const [d, nb] = [path("delay"), path("not-before")];
    const started = Date.now();
    const { messageId } = await client.publishJSON({ url: dest.at(d), body: {}, delay: "300s" });
    await client.publishJSON({ url: dest.at(nb), body: {}, notBefore: Math.floor(Date.now() / 1000) + 300 });
    const pending = await client.messages.get(messageId);
    expect(pending.notBefore).toBeGreaterThanOrEqual(started + 290);
    const [[rd], [rnb]] = [await delivered(d), await delivered(nb)];
    expect(rd.at - started).toBeGreaterThanOrEqual(290); // 300 s → 300 ms
    expect(rnb.at - started).toBeGreaterThanOrEqual(290);
  });

  it("shows a pending message and cancels it, one by one or in bulk; cancelled messages are never delivered", async () => {
    const p = path("cancel");
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: { x: 1 }, delay: "1h", retries: 1, label: "cancel-me", headers: { "x-h": "v" } });
    const message = await client.messages.get(messageId);
    expect(message).toMatchObject({ messageId, url: dest.at(p), method: "POST", body: '{"x":1}', maxRetries: 1, labels: ["cancel-me"] });
    expect(message.header?.["X-H"]).toEqual(["v"]);
    expect(await client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    quietSdk();
    await expect(client.messages.get(messageId)).rejects.toMatchObject({ status: 404 });
    const more = await client.batchJSON([1, 2, 3].map((i) => ({ url: dest.at(p), body: { i }, delay: "1h" as const })));
    expect(await client.messages.cancel(more.slice(0, 2).map((m) => m.messageId))).toEqual({ cancelled: 2 });
    expect(await client.messages.cancel({ filter: { url: dest.at(p) } })).toEqual({ cancelled: 1 });
    await qstash.idle();
    expect(dest.received(p)).toEqual([]);
  });

  it("lists, pages, retries and deletes DLQ messages", async () => {
    const p = path("dlq");
    let accept = false;
    dest.on(p, () => (accept ? {} : { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
    const published = [];
    for (const i of [1, 2, 3]) published.push((await client.publishJSON({ url: dest.at(p), body: { i }, label: "dlq-test" })).messageId);
    const all = await when(async () => {
      const page = await client.dlq.listMessages({ filter: { url: dest.at(p) } });
      return page.messages.length === 3 && page.messages;
    });
    const first = await client.dlq.listMessages({ filter: { label: "dlq-test" }, count: 2 });
    expect(first.messages).toHaveLength(2);
    expect(first.cursor).toBeTruthy();
    const rest = await client.dlq.listMessages({ filter: { label: "dlq-test" }, count: 2, cursor: first.cursor });
    expect([...first.messages, ...rest.messages].map((m) => m.messageId).sort()).toEqual([...published].sort());
    expect(rest.cursor).toBeUndefined();

    const byId = await client.dlq.listMessages({ dlqIds: [all[0].dlqId] });
    expect(byId.messages.map((m) => m.dlqId)).toEqual([all[0].dlqId]);

    accept = true;
    const retried = await client.dlq.retry(all[0].dlqId);
    expect(retried.responses).toHaveLength(1);
    expect(retried.responses[0].messageId).not.toBe(all[0].messageId);
    await eventually(() => dest.received(p).some((r) => r.headers["upstash-message-id"] === retried.responses[0].messageId));
    expect(await client.dlq.delete(all[1].dlqId)).toEqual({ deleted: 1 });
    expect(await client.dlq.delete([all[2].dlqId])).toMatchObject({ deleted: 1 });
    expect((await client.dlq.listMessages({ filter: { url: dest.at(p) } })).messages).toEqual([]);
  });
});

describe("flow control", () => {
  it("never has more than `parallelism` deliveries of a key in flight", async () => {
    const p = path("parallel");
    dest.on(p, () => ({ delayMs: 30 }));
    await client.batchJSON(Array.from({ length: 5 }, (_, i) => ({ url: dest.at(p), body: { i }, flowControl: { key: `fc-${p}`, parallelism: 1 } })));
    await delivered(p, 5);
    await qstash.idle();
    expect(dest.maxConcurrent(p)).toBe(1);
  });

  it("starts at most `rate` deliveries per period", async () => {
    const p = path("rate");
    await client.batchJSON(Array.from({ length: 4 }, (_, i) => ({ url: dest.at(p), body: { i }, flowControl: { key: `rate-${p}`, rate: 2, period: "200s" as const } })));
    const received = await delivered(p, 4);
    expect(received[2].at - received[0].at).toBeGreaterThanOrEqual(190); // the third waits for the next 200 ms window
  });
});

describe("fault injection", () => {
  it("duplicateRate 1 delivers every attempt twice with the same message id", async () => {
    const p = path("dup");
    qstash.setFaults({ duplicateRate: 1 });
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: {} });
    const both = await delivered(p, 2);
    expect(both.map((r) => r.headers["upstash-message-id"])).toEqual([messageId, messageId]);
    expect(qstash.stats().duplicated).toBeGreaterThan(0);
  });

  it("a cut-off attempt is seen as a disconnect and retried", async () => {
    const p = path("cutoff");
    const before = qstash.stats().cutoff;
    qstash.setFaults({ cutoffRate: 1, cutoffAfterMs: 20 });
    dest.on(p, (_r, nth) => {
      if (nth === 0) qstash.setFaults({});
      return { delayMs: nth === 0 ? 200 : 0 };
    });
    await client.publishJSON({ url: dest.at(p), body: {} });
    const [first, second] = await delivered(p, 2);
    await eventually(() => first.aborted);
    expect(second.headers["upstash-retried"]).toBe("1");
    expect(qstash.stats().cutoff).toBe(before + 1);
  });

  it("a dropped attempt never reaches the destination and counts as a failure", async () => {
    const p = path("drop");
    qstash.setFaults({ dropRate: 1 });
    const before = qstash.stats();
    const { messageId } = await client.publishJSON({ url: dest.at(p), body: {}, retries: 1 });
    await eventually(async () => (await client.dlq.listMessages({ filter: { messageId } })).messages.length === 1);
    expect(dest.received(p)).toEqual([]);
    expect(qstash.stats().dropped - before.dropped).toBe(2);
  });
});

const redisMissing = !hasRedisServer();
if (redisMissing && process.env.CI) throw new Error("redis-server is required in CI for the QStash persistence tests");

describe.skipIf(redisMissing)("persistence in Redis", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => redis?.stop());

  const start = () => startQStash({ port: 0, token, currentSigningKey: keys.current, nextSigningKey: keys.next, timeScale: 0.01, redisUrl: redis.url });

  it("a restarted stand-in delivers what the stopped one had pending, in flight, deduped and dead-lettered", async () => {
    const [delayed, inflight, dead] = [path("after-restart"), path("in-flight"), path("dead")];
    dest.on(inflight, (_r, nth) => ({ delayMs: nth === 0 ? 5_000 : 0 }));
    dest.on(dead, () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
    const first = await start();
    let messageId: string;
    let deadId: string;
    try {
      const before = new Client({ baseUrl: first.url, token, enableTelemetry: false });
      ({ messageId } = await before.publishJSON({ url: dest.at(delayed), body: { kept: true }, delay: "60s", deduplicationId: "restart-1" }));
      await before.publishJSON({ url: dest.at(inflight), body: {} });
      ({ messageId: deadId } = await before.publishJSON({ url: dest.at(dead), body: {} }));
      await delivered(inflight);
      await eventually(async () => (await before.dlq.listMessages({ filter: { messageId: deadId } })).messages.length === 1);
    } finally {
      await first.stop();
    }
    expect(dest.received(delayed)).toEqual([]);

    const second = await start();
    try {
      const after = new Client({ baseUrl: second.url, token, enableTelemetry: false });
      expect((await after.messages.get(messageId)).messageId).toBe(messageId);
      const [req] = await delivered(delayed);
      expect(req.headers["upstash-message-id"]).toBe(messageId);
      await expect(receiver.verify({ signature: signature(req), body: req.body, url: dest.at(delayed) })).resolves.toBe(true);
      const [, redelivered] = await delivered(inflight, 2);
      expect(dest.received(inflight)[0].aborted).toBe(true);
      expect(redelivered.headers["upstash-retried"]).toBe("0"); // the cut attempt never concluded
      const again = await after.publishJSON({ url: dest.at(delayed), body: { kept: true }, deduplicationId: "restart-1" });
      expect(again).toMatchObject({ messageId, deduplicated: true });
      expect((await after.dlq.listMessages({ filter: { messageId: deadId } })).messages).toHaveLength(1);
      await second.idle();
    } finally {
      await second.stop();
    }
  });
});
