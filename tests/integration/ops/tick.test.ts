import { randomBytes } from "node:crypto";
import { Client } from "@upstash/qstash";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createJob } from "@/lib/jobs/store";
import { runMaintenance } from "@/lib/ops/maintenance";
import { ensureMaintenanceSchedule, syncMaintenanceSchedule, TICK_CRON } from "@/lib/ops/schedule";
import type { Health } from "@/lib/ops/types";
import { keys } from "@/lib/redis/keys";
import { eventually } from "../../helpers/eventually.ts";
import { SHORT_LISTING } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { signDelivery } from "../../helpers/qstash-jwt.ts";
import { jobFields, testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";

const MAX_AGE_MS = 600_000;
const stack = useTestStack({
  env: { OPS_SCHEDULE: "on", JOB_STALE_MS: "1000", JOB_MAX_AGE_MS: String(MAX_AGE_MS) },
});
const SCHEDULE_ID = "tabsafe-maintenance";
const tickUrl = () => `${stack.app.url}/api/ops/tick`;
const sdk = () => new Client({ baseUrl: stack.qstash.url, token: process.env.QSTASH_TOKEN! });
const tickRecord = async () =>
  (await testRedis().hgetall(`${stack.prefix}ops:tick`)) as unknown as string[] | null;
const field = (pairs: string[] | null, name: string) => {
  const i = (pairs ?? []).indexOf(name);
  return i >= 0 && i % 2 === 0 ? pairs![i + 1] : undefined;
};

/** A queued job written through the store and never published: its message is lost. */
async function strandedJob(ageMs: number): Promise<string> {
  const id = randomBytes(8).toString("hex");
  const outcome = await createJob({
    id,
    owner: `v_${randomBytes(6).toString("hex")}`,
    subject: SHORT_LISTING,
    analysisType: "business_analysis",
    input: { listingId: SHORT_LISTING },
    params: { perspective: "buyer" },
    createdAt: Date.now() - ageMs,
    timeoutMs: 300_000,
    dedupeKey: keys.jobByIdentity("business_analysis", randomBytes(8).toString("hex")),
    cacheKey: "",
  });
  expect(outcome).toMatchObject({ job: { id, status: "queued" } });
  return id;
}

afterEach(() => vi.restoreAllMocks());

describe("POST /api/ops/tick refuses what QStash did not sign, once", () => {
  it("an unsigned or forged tick is a 401 and changes nothing; a replayed signed tick is a 401", async () => {
    const id = await strandedJob(5_000);
    const unsigned = await fetch(tickUrl(), { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    const forged = await signDelivery({ key: "sig_not_the_key", url: tickUrl(), body: "{}" });
    const forgedAnswer = await fetch(tickUrl(), {
      method: "POST",
      headers: { "upstash-signature": forged },
      body: "{}",
    });
    expect(forgedAnswer.status).toBe(401);
    expect(await forgedAnswer.json()).toEqual({
      error: { code: "unauthorized:signature", message: "The QStash signature is not valid." },
    });
    expect((await tickRecord()) ?? []).toEqual([]);
    expect((await jobFields(stack.prefix, id)).revives).toBeUndefined();

    const genuine = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: tickUrl(),
      body: "{}",
    });
    const send = () =>
      fetch(tickUrl(), { method: "POST", headers: { "upstash-signature": genuine }, body: "{}" });
    const first = await send();
    expect(first.status).toBe(200);
    const at = field(await tickRecord(), "at");
    expect(at).toBeDefined();
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(field(await tickRecord(), "at")).toBe(at);
  });
});

describe("a tick delivered by QStash", () => {
  it("revives a job whose message was lost, fails one past its age bound, and records what it did", async () => {
    const stranded = await strandedJob(5_000);
    const tooOld = await strandedJob(MAX_AGE_MS + 60_000);
    const { messageId } = await sdk().publishJSON({ url: tickUrl(), body: {}, retries: 0 });
    const record = await eventually(
      async () => {
        const r = await tickRecord();
        return field(r, "messageId") === messageId ? r : null;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(Number(field(record, "revived"))).toBeGreaterThanOrEqual(1);
    expect(Number(field(record, "failed"))).toBeGreaterThanOrEqual(1);
    expect((await jobFields(stack.prefix, tooOld)).status).toBe("failed");
    expect(JSON.parse((await jobFields(stack.prefix, tooOld)).error).code).toBe("max_age");
    expect((await jobFields(stack.prefix, stranded)).revives).toBe("1");
    // Revived means published again: the consume route runs it to the end.
    await eventually(async () => (await jobFields(stack.prefix, stranded)).status === "succeeded", {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
  });

  it("moves an alert rule with nobody reading /ops: a message in the DLQ fires dlq_not_empty", async () => {
    // A signed consume message that is no consume message: 489, straight to the DLQ.
    await sdk().publishJSON({
      url: `${stack.app.url}/api/analysis/consume`,
      body: { not: "a job" },
      retries: 0,
    });
    await eventually(async () => (await sdk().dlq.listMessages()).messages.length > 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const outcome = await runMaintenance();
    expect(outcome).toMatchObject({ ran: true, summary: { dlq: 1 } });
    if (!outcome.ran) return;
    expect(outcome.summary.activeAlerts).toContain("dlq_not_empty");
    expect(outcome.summary.alertsChanged).toBeGreaterThanOrEqual(1);
    const history = (await testRedis().lrange(`${stack.prefix}alerts:history`, 0, -1)).map(
      (e) => JSON.parse(e) as { rule: string; state: string },
    );
    expect(history).toContainEqual(
      expect.objectContaining({ rule: "dlq_not_empty", state: "active" }),
    );
    // The next tick finds nothing new to change.
    expect(await runMaintenance()).toMatchObject({ ran: true, summary: { alertsChanged: 0 } });
  });

  it("two ticks at once: one sweeps, the other answers skipped; the lock is released after", async () => {
    const id = await strandedJob(5_000);
    const outcomes = await Promise.all([runMaintenance(), runMaintenance()]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ran)).toEqual([
      { ran: false, skipped: "another tick is running" },
    ]);
    expect((await jobFields(stack.prefix, id)).revives).toBe("1");
    expect(await testRedis().exists(`${stack.prefix}ops:tick:lock`)).toBe(0);
    expect((await runMaintenance()).ran).toBe(true);
  });

  it("costs a handful of Redis commands when there is nothing to sweep and no alert moves", async () => {
    await eventually(async () => {
      const live = await testRedis().zcard(`${stack.prefix}jobs:active`);
      return live === 0;
    });
    await runMaintenance();
    const before = stack.redis.stats().commands;
    const outcome = await runMaintenance();
    const commands = stack.redis.stats().commands - before;
    expect(outcome).toMatchObject({ ran: true, summary: { candidates: 0, alertsChanged: 0 } });
    // SET NX (lock), the live index, the metric buckets, alerts:state, today's budget, FINISH_TICK.
    expect(commands).toBe(6);
  });

  it("health shows the schedule and the last tick, and a tick seen recently keeps it healthy", async () => {
    const health = await new Operator(stack.app.url).get<Health>("/api/ops/health");
    expect(health.checks.schedule).toMatchObject({
      enabled: true,
      scheduleId: SCHEDULE_ID,
      cron: TICK_CRON,
      error: null,
      lastTick: { at: expect.any(Number), candidates: 0 },
    });
    expect(health.reasons.join(" ")).not.toContain("Maintenance schedule");
  });
});

describe("the maintenance schedule", () => {
  const schedules = () => sdk().schedules;
  /** The schedule API calls made through fetch from now on (the app's SDK client, and ours). */
  const qstashScheduleCalls = () => {
    const spy = vi.spyOn(globalThis, "fetch");
    const from = spy.mock.calls.length;
    return () =>
      spy.mock.calls
        .slice(from)
        .filter(([input]) =>
          String(input instanceof Request ? input.url : input).includes("/v2/schedules"),
        );
  };

  it("is made sure of once per process: one schedule, and a second ensure asks QStash nothing", async () => {
    // (health, read above, already ensured it in this process: the memo holds since.)
    const calls = qstashScheduleCalls();
    expect(await ensureMaintenanceSchedule()).toBe("created");
    expect(await ensureMaintenanceSchedule()).toBe("created");
    expect(calls()).toHaveLength(0);
    const all = await schedules().list();
    expect(all.map((s) => [s.scheduleId, s.destination, s.cron, s.isPaused])).toEqual([
      [SCHEDULE_ID, tickUrl(), TICK_CRON, false],
    ]);
    // Unmemoized, a schedule that is already right costs one get and no create.
    const createdAt = all[0].createdAt;
    const direct = qstashScheduleCalls();
    expect(await syncMaintenanceSchedule()).toBe("unchanged");
    expect(direct().map(([, init]) => init?.method ?? "GET")).toEqual(["GET"]);
    expect((await schedules().get(SCHEDULE_ID)).createdAt).toBe(createdAt);
  });

  it("a changed destination or cron is put back", async () => {
    await schedules().create({
      scheduleId: SCHEDULE_ID,
      destination: "https://example.com/elsewhere",
      cron: "0 0 1 1 *",
    });
    expect(await syncMaintenanceSchedule()).toBe("updated");
    expect(await schedules().get(SCHEDULE_ID)).toMatchObject({
      destination: tickUrl(),
      cron: TICK_CRON,
      retries: 1,
      isPaused: false,
    });
    expect(await schedules().list()).toHaveLength(1);
  });

  it("a schedule an operator paused stays paused, also when its settings are put back", async () => {
    await schedules().pause({ schedule: SCHEDULE_ID });
    expect(await syncMaintenanceSchedule()).toBe("paused");
    expect(await schedules().get(SCHEDULE_ID)).toMatchObject({ isPaused: true });
    await schedules().create({
      scheduleId: SCHEDULE_ID,
      destination: "https://example.com/elsewhere",
      cron: "0 0 1 1 *",
    });
    await schedules().pause({ schedule: SCHEDULE_ID });
    expect(await syncMaintenanceSchedule()).toBe("updated");
    expect(await schedules().get(SCHEDULE_ID)).toMatchObject({
      destination: tickUrl(),
      isPaused: true,
    });
  });

  it("fires on the real clock: its first tick reaches the route and is recorded with its schedule id", {
    timeout: 90_000,
  }, async () => {
    await schedules().delete(SCHEDULE_ID);
    expect(await syncMaintenanceSchedule()).toBe("created");
    const record = await eventually(
      async () => {
        const r = await tickRecord();
        return field(r, "scheduleId") === SCHEDULE_ID ? r : null;
      },
      { timeoutMs: 75_000, intervalMs: 500 },
    );
    expect(field(record, "messageId")).toMatch(/^msg_/);
  });
});
