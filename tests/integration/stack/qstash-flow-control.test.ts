import type { FlowControl } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasRedisServer,
  startPrivateRedis,
  type PrivateRedis,
} from "../../helpers/qstash-redis.ts";
import { path, quietSdk, useQStashSuite, when } from "../../helpers/qstash-suite.ts";

/**
 * The flow-control management API (client.flowControl of @upstash/qstash 2.12) against the
 * stand-in, and what it does to deliveries: a paused key holds its messages, a pin overrides
 * what messages carry, resetRate opens a new period, and every figure reads as QStash reports it.
 */
const suite = useQStashSuite();
const fc = () => suite.client.flowControl;
let keySeq = 0;
const newKey = (name: string) => `${name}-${Date.now()}-${keySeq++}`;

/** A destination path whose deliveries wait until `open()`; returns the published ids. */
function heldPath(name: string) {
  const p = path(name);
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  suite.dest.on(p, async () => (await opened, {}));
  const publish = async (n: number, flowControl: FlowControl) => {
    const ids = [];
    for (let i = 0; i < n; i++)
      ids.push(
        (await suite.client.publishJSON({ url: suite.dest.at(p), body: { i }, flowControl }))
          .messageId,
      );
    return ids;
  };
  return { p, open: () => open(), publish };
}

describe("client.flowControl.get", () => {
  it("reports limits from the messages and live counts: in flight, started this period, waiting", async () => {
    const key = newKey("info");
    const held = heldPath("info");
    const started = Math.floor(Date.now() / 1000);
    await held.publish(3, { key, parallelism: 2, rate: 10, period: "1m" });
    const info = await when(async () => {
      const i = await fc().get(key);
      return i.parallelismCount === 2 && i;
    });
    expect(info).toEqual({
      flowControlKey: key,
      waitListSize: 1,
      parallelismMax: 2,
      parallelismCount: 2,
      rateMax: 10,
      rateCount: 2,
      ratePeriod: 60,
      ratePeriodStart: expect.any(Number),
      isPaused: false,
      isPinnedParallelism: false,
      isPinnedRate: false,
    });
    expect(info.ratePeriodStart).toBeGreaterThanOrEqual(started); // unix seconds
    held.open();
    await suite.delivered(held.p, 3);
    await when(async () => (await fc().get(key)).parallelismCount === 0);
  });

  it("answers 404 for a key nothing has used", async () => {
    quietSdk();
    await expect(fc().get(newKey("nobody"))).rejects.toMatchObject({ status: 404 });
  });
});

describe("pause and resume", () => {
  it("a paused key holds its deliveries in the waitlist, new ones join it, and resume releases them", async () => {
    const key = newKey("pause");
    const p = path("pause");
    await fc().pause(key);
    for (const i of [1, 2])
      await suite.client.publishJSON({
        url: suite.dest.at(p),
        body: { i },
        flowControl: { key, parallelism: 5 },
      });
    expect(await fc().get(key)).toMatchObject({
      isPaused: true,
      waitListSize: 2,
      parallelismCount: 0,
    });
    await suite.client.publishJSON({
      url: suite.dest.at(p),
      body: { i: 3 },
      flowControl: { key, parallelism: 5 },
    });
    expect(await fc().get(key)).toMatchObject({ waitListSize: 3 });
    expect(suite.dest.received(p)).toEqual([]);
    await fc().resume(key);
    expect((await suite.delivered(p, 3)).map((r) => JSON.parse(r.body).i)).toEqual([1, 2, 3]);
    expect(await fc().get(key)).toMatchObject({ isPaused: false, waitListSize: 0 });
  });
});

describe("pin and unpin", () => {
  it("pinned values override what later messages carry; unpinned ones stay until a message brings others", async () => {
    const key = newKey("pin");
    const held = heldPath("pin");
    await suite.client.publishJSON({
      url: "https://example.com/pin",
      body: {},
      delay: "1h",
      flowControl: { key, parallelism: 5, rate: 10, period: "1m" },
    });
    await fc().pin(key, { parallelism: 1, rate: 20, period: 120 });
    expect(await fc().get(key)).toMatchObject({
      parallelismMax: 1,
      rateMax: 20,
      ratePeriod: 120,
      isPinnedParallelism: true,
      isPinnedRate: true,
    });

    await held.publish(3, { key, parallelism: 5 });
    await when(async () => (await fc().get(key)).parallelismCount === 1);
    expect(await fc().get(key)).toMatchObject({ parallelismMax: 1, waitListSize: 2 });
    held.open();
    await suite.delivered(held.p, 3);
    expect(suite.dest.maxConcurrent(held.p)).toBe(1);

    await fc().unpin(key, { parallelism: true });
    expect(await fc().get(key)).toMatchObject({
      parallelismMax: 1,
      isPinnedParallelism: false,
      isPinnedRate: true,
    });
    await suite.client.publishJSON({
      url: "https://example.com/pin",
      body: {},
      delay: "1h",
      flowControl: { key, parallelism: 4, rate: 3 },
    });
    expect(await fc().get(key)).toMatchObject({ parallelismMax: 4, rateMax: 20, ratePeriod: 120 });
    await suite.client.messages.cancel({ filter: { flowControlKey: key } });
  });

  it("refuses a pin without values or with bad ones, and an unpin flag that is not a boolean (400)", async () => {
    quietSdk();
    const key = newKey("bad-pin");
    await expect(fc().pin(key, {})).rejects.toMatchObject({ status: 400 });
    await expect(fc().pin(key, { parallelism: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(fc().pin(key, { period: 10 })).rejects.toMatchObject({ status: 400 });
    await expect(fc().unpin(key, { rate: "yes" as never })).rejects.toMatchObject({ status: 400 });
  });
});

describe("resetRate", () => {
  it("clears the rate count and starts a new period now, so a message held by the rate goes", async () => {
    const key = newKey("reset");
    const p = path("reset");
    for (const i of [1, 2])
      await suite.client.publishJSON({
        url: suite.dest.at(p),
        body: { i },
        flowControl: { key, rate: 1, period: "1h" },
      });
    await suite.delivered(p, 1);
    expect(await fc().get(key)).toMatchObject({ rateCount: 1, waitListSize: 1 });
    await fc().pause(key);
    const before = Math.floor(Date.now() / 1000);
    await fc().resetRate(key);
    expect(await fc().get(key)).toMatchObject({
      rateCount: 0,
      ratePeriodStart: expect.toSatisfy((s: number) => s >= before),
    });
    await fc().resume(key);
    await suite.delivered(p, 2);
    expect(await fc().get(key)).toMatchObject({ rateCount: 1, waitListSize: 0 });
  });
});

describe("listing keys and global parallelism", () => {
  it("lists every key, or those whose name contains `search`", async () => {
    const stamp = newKey("list");
    for (const name of ["alpha", "beta"]) await fc().pause(`${stamp}-${name}`);
    const list = (search?: string) =>
      suite.client.http.request<Array<{ flowControlKey: string; isPaused: boolean }>>({
        method: "GET",
        path: ["v2", "flowControl"],
        query: { search },
      });
    expect((await list(stamp)).map((k) => k.flowControlKey)).toEqual([
      `${stamp}-alpha`,
      `${stamp}-beta`,
    ]);
    expect(await list(`${stamp}-al`)).toEqual([
      expect.objectContaining({ flowControlKey: `${stamp}-alpha`, isPaused: true }),
    ]);
    expect((await list()).length).toBeGreaterThanOrEqual(2);
  });

  it("reports the plan's global parallelism and bounds all deliveries by it", async () => {
    expect(await fc().getGlobalParallelism()).toEqual({ parallelismMax: 100, parallelismCount: 0 });
    const narrow = await suite.start({ globalParallelism: 1 });
    try {
      const client = suite.clientOf(narrow);
      const p = path("global");
      suite.dest.on(p, () => ({ delayMs: 50 }));
      await client.batchJSON([1, 2, 3].map((i) => ({ url: suite.dest.at(p), body: { i } })));
      await suite.delivered(p, 3);
      expect(suite.dest.maxConcurrent(p)).toBe(1);
      expect(await client.flowControl.getGlobalParallelism()).toMatchObject({ parallelismMax: 1 });
    } finally {
      await narrow.stop();
    }
  });
});

describe.skipIf(!hasRedisServer())("flow-control state across a restart", () => {
  let redis: PrivateRedis;
  beforeAll(async () => void (redis = await startPrivateRedis()));
  afterAll(async () => redis?.stop());

  it("a restarted stand-in keeps pauses and pins, and still holds the paused key's messages", async () => {
    const key = newKey("restart");
    const p = path("restart");
    const first = await suite.start({ redisUrl: redis.url });
    try {
      const before = suite.clientOf(first);
      await before.flowControl.pause(key);
      await before.flowControl.pin(key, { parallelism: 2 });
      await before.publishJSON({
        url: suite.dest.at(p),
        body: {},
        flowControl: { key, parallelism: 9 },
      });
    } finally {
      await first.stop();
    }
    const second = await suite.start({ redisUrl: redis.url });
    try {
      const after = suite.clientOf(second);
      expect(await after.flowControl.get(key)).toMatchObject({
        isPaused: true,
        isPinnedParallelism: true,
        parallelismMax: 2,
        waitListSize: 1,
      });
      expect(suite.dest.received(p)).toEqual([]);
      await after.flowControl.resume(key);
      await suite.delivered(p, 1);
    } finally {
      await second.stop();
    }
  });
});
