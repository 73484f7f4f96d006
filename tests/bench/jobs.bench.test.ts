import { afterAll, beforeAll, expect, it } from "vitest";
import { chunkText } from "@/lib/kinds/chunk";
import { catalog } from "@/lib/listings/catalog";
import { runMaintenance } from "@/lib/ops/maintenance";
import { eventually } from "../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../helpers/jobs.ts";
import { startTestStack, type TestStack } from "../helpers/stack.ts";
import { Operator } from "../helpers/operator.ts";
import { Visitor, type JobView } from "../helpers/visitor.ts";
import OpenAI from "openai";
import { report, type Row } from "./report.ts";

/**
 * `npm run bench`: the job engine's costs and latencies, measured in one run on the local stack.
 * Commands are counted where Upstash bills them: at the Redis REST endpoint (one EVALSHA is one
 * command, whatever the script does inside). Latencies vary with the machine; compare ratios.
 */
let stack: TestStack;
const row = (r: Row) =>
  report("job engine (local stack; commands counted at the Redis REST endpoint)", r);
beforeAll(async () => {
  // The operator door as shipped: a Bearer request also checks its address is not locked out.
  stack = await startTestStack({ env: { OPS_AUTH_LIMIT: "5/60", OPS_LOCKOUT: "20/900" } });
  // Warm-up: the first use of each Lua script costs an extra EVAL after EVALSHA's NOSCRIPT
  // (once per Redis, not per job); measure the steady state.
  const visitor = new Visitor(stack.app.url);
  const { body } = await visitor.start({
    listingId: SHORT_LISTING,
    analysisType: "risk_assessment",
    params: { riskTolerance: "high" },
  });
  await waitForStatus(visitor, body.job.id, ["succeeded"]);
  await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
});
afterAll(async () => {
  await stack?.stop();
});

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ];
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function measure(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * What one job started by `visitor` costs: its Redis commands and round trips and its QStash
 * messages, from its start to its end. The end is awaited through Redis-free means (the QStash
 * stand-in going idle), so only the job's own commands are counted; it must succeed.
 */
async function jobCost(visitor: Visitor, start: Parameters<Visitor["start"]>[0]) {
  const { commands, requests } = stack.redis.stats();
  const published = stack.qstash.stats().published;
  const { body } = await visitor.start(start);
  await stack.qstash.idle();
  const used = stack.redis.stats().commands - commands;
  const trips = stack.redis.stats().requests - requests;
  const messages = stack.qstash.stats().published - published;
  const job = await waitForStatus(visitor, body.job.id, ["succeeded"]);
  expect(job.status).toBe("succeeded");
  return { used, trips, messages, job };
}

it("Redis commands and QStash messages per job, by number of steps", async () => {
  for (const listingId of [SHORT_LISTING, LONG_LISTING]) {
    const steps = chunkText(catalog.find((l) => l.id === listingId)!.text).length + 4;
    const visitor = new Visitor(stack.app.url);
    await visitor.request("/api/listings");
    const { used, trips, messages } = await jobCost(visitor, {
      listingId,
      analysisType: "business_analysis",
    });
    // Ops metrics (started, queue wait, ending, duration, tokens, cost) are counted inside these
    // same scripts: one round trip per command, nothing added for them.
    row([
      `Redis commands / round trips per job (${steps} steps, ops metrics included)`,
      `${used} / ${trips}`,
      `≤ ${3 + 2 * steps}, round trips = commands`,
    ]);
    expect(trips).toBe(used);
    row([`QStash messages per job (${steps} steps)`, String(messages), "1 (+1 per continuation)"]);
    expect(used).toBeLessThanOrEqual(3 + 2 * steps);
    expect(messages).toBe(1);
  }
});

it("Redis commands and QStash messages per conversation job (the second kind, same engine)", async () => {
  const visitor = new Visitor(stack.app.url);
  const lines = Array.from(
    { length: 120 },
    (_, i) => `${i % 2 ? "Customer" : "Agent"}: turn ${i} about the late parcel and the refund.`,
  );
  const form = new FormData();
  form.set("file", new Blob([lines.join("\n")], { type: "text/plain" }), "call.txt");
  const before = stack.redis.stats().commands;
  const upload = await visitor.request("/api/conversations", { method: "POST", body: form });
  expect(upload.status).toBe(201);
  const uploadCommands = stack.redis.stats().commands - before;
  const { conversation } = (await upload.json()) as { conversation: { id: string } };
  const { used, trips, messages, job } = await jobCost(visitor, {
    analysisType: "conversation_analysis",
    input: { conversationId: conversation.id },
  });
  const steps = job.step?.total ?? 0;
  row([
    `Redis commands / round trips per conversation job (${steps} steps)`,
    `${used} / ${trips}`,
    `≤ ${3 + 2 * steps}, round trips = commands`,
  ]);
  row(["QStash messages per conversation job", String(messages), "1 (+1 per continuation)"]);
  row([
    "Redis commands per conversation upload (limits, quota + store)",
    String(uploadCommands),
    "—",
  ]);
  expect(trips).toBe(used);
  expect(used).toBeLessThanOrEqual(3 + 2 * steps);
  expect(messages).toBe(1);
});

it("Redis commands per job while streaming (partial-output writes at most every 500 ms)", async () => {
  stack.openai.setKnobs({ latencyMsPerToken: 10 });
  try {
    const visitor = new Visitor(stack.app.url);
    await visitor.request("/api/listings");
    const commands = stack.redis.stats().commands;
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    await stack.qstash.idle();
    const used = stack.redis.stats().commands - commands;
    const job = await waitForStatus(visitor, body.job.id, ["succeeded"]);
    const seconds =
      ((job as JobView & { finishedAt: number; startedAt: number }).finishedAt -
        (job as JobView & { startedAt: number }).startedAt) /
      1000;
    // Partial output is written at most every 500 ms while a stream runs: that part scales with
    // streaming time, not with steps, and is what keeps cancel fast and the lease alive.
    const budget = 3 + 2 * (job.step?.total ?? 0) + Math.floor(seconds / 0.5);
    row([
      `Redis commands per job, streaming 10 ms/token (${job.step?.total} steps, ${seconds.toFixed(1)} s)`,
      String(used),
      `≤ ${budget} (steps + 1 per 500 ms streamed)`,
    ]);
    expect(used).toBeLessThanOrEqual(budget);
  } finally {
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  }
});

it("Redis commands per status poll, and status route latency", async () => {
  const visitor = new Visitor(stack.app.url);
  const { body } = await visitor.start({
    listingId: SHORT_LISTING,
    analysisType: "risk_assessment",
  });
  await waitForStatus(visitor, body.job.id, ["succeeded"]);
  const before = stack.redis.stats();
  const times = await measure(200, () => visitor.status(body.job.id));
  const perPoll = (stack.redis.stats().commands - before.commands) / 200;
  const tripsPerPoll = (stack.redis.stats().requests - before.requests) / 200;
  // One script (POLL_JOB) reads the job, records the visit, and carries the poll counts and API
  // timings gathered in memory when due: no second command, not even every 10 s.
  row([
    "Redis commands / round trips per status poll (ops counters and visitor analytics included)",
    `${perPoll.toFixed(3)} / ${tripsPerPoll.toFixed(3)}`,
    "1 / 1",
  ]);
  row(["status route p50 / p95", `${ms(pct(times, 50))} / ${ms(pct(times, 95))}`, "—"]);
  expect(tripsPerPoll).toBe(1);
  expect(perPoll).toBe(1);
});

it("Redis commands per /ops refresh (overview over 1 h and 24 h)", async () => {
  const ops = new Operator(stack.app.url);
  for (const window of [60, 1440]) {
    await ops.get(`/api/ops/overview?window=${window}`);
    const before = stack.redis.stats();
    const times = await measure(20, () => ops.get(`/api/ops/overview?window=${window}`));
    const used = (stack.redis.stats().commands - before.commands) / 20;
    row([
      `Redis commands per /ops overview refresh (${window} min window)`,
      used.toFixed(1),
      "a handful, independent of the window",
    ]);
    row([`/ops overview p50 (${window} min window)`, ms(pct(times, 50)), "—"]);
    // 6 before the alert history carried its webhook deliveries (one read-only script more).
    expect(used).toBeLessThanOrEqual(7);
  }
});

it("Redis commands and QStash API calls per /ops refresh (overview, health, flow panel)", async () => {
  const ops = new Operator(stack.app.url);
  // What the overview page asks every 5 s: its three panels' routes, at once as the browser does.
  const panels = {
    overview: () => ops.get("/api/ops/overview?window=60"),
    health: () => ops.request("/api/ops/health"),
    flow: () => ops.get("/api/ops/flow"),
  };
  const refresh = () => Promise.all(Object.values(panels).map((read) => read()));
  await refresh();
  const cost = async (fn: () => Promise<unknown>, n = 20) => {
    const commands = stack.redis.stats().commands;
    const calls = stack.qstash.apiCalls();
    for (let i = 0; i < n; i++) await fn();
    const after = stack.qstash.apiCalls();
    const qstash = Object.keys(after).reduce((sum, k) => sum + after[k] - (calls[k] ?? 0), 0);
    return { redis: (stack.redis.stats().commands - commands) / n, qstash: qstash / n };
  };
  const each = {
    overview: await cost(panels.overview),
    health: await cost(panels.health),
    flow: await cost(panels.flow),
  };
  const whole = await cost(refresh);
  const f = (c: { redis: number; qstash: number }) =>
    `${c.redis.toFixed(1)} / ${c.qstash.toFixed(1)}`;
  row([
    "Redis commands / QStash API calls per whole /ops refresh (overview + health + flow panel)",
    `${f(whole)} (overview ${f(each.overview)}, health ${f(each.health)}, flow ${f(each.flow)})`,
    "a handful / flow: 1 per key + 1, health: 1 more",
  ]);
  // The flow panel costs the operator check in Redis and QStash calls only (one per key, one
  // for the account); health asks QStash for the key beside the DLQ, in no extra Redis command.
  expect(each.flow).toEqual({ redis: 1, qstash: 2 });
  expect(each.health.qstash).toBe(2);
  expect(each.overview.qstash).toBe(1);
  expect(whole.redis).toBeLessThanOrEqual(16);
  expect(whole.qstash).toBe(5);
});

it("Redis commands and QStash API calls per maintenance tick with nothing to do", async () => {
  await runMaintenance();
  const commands = stack.redis.stats().commands;
  const calls = stack.qstash.apiCalls();
  const n = 10;
  for (let i = 0; i < n; i++) expect(await runMaintenance()).toMatchObject({ ran: true });
  const after = stack.qstash.apiCalls();
  const qstash = Object.keys(after).reduce((sum, k) => sum + after[k] - (calls[k] ?? 0), 0) / n;
  const redis = (stack.redis.stats().commands - commands) / n;
  row([
    "Redis commands / QStash API calls per maintenance tick, nothing to sweep (+1 QStash message a minute: the schedule's delivery)",
    `${redis.toFixed(1)} / ${qstash.toFixed(1)}`,
    "a handful / the DLQ read",
  ]);
  expect(redis).toBeLessThanOrEqual(6);
  expect(qstash).toBe(1);
});

it("Redis commands per /ops visitors panel refresh (30 and 90 days)", async () => {
  const ops = new Operator(stack.app.url);
  for (const days of [30, 90]) {
    await ops.get(`/api/ops/visitors?days=${days}`);
    const before = stack.redis.stats();
    const times = await measure(20, () => ops.get(`/api/ops/visitors?days=${days}`));
    const used = (stack.redis.stats().commands - before.commands) / 20;
    row([
      `Redis commands per /ops visitors panel refresh (${days} days; every 60 s)`,
      used.toFixed(1),
      "2 (operator check + one script), independent of the days",
    ]);
    row([`/ops visitors panel p50 (${days} days)`, ms(pct(times, 50)), "—"]);
    expect(used).toBeLessThanOrEqual(2);
  }
});

it("start route latency", async () => {
  // Each start is a new visitor (a new identity, so a real create + publish). Deliveries are held
  // back meanwhile so running jobs do not compete for the CPU being measured.
  stack.qstash.setFaults({ delayMs: 60_000 });
  const visitors = await Promise.all(
    Array.from({ length: 100 }, async () => {
      const v = new Visitor(stack.app.url);
      await v.request("/api/listings");
      return v;
    }),
  );
  let i = 0;
  const times = await measure(100, () =>
    visitors[i++].start({ listingId: SHORT_LISTING, analysisType: "risk_assessment" }),
  );
  row(["start route p50 / p95", `${ms(pct(times, 50))} / ${ms(pct(times, 95))}`, "p95 ≤ 50 ms"]);
  stack.qstash.setFaults({});
  await stack.qstash.idle();
});

it("orchestration overhead per step against a raw simulator call", async () => {
  const client = new OpenAI({
    apiKey: process.env.OPENAI_API_KEY,
    baseURL: process.env.OPENAI_BASE_URL,
    maxRetries: 0,
  });
  const text = catalog.find((l) => l.id === SHORT_LISTING)!.text;
  const raw = await measure(20, async () => {
    const stream = await client.responses.create({
      model: "gpt-5-mini",
      input: text,
      stream: true,
    });
    for await (const _ of stream) void _;
  });
  const visitor = new Visitor(stack.app.url);
  const perStep: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
      params: { horizonYears: i + 1 },
    });
    const job = (await waitForStatus(visitor, body.job.id, ["succeeded"])) as JobView & {
      startedAt: number;
      finishedAt: number;
    };
    // From lease to finish: 5 steps, 2 of them OpenAI calls; the rest is checkpoints and progress writes.
    perStep.push((job.finishedAt - job.startedAt - 2 * pct(raw, 50)) / (job.step?.total ?? 5));
  }
  row(["raw simulator call p50", ms(pct(raw, 50)), "—"]);
  row(["orchestration overhead per step p50", ms(pct(perStep, 50)), "—"]);
});

it("cancel → the OpenAI response cancelled, p50 / p95", async () => {
  stack.openai.setKnobs({ latencyMsPerToken: 10 });
  const lags: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const visitor = new Visitor(stack.app.url);
      const { body } = await visitor.start({
        listingId: LONG_LISTING,
        analysisType: "business_analysis",
      });
      const inFlight = () =>
        stack.openai
          .calls()
          .find((c) => c.metadata?.job_id === body.job.id && c.endedAt === undefined);
      await eventually(async () => (inFlight() ? true : null), {
        timeoutMs: 20_000,
        intervalMs: 5,
      });
      const call = inFlight()!;
      const asked = Date.now();
      await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
      await eventually(
        async () =>
          call.endedAt !== undefined ||
          stack.openai.calls().find((c) => c.id === call.id)?.endedAt !== undefined
            ? true
            : null,
        { timeoutMs: 10_000, intervalMs: 5 },
      );
      lags.push(stack.openai.calls().find((c) => c.id === call.id)!.endedAt! - asked);
      await waitForStatus(visitor, body.job.id, ["canceled"]);
    }
  } finally {
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  }
  row([
    "cancel → OpenAI response cancelled p50 / p95",
    `${ms(pct(lags, 50))} / ${ms(pct(lags, 95))}`,
    "p95 ≤ 2 s (next write or heartbeat)",
  ]);
  expect(pct(lags, 95)).toBeLessThan(2_000);
});

it("throughput: 200 jobs started at once (flow control parallelism 20, simulator at full speed)", async () => {
  await stack.qstash.idle();
  const visitors = Array.from({ length: 200 }, () => new Visitor(stack.app.url));
  const t0 = Date.now();
  const started = await Promise.all(
    visitors.map((v, i) =>
      v.start({
        listingId: i % 2 ? SHORT_LISTING : LONG_LISTING,
        analysisType: (["business_analysis", "market_intelligence", "risk_assessment"] as const)[
          i % 3
        ],
      }),
    ),
  );
  await stack.qstash.idle();
  const seconds = (Date.now() - t0) / 1000;
  const jobs = await Promise.all(started.map((s, i) => visitors[i].status(s.body.job.id)));
  const durations = jobs.map((j) => {
    const v = j.job as JobView & { createdAt: number; finishedAt: number };
    return v.finishedAt - v.createdAt;
  });
  expect(jobs.every((j) => j.job?.status === "succeeded")).toBe(true);
  row([
    "throughput, 200 concurrent jobs",
    `${((200 / seconds) * 60).toFixed(0)} jobs/min`,
    `all 200 succeeded in ${seconds.toFixed(1)} s`,
  ]);
  row([
    "… job duration (start → result) p50 / p95",
    `${(pct(durations, 50) / 1000).toFixed(2)} s / ${(pct(durations, 95) / 1000).toFixed(2)} s`,
    "—",
  ]);
});
