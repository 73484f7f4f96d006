import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineKind, kindRegistry, type JobContext } from "@/lib/jobs/kind";
import { checkpoint, leaseJob, releaseLease } from "@/lib/jobs/lease";
import { publishJob } from "@/lib/jobs/publish";
import { runDelivery } from "@/lib/jobs/delivery";
import { fromHash } from "@/lib/jobs/schema";
import { finishJob } from "@/lib/jobs/store";

/*
 * The engine's side of the JobKind contract, with Redis and QStash replaced at the store's
 * functions: which steps run, what is checkpointed under which name, what a redelivery skips,
 * how cancel reaches the kind's code, how progress is throttled, how a wrong result ends. The
 * same engine runs on the real stack in tests/integration/jobs (listing and conversation kinds).
 */
const ENV = {
  JOB_MAX_AGE_MS: 30 * 60_000,
  JOB_TIMEOUT_MS: 0,
  CONSUME_TIME_BUDGET_MS: 60_000,
  JOB_LEASE_MS: 30_000,
  QSTASH_RETRIES: 3,
  QSTASH_RETRY_DELAY_MS: 2_000,
  QSTASH_RETRY_SPAN_MS: 15 * 60_000,
  OPENAI_STALL_TIMEOUT_MS: 30_000,
  LOG_LEVEL: "silent",
  SESSION_SECRET: "unit-test-secret-0123456789",
};
vi.mock("@/lib/env", async (original) => ({ ...(await original<object>()), env: () => ENV }));
vi.mock("@/lib/jobs/lease", () => ({
  leaseJob: vi.fn(),
  checkpoint: vi.fn(),
  releaseLease: vi.fn(),
}));
vi.mock("@/lib/jobs/store", () => ({ finishJob: vi.fn() }));
vi.mock("@/lib/jobs/publish", async (original) => ({
  ...(await original<object>()),
  publishJob: vi.fn(async () => ({ messageId: "msg_next" })),
}));
vi.mock("@/lib/telemetry/error-record", () => ({ recordError: vi.fn(async () => {}) }));

type Ctx = JobContext<{ n: number }>;
let body: (ctx: Ctx) => Promise<unknown>;
const kind = defineKind({
  kind: "test_kind",
  title: "Test",
  description: "A kind whose code each test writes.",
  subject: "thing",
  input: z.strictObject({ thingId: z.string() }),
  params: z.strictObject({ n: z.number().default(2) }),
  result: z.object({ total: z.number() }),
  timeoutMs: 60_000,
  resolve: async ({ thingId }) => ({ id: thingId, content: thingId }),
  run: (ctx) => body(ctx),
});
const kinds = kindRegistry([kind]);

function job(extra: Record<string, string> = {}) {
  const now = String(Date.now());
  return fromHash("job_engine_1", {
    owner: "v_test",
    analysisType: "test_kind",
    subject: "t1",
    input: JSON.stringify({ thingId: "t1" }),
    params: JSON.stringify({ n: 2 }),
    status: "running",
    createdAt: now,
    enqueuedAt: now,
    leasedAt: now,
    attempt: "1",
    timeoutMs: "60000",
    ...extra,
  });
}

function leased(checkpoints: Record<string, unknown> = {}, extra: Record<string, string> = {}) {
  const stored = Object.fromEntries(
    Object.entries(checkpoints).map(([k, v]) => [k, JSON.stringify(v)]),
  );
  vi.mocked(leaseJob).mockResolvedValue({
    leased: true,
    job: job(extra),
    lastError: null,
    checkpoints: stored,
  });
}

const deliver = () =>
  runDelivery(
    kinds,
    { jobId: "job_engine_1", analysisType: "test_kind" },
    { messageId: "msg_1", retried: 0, signature: null },
  );
/** The checkpoints written, by step name (progress writes carry no step). */
const written = () =>
  vi
    .mocked(checkpoint)
    .mock.calls.filter((c) => c[3])
    .map((c) => c[3]!.name);
const ended = () => vi.mocked(finishJob).mock.calls.map((c) => c[2]);

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(checkpoint).mockResolvedValue({ ok: true, cancelRequested: false });
  vi.mocked(finishJob).mockImplementation(async (_id, _token, end) => ({
    finished: true,
    status: end.status,
  }));
  vi.mocked(releaseLease).mockResolvedValue(true as never);
});

describe("the engine runs a kind's code", () => {
  it("checkpoints each ctx.step under its name, in order, and saves what run returns", async () => {
    const ran: string[] = [];
    body = async (ctx) => {
      ctx.plan([
        { name: "a", label: "doing a", weight: 1 },
        { name: "b", label: "doing b", weight: 1 },
      ]);
      const a = await ctx.step("a", () => (ran.push("a"), ctx.params.n));
      const b = await ctx.step("b", async () => (ran.push("b"), a * 10));
      return { total: a + b };
    };
    leased();
    expect(await deliver()).toMatchObject({ kind: "ack", note: "job succeeded" });
    expect(ran).toEqual(["a", "b"]);
    expect(written()).toEqual(["a", "b"]);
    expect(ended()).toEqual([{ status: "succeeded", result: { total: 22 } }]);
    // Progress by the plan: after "a", step 2 of 3 ("b" then the engine's save), with b's label.
    const afterA = vi.mocked(checkpoint).mock.calls[0][2];
    expect(JSON.parse(String(afterA.step))).toEqual({
      name: "b",
      index: 2,
      total: 3,
      label: "doing b",
    });
    expect(afterA.progress).toBe(33);
  });

  it("returns a step's checkpoint on redelivery without running it again", async () => {
    const ran: string[] = [];
    body = async (ctx) => {
      const a = await ctx.step("a", () => (ran.push("a"), 1));
      const b = await ctx.step("b", () => (ran.push("b"), 5));
      return { total: a + b };
    };
    leased({ a: 40 });
    await deliver();
    expect(ran).toEqual(["b"]);
    expect(written()).toEqual(["b"]);
    expect(ended()).toEqual([{ status: "succeeded", result: { total: 45 } }]);
  });

  it("does not nest steps: the inner step never runs", async () => {
    let inner = false;
    body = async (ctx) => {
      await ctx.step("outer", () => ctx.step("inner", () => (inner = true)));
      return { total: 0 };
    };
    leased();
    const outcome = await deliver();
    expect(inner).toBe(false);
    expect(written()).toEqual([]);
    expect(outcome.kind).toBe("retry"); // an internal error: QStash tries again, the job is not lost
  });

  it("tells the kind's code of a cancel through ctx.signal and ends the job canceled, running nothing more", async () => {
    let aborted = false;
    let ranB = false;
    body = async (ctx) => {
      ctx.signal.addEventListener("abort", () => (aborted = true));
      await ctx.step("a", () => 1);
      await ctx.step("b", () => (ranB = true));
      return { total: 1 };
    };
    leased();
    vi.mocked(checkpoint).mockResolvedValueOnce({ ok: true, cancelRequested: true });
    await deliver();
    expect(aborted).toBe(true);
    expect(ranB).toBe(false);
    expect(ended()).toEqual([{ status: "canceled" }]);
  });

  it("writes ctx.progress within a step at most every 500 ms, with the step's place and fraction", async () => {
    body = async (ctx) => {
      ctx.plan([{ name: "long", label: "working", weight: 1 }]);
      await ctx.step("long", async () => {
        ctx.progress(0.5);
        ctx.progress(0.6); // within 500 ms of the last write: dropped
        return 1;
      });
      ctx.progress(0.9); // between steps: nothing to report on
      return { total: 1 };
    };
    leased();
    await deliver();
    const progressWrites = vi.mocked(checkpoint).mock.calls.filter((c) => !c[3]);
    expect(progressWrites).toHaveLength(1);
    expect(progressWrites[0][2].progress).toBe(25); // half of step 1 of 2 (long, save)
  });

  it("fails the job for good when run returns a result of the wrong shape, or the stored input does not fit", async () => {
    body = async () => ({ total: "many" });
    leased();
    expect(await deliver()).toMatchObject({ kind: "fatal" });
    expect(ended()[0]).toMatchObject({
      status: "failed",
      error: { code: "invalid_output", retryable: false },
    });

    vi.mocked(finishJob).mockClear();
    body = async () => ({ total: 1 });
    leased({}, { input: JSON.stringify({ other: 1 }) });
    expect(await deliver()).toMatchObject({ kind: "fatal" });
    expect(ended()[0]).toMatchObject({ status: "failed", error: { code: "invalid_data" } });
  });

  it("hands the rest to a continuation when the delivery's time budget is spent between steps", async () => {
    ENV.CONSUME_TIME_BUDGET_MS = 1;
    try {
      const ran: string[] = [];
      body = async (ctx) => {
        await ctx.step("a", async () => {
          ran.push("a");
          await new Promise((r) => setTimeout(r, 5));
        });
        await ctx.step("b", () => ran.push("b"));
        return { total: 0 };
      };
      leased();
      expect(await deliver()).toMatchObject({ kind: "ack", note: "continued after 1 step(s)" });
      expect(ran).toEqual(["a"]);
      expect(vi.mocked(releaseLease)).toHaveBeenCalled();
      expect(vi.mocked(publishJob).mock.calls[0][1]).toMatchObject({ kind: "continuation" });
      expect(ended()).toEqual([]);
    } finally {
      ENV.CONSUME_TIME_BUDGET_MS = 60_000;
    }
  });
});
