import { describe, expect, it } from "vitest";
import { pausedWithin } from "@/lib/jobs/flow-pause";
import { evaluateRules, type RuleInput } from "@/lib/ops/alert-rules";
import { flowReasons } from "@/lib/ops/flow";
import { isBacklog, type FlowKeyRow, type FlowState } from "@/lib/ops/flow-types";

describe("pausedWithin: the part of a job's wait an operator's pause covers", () => {
  const pause = { pausedAt: 1_000, resumedAt: 5_000 };

  it("counts only the overlap of the pause with the job's life", () => {
    expect(pausedWithin(pause, 0, 10_000)).toBe(4_000); // queued before, delivered after
    expect(pausedWithin(pause, 2_000, 10_000)).toBe(3_000); // queued while paused
    expect(pausedWithin(pause, 6_000, 10_000)).toBe(0); // queued after the resume
    expect(pausedWithin(pause, 0, 500)).toBe(0); // over before the pause
  });

  it("runs a pause not resumed yet until now, and counts nothing without a pause", () => {
    expect(pausedWithin({ pausedAt: 1_000, resumedAt: null }, 2_000, 9_000)).toBe(7_000);
    expect(pausedWithin(undefined, 0, 9_000)).toBe(0);
  });
});

const row = (over: Partial<FlowKeyRow> = {}): FlowKeyRow => ({
  key: "openai-gpt-5-mini",
  known: true,
  waiting: 0,
  running: 0,
  parallelism: 20,
  rate: null,
  paused: false,
  pausedSince: null,
  pinned: { parallelism: false, rate: false },
  backlog: false,
  ...over,
});

describe("a flow's backlog", () => {
  it("is more than five rounds of its parallelism waiting, else of its rate", () => {
    expect(isBacklog(row({ waiting: 100 }))).toBe(false);
    expect(isBacklog(row({ waiting: 101 }))).toBe(true);
    expect(
      isBacklog(row({ parallelism: null, rate: { max: 4, periodS: 60, used: 0 }, waiting: 21 })),
    ).toBe(true);
  });
});

describe("what health says of the flow", () => {
  const state = (keys: FlowKeyRow[], problem: string | null = null): FlowState => ({
    checkedAt: 0,
    enabled: true,
    keys,
    global: null,
    problem,
  });

  it("names a paused key, since when if it was paused from /ops, and how many wait", () => {
    expect(
      flowReasons(
        state([row({ paused: true, pausedSince: Date.UTC(2026, 0, 2, 3, 4, 5), waiting: 3 })]),
      ),
    ).toEqual([
      "Flow control openai-gpt-5-mini paused since 2026-01-02T03:04:05.000Z: 3 deliveries wait in QStash and no analysis runs until it is resumed",
    ]);
    expect(flowReasons(state([row({ paused: true, waiting: 1 })]))[0]).toMatch(
      /paused \(not from \/ops: since unknown\): 1 delivery waits/,
    );
  });

  it("names a backlog, says when QStash could not tell, and says nothing of a flowing key", () => {
    expect(flowReasons(state([row({ waiting: 140, backlog: true })]))).toEqual([
      "Flow control openai-gpt-5-mini: 140 deliveries waiting, more than 5 rounds of its parallelism (20): analyses start late",
    ]);
    expect(flowReasons(state([], "QStash unreachable: fetch failed"))).toEqual([
      "Flow control unknown: QStash unreachable: fetch failed",
    ]);
    expect(flowReasons(state([row({ waiting: 7, running: 20 })]))).toEqual([]);
  });
});

describe("the stuck-jobs alert and a paused flow", () => {
  const quiet = {
    apiResponseMs: null,
    successRate: null,
    errorRate: null,
    totals: {
      started: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
      deduplicated: 0,
      retried: 0,
      cacheHits: 0,
      polls: 0,
      errors: 0,
      deliveries: 0,
      inputFailed: 0,
      inputErrors: 0,
    },
    dlq: { total: 0, inputCaused: 0 },
    lockouts: 0,
    budget: { billedTokens: 0, limitTokens: 0 },
  } satisfies Omit<RuleInput, "stuck">;
  const stuck = (input: Partial<RuleInput>) =>
    evaluateRules({ ...quiet, stuck: 0, ...input }).find((v) => v.rule === "job_stuck");

  it("names the paused key that holds the queued ones", () => {
    expect(stuck({ stuck: 3, stuckQueued: 2, pausedFlows: ["openai-gpt-5-mini"] })).toMatchObject({
      firing: true,
      value: "3 job(s), 2 of them queued behind the paused flow-control key openai-gpt-5-mini",
    });
  });

  it("says only the count when no key is paused or no stuck job is queued", () => {
    expect(stuck({ stuck: 3, stuckQueued: 2, pausedFlows: [] })?.value).toBe("3 job(s)");
    expect(stuck({ stuck: 1, stuckQueued: 0, pausedFlows: ["k"] })?.value).toBe("1 job(s)");
    expect(stuck({ stuck: 0 })).toMatchObject({ firing: false, value: "0 job(s)" });
  });
});
