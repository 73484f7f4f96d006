import type { Schedule } from "@upstash/qstash";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import {
  hasRedisServer,
  startPrivateRedis,
  type PrivateRedis,
} from "../../helpers/qstash-redis.ts";
import type { Received } from "../../helpers/qstash-destination.ts";
import { path, quietSdk, signature, useQStashSuite, when } from "../../helpers/qstash-suite.ts";

/**
 * QStash schedules (client.schedules of @upstash/qstash 2.12) against the stand-in: what create,
 * get, list, pause, resume and delete answer, what is refused, that a schedule fires on the real
 * clock as a signed, logged, dead-lettered message like any other, and that schedules outlive a
 * restart when the stand-in has Redis.
 */
const suite = useQStashSuite();
const schedules = () => suite.client.schedules;
let idSeq = 0;
const newId = (name: string) => `${name}-${Date.now()}-${idSeq++}`;
/** Yearly, at midnight on 1 January: a schedule that does not fire while the suite runs. */
const YEARLY = "0 0 1 1 *";
const MINUTE = 60_000;

afterEach(async () => {
  for (const s of await schedules().list()) await schedules().delete(s.scheduleId);
});

describe("client.schedules.create and get", () => {
  it("answers { scheduleId }, and get shows what each firing will publish, in the Schedule type's fields", async () => {
    const before = Date.now();
    const { scheduleId } = await schedules().create({
      destination: "https://example.com/report?week=1",
      cron: `${YEARLY} `,
      body: JSON.stringify({ hello: "world" }),
      headers: { "test-header": "test-value" },
      method: "PUT",
      callback: "https://example.com/callback",
      failureCallback: "https://example.com/failure",
      delay: 10,
      retries: 5,
      retryDelay: "pow(retried, 2) * 1000",
      flowControl: { key: "reports", parallelism: 2, rate: 5, period: "1d" },
      label: ["weekly", "reports"],
    });
    expect(scheduleId).toMatch(/^scd_[A-Za-z0-9]{24}$/);
    const schedule = await schedules().get(scheduleId);
    expect(schedule).toEqual({
      scheduleId,
      cron: YEARLY,
      createdAt: expect.toSatisfy((t: number) => t >= before && t <= Date.now()),
      destination: "https://example.com/report?week=1",
      method: "PUT",
      header: { "Content-Type": ["application/json"], "Test-Header": ["test-value"] },
      body: '{"hello":"world"}',
      retries: 5,
      delay: 10,
      callback: "https://example.com/callback",
      failureCallback: "https://example.com/failure",
      callerIp: "127.0.0.1",
      callerIP: "127.0.0.1",
      isPaused: false,
      flowControlKey: "reports",
      parallelism: 2,
      rate: 5,
      ratePerSecond: 5,
      period: 86_400,
      retryDelayExpression: "pow(retried, 2) * 1000",
      label: "weekly",
      labels: ["weekly", "reports"],
      nextScheduleTime: Date.UTC(new Date().getUTCFullYear() + 1, 0, 1),
    } satisfies Schedule);
  });

  it("with a chosen id, creating again overwrites it: one schedule, the same id, the new settings", async () => {
    const id = newId("chosen");
    const first = await schedules().create({
      scheduleId: id,
      destination: "https://example.com/old",
      cron: YEARLY,
      body: "old payload",
      retries: 1,
    });
    expect(first).toEqual({ scheduleId: id });
    await schedules().pause({ schedule: id });
    const again = await schedules().create({
      scheduleId: id,
      destination: "https://example.com/new",
      cron: "0 12 * * MON-FRI",
    });
    expect(again).toEqual({ scheduleId: id });
    const all = await schedules().list();
    expect(all.map((s) => s.scheduleId)).toEqual([id]);
    // The old schedule is discarded, pause included: the new one starts afresh.
    expect(all[0]).toMatchObject({
      destination: "https://example.com/new",
      cron: "0 12 * * MON-FRI",
      retries: 3,
      isPaused: false,
    });
    expect(all[0].body).toBeUndefined();
  });

  it("lists every schedule, oldest first", async () => {
    const ids = [newId("a"), newId("b")];
    for (const id of ids)
      await schedules().create({
        scheduleId: id,
        destination: "https://example.com",
        cron: YEARLY,
      });
    expect((await schedules().list()).map((s) => s.scheduleId)).toEqual(ids);
  });

  it("keeps a CRON_TZ prefix as given and reads the fields in that zone", async () => {
    const cron = "CRON_TZ=America/New_York 0 4 * * *";
    const { scheduleId } = await schedules().create({ destination: "https://example.com", cron });
    const { cron: shown, nextScheduleTime } = await schedules().get(scheduleId);
    expect(shown).toBe(cron);
    const inNewYork = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
    });
    expect(inNewYork.format(nextScheduleTime)).toBe("04:00");
    expect(nextScheduleTime! - Date.now()).toBeLessThanOrEqual(25 * 3_600_000);
  });
});

describe("pause, resume and delete", () => {
  it("pause and resume set isPaused (a paused schedule has no next firing); repeating either is fine", async () => {
    const id = newId("pause");
    await schedules().create({ scheduleId: id, destination: "https://example.com", cron: YEARLY });
    await schedules().pause({ schedule: id });
    await schedules().pause({ schedule: id });
    expect(await schedules().get(id)).toMatchObject({ isPaused: true });
    expect((await schedules().get(id)).nextScheduleTime).toBeUndefined();
    await schedules().resume({ schedule: id });
    await schedules().resume({ schedule: id });
    expect(await schedules().get(id)).toMatchObject({
      isPaused: false,
      nextScheduleTime: expect.any(Number),
    });
  });

  it("delete removes it; get, delete, pause and resume of a missing schedule answer 404", async () => {
    quietSdk();
    const id = newId("gone");
    await schedules().create({ scheduleId: id, destination: "https://example.com", cron: YEARLY });
    await schedules().delete(id);
    expect(await schedules().list()).toEqual([]);
    const notFound = { status: 404, message: JSON.stringify({ error: "schedule not found" }) };
    await expect(schedules().get(id)).rejects.toMatchObject(notFound);
    await expect(schedules().delete(id)).rejects.toMatchObject(notFound);
    await expect(schedules().pause({ schedule: id })).rejects.toMatchObject(notFound);
    await expect(schedules().resume({ schedule: id })).rejects.toMatchObject(notFound);
    await expect(schedules().get("scd_never")).rejects.toMatchObject(notFound);
  });
});

describe("what create refuses (400), changing nothing", () => {
  it.each([
    ["61 * * * *", 'minute \\"61\\": outside 0-59'],
    ["* * * *", "expected 5 fields"],
    ["", "it is empty"],
    ["@hourly", "descriptors such as @hourly are not implemented"],
    ["CRON_TZ=Nowhere/Town 0 * * * *", 'unknown time zone \\"Nowhere/Town\\"'],
  ])(
    "a bad cron %j, saying what is wrong, and the schedule it would overwrite stays",
    async (cron, why) => {
      quietSdk();
      const id = newId("bad-cron");
      await schedules().create({
        scheduleId: id,
        destination: "https://example.com",
        cron: YEARLY,
      });
      const error = await schedules()
        .create({ scheduleId: id, destination: "https://example.com/other", cron })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400 });
      expect(String((error as Error).message)).toContain("Invalid cron expression");
      expect(String((error as Error).message)).toContain(why);
      expect(await schedules().list()).toEqual([
        expect.objectContaining({
          scheduleId: id,
          cron: YEARLY,
          destination: "https://example.com",
        }),
      ]);
    },
  );

  it("a destination that is not a full http(s) URL, a malformed id, a queue; and Upstash-Cron on a publish", async () => {
    quietSdk();
    const create = (over: Partial<Parameters<ReturnType<typeof schedules>["create"]>[0]>) =>
      schedules().create({ destination: "https://example.com", cron: YEARLY, ...over });
    await expect(create({ destination: "my-url-group" })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("full http(s) URLs only"),
    });
    await expect(create({ scheduleId: "not ok!" })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(
        "alphanumeric characters, hyphens, periods, and underscores",
      ),
    });
    await expect(create({ queueName: "nightly" })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("not implemented by the local QStash stand-in"),
    });
    await expect(
      suite.client.publish({
        url: "https://example.com",
        body: "x",
        headers: { "Upstash-Cron": "* * * * *" },
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("/v2/schedules") });
    expect(await schedules().list()).toEqual([]);
  });
});

describe("firing on the real clock", () => {
  it("* * * * * publishes at the next minute boundary: signed, with Upstash-Schedule-Id, logged, dead-lettered on failure; a paused one stays silent and resumes without making up the firing", {
    timeout: 90_000,
  }, async () => {
    const [ok, failing, paused] = [path("tick"), path("tick-fails"), path("tick-paused")];
    suite.dest.on(failing, () => ({
      status: 489,
      headers: { "Upstash-NonRetryable-Error": "true" },
      body: "no thanks",
    }));
    const ids = { ok: newId("tick"), failing: newId("fails"), paused: newId("paused") };
    const create = (scheduleId: string, p: string) =>
      schedules().create({
        scheduleId,
        destination: suite.dest.at(p),
        cron: "* * * * *",
        body: JSON.stringify({ from: scheduleId }),
        headers: { "x-trace": "scheduled" },
      });
    await create(ids.ok, ok);
    await create(ids.failing, failing);
    await create(ids.paused, paused);
    await schedules().pause({ schedule: ids.paused });
    const published = suite.qstash.stats().published;
    const boundary = (await schedules().get(ids.ok)).nextScheduleTime!;
    expect(boundary % MINUTE).toBe(0);
    expect(boundary - Date.now()).toBeLessThanOrEqual(MINUTE);

    const [delivery] = (await eventually(
      () => suite.dest.received(ok).length > 0 && suite.dest.received(ok),
      { timeoutMs: 75_000, intervalMs: 100 },
    )) as Received[];
    expect(delivery.at).toBeGreaterThanOrEqual(boundary);
    expect(delivery.at - boundary).toBeLessThan(5_000);
    expect(JSON.parse(delivery.body)).toEqual({ from: ids.ok });
    expect(delivery.headers).toMatchObject({
      "upstash-schedule-id": ids.ok,
      "upstash-message-id": expect.stringMatching(/^msg_/),
      "upstash-retried": "0",
      "x-trace": "scheduled",
      "content-type": "application/json",
    });
    await expect(
      suite.receiver.verify({
        signature: signature(delivery),
        body: delivery.body,
        url: suite.dest.at(ok),
      }),
    ).resolves.toBe(true);
    const messageId = String(delivery.headers["upstash-message-id"]);

    // The schedule reports its firing and how its message ended; the next is a minute on.
    expect(
      await when(async () => {
        const s = await schedules().get(ids.ok);
        return s.lastScheduleStates?.[messageId] === "SUCCESS" && s;
      }),
    ).toMatchObject({
      lastScheduleTime: expect.toSatisfy((t: number) => t >= boundary && t <= delivery.at),
      nextScheduleTime: boundary + MINUTE,
      lastScheduleStates: { [messageId]: "SUCCESS" },
    });
    const logs = (await suite.client.logs({ filter: { scheduleId: ids.ok } })).logs;
    expect(logs.map((l) => [l.state, l.messageId])).toEqual(
      expect.arrayContaining([
        ["CREATED", messageId],
        ["DELIVERED", messageId],
      ]),
    );
    for (const log of logs) expect(log).toMatchObject({ scheduleId: ids.ok });

    // The failing schedule's message went to the DLQ like any other, its schedule id with it.
    const dead = await when(async () => {
      const page = await suite.client.dlq.listMessages({ filter: { scheduleId: ids.failing } });
      return page.messages.length === 1 && page.messages[0];
    });
    expect(dead).toMatchObject({ scheduleId: ids.failing, responseStatus: 489 });
    expect(
      await when(async () => {
        const s = await schedules().get(ids.failing);
        return Object.values(s.lastScheduleStates ?? {})[0] === "FAIL" && s;
      }),
    ).toMatchObject({ lastScheduleStates: { [dead.messageId]: "FAIL" } });

    // The paused schedule published nothing at the boundary the others fired at.
    expect(suite.qstash.stats().published - published).toBe(2);
    expect(suite.dest.received(paused)).toEqual([]);
    await schedules().resume({ schedule: ids.paused });
    const resumed = await schedules().get(ids.paused);
    expect(resumed.lastScheduleTime).toBeUndefined();
    expect(resumed.nextScheduleTime).toBe(boundary + MINUTE);
    expect(suite.qstash.stats().published - published).toBe(2);
  });
});

describe.skipIf(!hasRedisServer())("schedules across a restart", () => {
  let redis: PrivateRedis;
  beforeAll(async () => void (redis = await startPrivateRedis()));
  afterAll(async () => redis?.stop());

  /** Runs `fn` against a stand-in on the private Redis, then stops it. */
  async function withStandIn<T>(fn: (client: typeof suite.client) => Promise<T>): Promise<T> {
    const dev = await suite.start({ redisUrl: redis.url });
    try {
      return await fn(suite.clientOf(dev));
    } finally {
      await dev.stop();
    }
  }

  it("a restarted stand-in has the same schedules, paused or not, and every change made to them", async () => {
    const [yearly, weekdays] = [newId("kept"), newId("kept-paused")];
    const before = await withStandIn(async (client) => {
      await client.schedules.create({
        scheduleId: yearly,
        destination: "https://example.com/yearly",
        cron: YEARLY,
        body: JSON.stringify({ keep: true }),
        retries: 2,
      });
      await client.schedules.create({
        scheduleId: weekdays,
        destination: "https://example.com/weekdays",
        cron: "CRON_TZ=Europe/Paris 30 8 * * MON-FRI",
      });
      await client.schedules.pause({ schedule: weekdays });
      return client.schedules.list();
    });
    expect(before.map((s) => [s.scheduleId, s.isPaused])).toEqual([
      [yearly, false],
      [weekdays, true],
    ]);
    await withStandIn(async (client) => {
      expect(await client.schedules.list()).toEqual(before);
      await client.schedules.resume({ schedule: weekdays });
      await client.schedules.delete(yearly);
    });
    await withStandIn(async (client) => {
      expect(await client.schedules.list()).toEqual([
        expect.objectContaining({
          scheduleId: weekdays,
          isPaused: false,
          nextScheduleTime: expect.any(Number),
        }),
      ]);
      await client.schedules.delete(weekdays);
    });
  });
});
