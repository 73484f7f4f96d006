import { describe, expect, it } from "vitest";
import { path, quietSdk, useQStashSuite, when } from "../../helpers/qstash-suite.ts";

/**
 * The filters of the stand-in's list and bulk endpoints, through the official SDK: what QStash
 * accepts selects as QStash selects, and what it does not know is a 400 that touches nothing —
 * a typo on a bulk delete must never widen into "delete everything".
 */
const suite = useQStashSuite();
/** The SDK's types refuse unknown filter fields; plain JS (or a cast, as here) still sends them. */
const typo = (filter: Record<string, unknown>) => ({ filter }) as never;
const pending = (url: string, more: Record<string, unknown> = {}) =>
  suite.client.publishJSON({ url, body: {}, delay: "1h", ...more });
const stillThere = async (messageId: string) =>
  (await suite.client.messages.get(messageId)).messageId === messageId;

async function deadLetters(label: string, n: number) {
  const p = path(label);
  suite.dest.on(p, () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }));
  for (let i = 0; i < n; i++)
    await suite.client.publishJSON({ url: suite.dest.at(p), body: { i }, label });
  return when(async () => {
    const page = await suite.client.dlq.listMessages({ filter: { label } });
    return page.messages.length === n && page.messages;
  });
}

describe("an unknown filter is a 400 and changes nothing", () => {
  it("on the DLQ: list, bulk delete and bulk retry refuse `labeel`, and every entry stays", async () => {
    quietSdk();
    await deadLetters("dlq-typo", 2);
    await expect(suite.client.dlq.delete(typo({ labeel: "dlq-typo" }))).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("labeel"),
    });
    await expect(suite.client.dlq.retry(typo({ labeel: "dlq-typo" }))).rejects.toMatchObject({
      status: 400,
    });
    await expect(suite.client.dlq.listMessages(typo({ labeel: "dlq-typo" }))).rejects.toMatchObject(
      { status: 400 },
    );
    expect(
      (await suite.client.dlq.listMessages({ filter: { label: "dlq-typo" } })).messages,
    ).toHaveLength(2);
    expect((await suite.client.dlq.delete({ filter: { label: "dlq-typo" } })).deleted).toBe(2);
  });

  it("on the DLQ, host and path are unknown too (only cancel and logs filter by them)", async () => {
    quietSdk();
    await expect(suite.client.dlq.delete(typo({ host: "127.0.0.1" }))).rejects.toMatchObject({
      status: 400,
    });
    await expect(suite.client.dlq.listMessages(typo({ path: "/x" }))).rejects.toMatchObject({
      status: 400,
    });
  });

  it("on a bulk cancel: `lable` cancels nothing", async () => {
    quietSdk();
    const { messageId } = await pending("https://example.com/typo", { label: "keep-me" });
    await expect(suite.client.messages.cancel(typo({ lable: "keep-me" }))).rejects.toMatchObject({
      status: 400,
    });
    expect(await stillThere(messageId)).toBe(true);
    await suite.client.messages.cancel(messageId);
  });

  it("on the logs, and so are values of the wrong kind", async () => {
    quietSdk();
    await expect(suite.client.logs(typo({ stat: "DELIVERED" }))).rejects.toMatchObject({
      status: 400,
    });
    await expect(suite.client.logs(typo({ state: "DONE" }))).rejects.toMatchObject({ status: 400 });
    await expect(suite.client.logs(typo({ fromDate: "yesterday" }))).rejects.toMatchObject({
      status: 400,
    });
  });
});

describe("bulk cancel", () => {
  it("takes every match in one call: the count the SDK sends (100 by default, or 1) is ignored, as QStash ignores it", async () => {
    const label = `count-${Date.now()}`;
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await pending(`https://example.com/count/${i}`, { label })).messageId);
    expect(await suite.client.messages.cancel({ filter: { label }, count: 1 })).toEqual({
      cancelled: 3,
    });
    quietSdk();
    for (const id of ids)
      await expect(suite.client.messages.get(id)).rejects.toMatchObject({ status: 404 });
  });

  it("selects by host, path, url, label and flow-control key: OR within a filter, AND across filters", async () => {
    const stamp = Date.now();
    const [a, b, c] = [
      `https://example.com/a-${stamp}`,
      `https://example.org/b-${stamp}`,
      `https://example.org/c-${stamp}`,
    ];
    const ma = await pending(a, { label: "x" });
    const mb = await pending(b, {
      label: "x",
      flowControl: { key: `fc-${stamp}`, parallelism: 1 },
    });
    const mc = await pending(c, { label: "y" });
    expect(
      await suite.client.messages.cancel({ filter: { host: "example.org", label: "x" } }),
    ).toEqual({ cancelled: 1 });
    expect(await stillThere(ma.messageId)).toBe(true);
    expect(await stillThere(mc.messageId)).toBe(true);
    expect(
      await suite.client.messages.cancel({ filter: { flowControlKey: `fc-${stamp}` } }),
    ).toEqual({ cancelled: 0 }); // mb is gone
    expect(
      await suite.client.messages.cancel({ filter: { path: [`/a-${stamp}`, `/c-${stamp}`] } }),
    ).toEqual({ cancelled: 2 });
    quietSdk();
    await expect(suite.client.messages.get(mb.messageId)).rejects.toMatchObject({ status: 404 });
  });
});

describe("logs filters", () => {
  it("honour host, path, url, label, state (IN_PROGRESS too), messageIds and the date range", async () => {
    const stamp = Date.now();
    const from = Date.now();
    const com = await pending(`https://example.com/logs-${stamp}`, { label: `l-${stamp}` });
    const org = await pending(`https://example.org/logs-${stamp}`);
    const ids = (logs: Array<{ messageId: string }>) =>
      [...new Set(logs.map((l) => l.messageId))].sort();
    const logs = async (filter: Parameters<typeof suite.client.logs>[0]) =>
      ids((await suite.client.logs(filter)).logs);
    expect(await logs({ filter: { host: "example.org", fromDate: from } })).toEqual([
      org.messageId,
    ]);
    expect(await logs({ filter: { path: `/logs-${stamp}` } })).toEqual(
      [com.messageId, org.messageId].sort(),
    );
    expect(await logs({ filter: { url: `https://example.com/logs-${stamp}` } })).toEqual([
      com.messageId,
    ]);
    expect(await logs({ filter: { label: `l-${stamp}`, state: "CREATED" } })).toEqual([
      com.messageId,
    ]);
    expect(await logs({ filter: { path: `/logs-${stamp}`, state: "IN_PROGRESS" } })).toEqual([]);
    expect(await logs({ messageIds: [org.messageId] })).toEqual([org.messageId]);
    expect(await logs({ filter: { path: `/logs-${stamp}`, toDate: from - 1 } })).toEqual([]);
    await suite.client.messages.cancel([com.messageId, org.messageId]);
    expect(await logs({ filter: { path: `/logs-${stamp}`, state: "CANCELED" } })).toEqual(
      [com.messageId, org.messageId].sort(),
    );
  });
});
