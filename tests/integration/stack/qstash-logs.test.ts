import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { b64, path, quietSdk, useQStashSuite, when } from "../../helpers/qstash-suite.ts";

/**
 * What the stand-in's logs, message and DLQ views show of a message, through the official SDK:
 * its header and body, as QStash's log entries carry them, and nothing of what the publisher
 * asked to redact (Upstash-Redact-Fields), while the destination still gets every original byte.
 */
const suite = useQStashSuite();
const redacted = (value: string) => `REDACTED:${createHash("sha256").update(value).digest("hex")}`;
const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");
const SECRET = "Bearer s3cr3t-downstream-token";
const BODY = JSON.stringify({ card: "4242 4242 4242 4242" });

const logsOf = (messageId: string) =>
  suite.client.logs({ messageIds: [messageId] }).then((r) => r.logs);
async function deadLetter(messageId: string) {
  const page = await when(async () => {
    const p = await suite.client.dlq.listMessages({ filter: { messageId } });
    return p.messages.length === 1 && p;
  });
  return page.messages[0];
}

describe("log events", () => {
  it("carry the message's header and body (base64), method and retries", async () => {
    const p = path("logged");
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { hello: "logs" },
      headers: { "x-trace": "abc" },
      retries: 2,
    });
    await suite.delivered(p);
    const logs = await when(async () => {
      const l = await logsOf(messageId);
      return l.some((e) => e.state === "DELIVERED") && l;
    });
    for (const event of logs) {
      expect(event).toMatchObject({
        messageId,
        body: b64('{"hello":"logs"}'),
        method: "POST",
        maxRetries: 2,
      });
      expect(event.header).toMatchObject({
        "X-Trace": ["abc"],
        "Content-Type": ["application/json"],
      });
    }
  });

  it("on ERROR carry the destination's status, headers and body", async () => {
    const p = path("logged-error");
    suite.dest.on(p, () => ({ status: 503, headers: { "x-why": "busy" }, body: "try later" }));
    const { messageId } = await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: {},
      retries: 0,
    });
    const error = await when(
      async () => (await logsOf(messageId)).find((e) => e.state === "ERROR") ?? false,
    );
    expect(error).toMatchObject({
      responseStatus: 503,
      responseBody: b64("try later"),
      responseHeaders: expect.objectContaining({ "X-Why": ["busy"] }),
    });
  });
});

describe("Upstash-Redact-Fields", () => {
  it("hides the body and a named header in the message, log and DLQ views; the destination gets the originals", async () => {
    const [p, pendingUrl] = [path("redacted"), "https://example.com/redacted-pending"];
    suite.dest.on(p, () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
    const redact = { body: true as const, header: ["Authorization"] };
    const headers = {
      authorization: SECRET,
      "x-visible": "yes",
      "content-type": "application/json",
    };
    const { messageId } = await suite.client.publish({
      url: suite.dest.at(p),
      body: BODY,
      headers,
      redact,
    });
    const pending = await suite.client.publish({
      url: pendingUrl,
      body: BODY,
      headers,
      redact,
      delay: "1h",
    });

    const [req] = await suite.delivered(p);
    expect([req.body, req.headers.authorization]).toEqual([BODY, SECRET]);

    const message = await suite.client.messages.get(pending.messageId);
    expect(message.body).toBe(redacted(BODY));
    expect(message.header).toMatchObject({
      Authorization: [redacted(SECRET)],
      "X-Visible": ["yes"],
    });
    const dead = await deadLetter(messageId);
    expect([dead.body, dead.header?.Authorization]).toEqual([redacted(BODY), [redacted(SECRET)]]);
    const logs = [...(await logsOf(messageId)), ...(await logsOf(pending.messageId))];
    expect(logs.map((e) => unb64(e.body!))).toEqual(logs.map(() => redacted(BODY)));
    for (const seen of [message, dead, logs]) {
      expect(JSON.stringify(seen)).not.toContain("s3cr3t");
      expect(JSON.stringify(seen)).not.toContain("4242");
    }
    await suite.client.messages.cancel(pending.messageId);
    await suite.client.dlq.delete(dead.dlqId);
  });

  it("`header: true` hides every header, and a DLQ retry delivers the originals while staying redacted", async () => {
    const p = path("redacted-all");
    suite.dest.on(p, (_r, nth) =>
      nth === 0 ? { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } } : {},
    );
    const { messageId } = await suite.client.publish({
      url: suite.dest.at(p),
      body: "plain",
      headers: { authorization: SECRET, "x-other": "o" },
      redact: { header: true },
    });
    const dead = await deadLetter(messageId);
    expect(
      Object.values(dead.header ?? {})
        .flat()
        .every((v) => v.startsWith("REDACTED:")),
    ).toBe(true);
    expect(dead.body).toBe("plain");
    const { responses } = await suite.client.dlq.retry(dead.dlqId);
    const [, again] = await suite.delivered(p, 2);
    expect(again.headers).toMatchObject({ authorization: SECRET, "x-other": "o" });
    const logs = await logsOf(responses[0].messageId);
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain("s3cr3t");
  });

  it("keeps a redacted message's body out of the logs of the callbacks about it", async () => {
    const [p, cb] = [path("redacted-cb"), path("redacted-cb-callback")];
    await suite.client.publish({
      url: suite.dest.at(p),
      body: BODY,
      redact: { body: true },
      callback: suite.dest.at(cb),
    });
    const [callback] = await suite.delivered(cb);
    expect(unb64(JSON.parse(callback.body).sourceBody)).toBe(BODY); // the callback itself is a delivery
    const logs = await suite.client.logs({ filter: { url: suite.dest.at(cb) } });
    expect(logs.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.logs.map((l) => unb64(l.body!)))).not.toContain("4242");
  });

  it("refuses a field QStash does not have (400)", async () => {
    quietSdk();
    const publish = suite.client.publish({
      url: suite.dest.at(path("bad-redact")),
      body: "x",
      headers: { "Upstash-Redact-Fields": "bodyy" },
    });
    await expect(publish).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("bodyy"),
    });
  });
});
