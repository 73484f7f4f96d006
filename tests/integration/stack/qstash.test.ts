import { Client, Receiver, SignatureError } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import {
  b64,
  claims,
  path,
  quietSdk,
  signature,
  useQStashSuite,
  when,
} from "../../helpers/qstash-suite.ts";

/**
 * The QStash stand-in, driven only through the official @upstash/qstash Client and Receiver,
 * delivering to a recording HTTP server: publishing, signatures, retries, the DLQ and callbacks.
 * It runs at QStash's real timing, so the waits here are small real ones (Upstash-Retry-Delay:
 * 200); QStash's default backoff (12 s, 2m28s, …) is read off the RETRY log's nextDeliveryTime
 * instead of waited for, and its formula is pinned by tests/unit/qstash-timing.test.ts. Delays,
 * message control, faults and persistence are in qstash-messages.test.ts.
 */
const suite = useQStashSuite();
const { receiver, keys } = suite;
const delivered = (p: string, n = 1) => suite.delivered(p, n);
const retryLog = (messageId: string) =>
  when(
    async () =>
      (await suite.client.logs({ filter: { messageId, state: "RETRY" } })).logs[0] ?? false,
  );

describe("publish and signed delivery", () => {
  it("delivers the exact body with QStash's headers, and the real Receiver verifies it", async () => {
    const p = path("hello");
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { hello: "wörld" },
      headers: { "x-custom": "yes" },
    });
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
    await expect(
      receiver.verify({ signature: signature(req), body: req.body, url: suite.dest.at(p) }),
    ).resolves.toBe(true);
    const c = claims(signature(req));
    expect(c).toMatchObject({ iss: "Upstash", sub: suite.dest.at(p) });
    expect(Number(c.exp) - Number(c.iat)).toBe(300);
    expect(c.nbf).toBe(c.iat);
    expect(String(c.jti)).toBeTruthy();
    const logs = await suite.client.logs({ filter: { messageId } });
    expect(logs.logs.map((l) => l.state)).toEqual(
      expect.arrayContaining(["CREATED", "ACTIVE", "DELIVERED"]),
    );
  });

  it("rejects a tampered body, another URL and wrong keys with SignatureError", async () => {
    const p = path("tamper");
    await suite.client.publish({
      url: suite.dest.at(p),
      body: "original",
      headers: { "content-type": "text/plain" },
    });
    const [req] = await delivered(p);
    const sig = signature(req);
    await expect(
      receiver.verify({ signature: sig, body: "0riginal", url: suite.dest.at(p) }),
    ).rejects.toBeInstanceOf(SignatureError);
    await expect(
      receiver.verify({ signature: sig, body: req.body, url: suite.dest.at("/elsewhere") }),
    ).rejects.toBeInstanceOf(SignatureError);
    const stranger = new Receiver({
      currentSigningKey: "sig_wrong1",
      nextSigningKey: "sig_wrong2",
    });
    await expect(
      stranger.verify({ signature: sig, body: req.body, url: suite.dest.at(p) }),
    ).rejects.toBeInstanceOf(SignatureError);
  });

  it("signs with the current key, so after a rotation the receiver's next key still verifies", async () => {
    const rotated = await suite.start({
      currentSigningKey: keys.next,
      nextSigningKey: "sig_after_rotation",
    });
    try {
      const p = path("rotated");
      await suite.clientOf(rotated).publishJSON({ url: suite.dest.at(p), body: { n: 1 } });
      const [req] = await delivered(p);
      await expect(
        receiver.verify({ signature: signature(req), body: req.body, url: suite.dest.at(p) }),
      ).resolves.toBe(true);
      const old = new Receiver({ currentSigningKey: keys.current, nextSigningKey: "sig_other" });
      await expect(
        old.verify({ signature: signature(req), body: req.body, url: suite.dest.at(p) }),
      ).rejects.toBeInstanceOf(SignatureError);
    } finally {
      await rotated.stop();
    }
  });

  it("refuses a publish with the wrong token (401)", async () => {
    quietSdk();
    const intruder = new Client({
      baseUrl: suite.qstash.url,
      token: "wrong",
      enableTelemetry: false,
    });
    await expect(
      intruder.publishJSON({ url: suite.dest.at(path("x")), body: {} }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it("strips Upstash-Forward- from forwarded headers and honours Upstash-Method", async () => {
    const p = path("forward");
    await suite.client.publish({
      url: suite.dest.at(p),
      body: "x",
      method: "PUT",
      headers: { authorization: "Bearer downstream", "Upstash-Forward-X-Raw": "raw" },
    });
    const [req] = await delivered(p);
    expect(req.method).toBe("PUT");
    expect(req.headers).toMatchObject({ authorization: "Bearer downstream", "x-raw": "raw" });
    expect(Object.keys(req.headers).filter((h) => h.startsWith("upstash-forward"))).toEqual([]);
  });

  it("publishes a batch", async () => {
    const [a, b] = [path("batch-a"), path("batch-b")];
    const answers = await suite.client.batchJSON([
      { url: suite.dest.at(a), body: { i: 1 } },
      { url: suite.dest.at(b), body: { i: 2 }, headers: { "x-which": "b" } },
    ]);
    expect(answers).toHaveLength(2);
    expect(answers[0].messageId).not.toBe(answers[1].messageId);
    const [[ra], [rb]] = [await delivered(a), await delivered(b)];
    expect([ra.body, rb.body, rb.headers["x-which"]]).toEqual(['{"i":1}', '{"i":2}', "b"]);
    expect(rb.headers["upstash-message-id"]).toBe(answers[1].messageId);
  });
});

describe("retries, DLQ and callbacks", () => {
  it("retries as Upstash-Retry-Delay says, then moves the message to the DLQ and calls the failure callback", async () => {
    const [p, cb] = [path("always-500"), path("failure-callback")];
    suite.dest.on(p, () => ({ status: 500, body: "boom" }));
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { job: 7 },
      retries: 2,
      retryDelay: "200 * (retried + 1)",
      failureCallback: suite.dest.at(cb),
    });
    const attempts = await delivered(p, 3);
    expect(attempts.map((r) => r.headers["upstash-retried"])).toEqual(["0", "1", "2"]);
    expect(attempts.every((r) => r.headers["upstash-message-id"] === messageId)).toBe(true);
    const [gap1, gap2] = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    expect(gap1).toBeGreaterThanOrEqual(195); // retried 0 → 200 ms
    expect(gap2).toBeGreaterThanOrEqual(395); // retried 1 → 400 ms

    const [callback] = await delivered(cb);
    await expect(
      receiver.verify({
        signature: signature(callback),
        body: callback.body,
        url: suite.dest.at(cb),
      }),
    ).resolves.toBe(true);
    const body = JSON.parse(callback.body);
    expect(body).toMatchObject({
      status: 500,
      body: b64("boom"),
      retried: 2,
      maxRetries: 2,
      sourceMessageId: messageId,
      url: suite.dest.at(p),
      method: "POST",
      sourceBody: b64('{"job":7}'),
    });
    expect(body.sourceHeader["Content-Type"]).toEqual(["application/json"]);

    const { messages } = await suite.client.dlq.listMessages({ filter: { messageId } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      dlqId: body.dlqId,
      messageId,
      url: suite.dest.at(p),
      responseStatus: 500,
      responseBody: "boom",
      maxRetries: 2,
      body: '{"job":7}',
    });
    await suite.client.dlq.delete(body.dlqId);
  });

  it("without Upstash-Retry-Delay, schedules the retry QStash's default backoff (12 s) after the failure", async () => {
    const p = path("default-backoff");
    suite.dest.on(p, () => ({ status: 500 }));
    const { messageId } = await suite.client.publishJSON({ url: suite.dest.at(p), body: {} });
    const retry = await retryLog(messageId);
    // min(86400, e^(2.5·1)) s = 12.18 s after the failed attempt, in real time.
    expect(retry.nextDeliveryTime! - retry.time).toBeGreaterThanOrEqual(12_150);
    expect(retry.nextDeliveryTime! - retry.time).toBeLessThan(12_250);
    expect(await suite.client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    expect(suite.dest.received(p)).toHaveLength(1);
  });

  it("takes any Upstash-Retries by default; with a plan maximum (maxRetries) it refuses more with a 400", async () => {
    const url = "https://example.com/plan";
    const { messageId } = await suite.client.publishJSON({
      url,
      body: {},
      retries: 20,
      delay: "1h",
    });
    expect((await suite.client.messages.get(messageId)).maxRetries).toBe(20);
    await suite.client.messages.cancel(messageId);
    const free = await suite.start({ maxRetries: 3 });
    try {
      quietSdk();
      const client = suite.clientOf(free);
      await expect(client.publishJSON({ url, body: {}, retries: 5 })).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining("maximum of 3"),
      });
      const within = await client.publishJSON({ url, body: {}, retries: 3, delay: "1h" });
      expect((await client.messages.get(within.messageId)).maxRetries).toBe(3);
    } finally {
      await free.stop();
    }
  });

  it("sends a 489 with Upstash-NonRetryable-Error straight to the DLQ after one attempt", async () => {
    const p = path("non-retryable");
    suite.dest.on(p, () => ({
      status: 489,
      headers: { "Upstash-NonRetryable-Error": "true" },
      body: "bad input",
    }));
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: {},
      retries: 5,
    });
    const { messages } = await when(async () => {
      const page = await suite.client.dlq.listMessages({ filter: { messageId } });
      return page.messages.length === 1 && page;
    });
    expect(messages[0]).toMatchObject({ responseStatus: 489, responseBody: "bad input" });
    expect(suite.dest.received(p)).toHaveLength(1);
    await suite.client.dlq.delete(messages[0].dlqId);
  });

  it("waits as long as Retry-After asks, and falls back to the default backoff beyond a day", async () => {
    const [asked, tooLong] = [path("retry-after"), path("retry-after-2d")];
    suite.dest.on(asked, (_r, nth) =>
      nth === 0 ? { status: 429, headers: { "Retry-After": "1" } } : {},
    );
    suite.dest.on(tooLong, () => ({ status: 503, headers: { "Retry-After": String(2 * 86_400) } }));
    await suite.client.publishJSON({ url: suite.dest.at(asked), body: {} });
    const { messageId } = await suite.client.publishJSON({ url: suite.dest.at(tooLong), body: {} });
    const [a0, a1] = await delivered(asked, 2);
    expect(a1.at - a0.at).toBeGreaterThanOrEqual(990); // 1 s, not the 12 s backoff
    expect(a1.at - a0.at).toBeLessThan(5_000);
    const retry = await retryLog(messageId);
    expect(retry.nextDeliveryTime! - retry.time).toBeLessThan(12_250); // the 12 s default, not 2 days
    await suite.client.messages.cancel(messageId);
  });

  it("uses an Upstash-Retry-Delay expression over `retried`", async () => {
    const p = path("retry-delay");
    suite.dest.on(p, (_r, nth) => (nth < 2 ? { status: 500 } : {}));
    await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: {},
      retryDelay: "max(200, pow(2, retried) * 200)",
    });
    const [r0, r1, r2] = await delivered(p, 3);
    expect(r1.at - r0.at).toBeGreaterThanOrEqual(195); // retried 0 → 200 ms
    expect(r2.at - r1.at).toBeGreaterThanOrEqual(395); // retried 1 → 400 ms
  });

  it("calls the success callback with the destination's answer, forwarding callback headers", async () => {
    const [p, cb] = [path("ok"), path("callback")];
    suite.dest.on(p, () => ({ status: 201, body: "done", headers: { "x-answer": "42" } }));
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { a: 1 },
      callback: suite.dest.at(cb),
      headers: { "Upstash-Callback-Forward-X-Bypass": "secret" },
    });
    const [callback] = await delivered(cb);
    await expect(
      receiver.verify({
        signature: signature(callback),
        body: callback.body,
        url: suite.dest.at(cb),
      }),
    ).resolves.toBe(true);
    expect(callback.headers["x-bypass"]).toBe("secret");
    const body = JSON.parse(callback.body);
    expect(body).toMatchObject({
      status: 201,
      body: b64("done"),
      retried: 0,
      maxRetries: 3,
      sourceMessageId: messageId,
      url: suite.dest.at(p),
    });
    expect(body.header["X-Answer"]).toEqual(["42"]);
    expect(body.dlqId).toBeUndefined();
  });

  it("aborts an attempt after Upstash-Timeout and retries it", async () => {
    const p = path("slow");
    suite.dest.on(p, (_r, nth) => (nth === 0 ? { delayMs: 3_000 } : {}));
    await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: {},
      timeout: 1,
      retries: 1,
      retryDelay: "100",
    });
    const [first, second] = await delivered(p, 2);
    expect(first.aborted).toBe(true);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_090); // the 1 s timeout, then the 100 ms retry delay
    expect(second.headers["upstash-retried"]).toBe("1");
    await suite.qstash.idle();
  });
});
