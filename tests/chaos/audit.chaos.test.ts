import { describe, expect, it } from "vitest";
import type { SimulatorCall } from "../../dev/openai/index.ts";
import {
  dlqMatches,
  endingsAndResults,
  paidTwice,
  tokenAccounts,
  type AuditInput,
  type JobRecord,
} from "./audit.ts";

/**
 * The chaos suite's checks, on made-up runs: a check that cannot fail would let jobs.chaos pass
 * whatever the app did. One clean job ("J": prepare, one chunk, synthesize-free for brevity),
 * then each kind of violation on its own.
 */
const usage = { inputTokens: 10, outputTokens: 5 };

function call(
  step: string,
  startedAt: number,
  outcome: SimulatorCall["outcome"] = "ok",
): SimulatorCall {
  return {
    id: `call_${startedAt}`,
    endpoint: "responses",
    model: "gpt-5-mini",
    stream: true,
    structured: false,
    inputHash: "",
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    status: outcome === "error" ? 500 : 200,
    outcome,
    startedAt,
    endedAt: startedAt + 5,
    metadata: { job_id: "J", step },
    background: false,
    streams: 1,
    retrievals: 0,
  };
}

function job(over: Partial<JobRecord> = {}): JobRecord {
  const checkpoints = {
    prepare: {},
    "analyze:0": { usage },
    validate: { result: { score: 1 }, usage: { inputTokens: 0, outputTokens: 0 } },
  };
  return {
    id: "J",
    status: "succeeded",
    errorCode: null,
    result: { score: 1 },
    usage,
    finishedAt: 100,
    attempt: 1,
    revives: 0,
    checkpoints,
    ...over,
  };
}

function run(): AuditInput {
  return {
    tracked: [],
    jobs: new Map([["J", job()]]),
    calls: [call("analyze:0", 10)],
    crashes: [],
    deliveries: [],
    outage: null,
    windows: [],
    ledger: {
      checkpoints: new Map([
        [
          "J",
          new Map([
            ["prepare", [5]],
            ["analyze:0", [20]],
            ["validate", [30]],
          ]),
        ],
      ]),
      endings: new Map([["J", ["succeeded"]]]),
      results: new Map([["J", 1]]),
      leases: new Map([["J", 1]]),
      stop() {},
    },
    dlq: [],
  };
}

describe("the chaos audit", () => {
  it("passes a clean run", () => {
    const clean = run();
    expect([
      ...endingsAndResults(clean),
      ...paidTwice(clean).violations,
      ...tokenAccounts(clean).violations,
      ...dlqMatches(clean),
    ]).toEqual([]);
  });

  it("catches a step paid after its checkpoint was committed", () => {
    const r = run();
    r.calls.push(call("analyze:0", 25));
    expect(paidTwice(r).violations.join("\n")).toMatch(/paid again 5 ms after its checkpoint/);
  });

  it("catches a step paid twice with no crash or failed call between, and accepts one after a crash or a failure", () => {
    const r = run();
    r.calls = [call("analyze:0", 10), call("analyze:0", 15)];
    expect(paidTwice(r).violations.join("\n")).toMatch(/no crash, failed call or Redis outage/);
    r.crashes.push({ jobId: "J", messageId: "msg", retried: 0, at: 12, step: "analyze:0" });
    expect(paidTwice(r)).toMatchObject({ violations: [], byCrash: 1, paidTwice: 1 });
    // A crash just before the simulator stamped the first call: it was on the wire, and billed.
    r.crashes = [{ jobId: "J", messageId: "msg", retried: 0, at: 6, step: "analyze:0" }];
    expect(paidTwice(r)).toMatchObject({ violations: [], byCrash: 1 });
    // Not one long before it (that delivery could not have sent it).
    r.crashes = [{ jobId: "J", messageId: "msg", retried: 0, at: 10 - 1000, step: "analyze:0" }];
    expect(paidTwice(r).violations).toHaveLength(1);
    r.crashes = [];
    r.calls = [call("analyze:0", 10, "error"), call("analyze:0", 15)];
    expect(paidTwice(r)).toMatchObject({ violations: [], byFault: 1 });
  });

  it("accepts a step paid again across a Redis outage (its checkpoint could not be written), not across an app outage alone", () => {
    const r = run();
    r.calls = [call("analyze:0", 10), call("analyze:0", 15)];
    r.windows = [{ kind: "app_down", from: 11, to: 14 }];
    expect(paidTwice(r).violations).toHaveLength(1); // an app outage kills deliveries: those are crashes, recorded as such
    r.windows = [{ kind: "redis_down", from: 11, to: 14 }];
    expect(paidTwice(r)).toMatchObject({ violations: [], byOutage: 1 });
    r.windows = [{ kind: "redis_down", from: 16, to: 20 }];
    expect(paidTwice(r).violations).toHaveLength(1);
  });

  it("catches a job that ended twice or got two results, and a checkpoint the ledger missed", () => {
    const r = run();
    r.ledger.results.set("J", 2);
    r.ledger.endings.set("J", ["succeeded", "failed"]);
    r.ledger.checkpoints.get("J")!.delete("prepare");
    expect(endingsAndResults(r)).toHaveLength(3);
  });

  it("catches token counts that are not the checkpointed calls'", () => {
    const r = run();
    r.jobs.set("J", job({ usage: { inputTokens: 20, outputTokens: 10 } }));
    expect(tokenAccounts(r).violations).toEqual(["J: usage 30 tokens, its checkpoints used 15"]);
  });

  it("catches a failed job missing from the DLQ and a DLQ message of a job that did not fail", () => {
    const r = run();
    r.jobs.set("J", job({ status: "failed", errorCode: "openai_bad_request", result: null }));
    expect(dlqMatches(r)).toEqual([
      "J failed for good (openai_bad_request) but is not in the DLQ — deliveries: ",
    ]);
    r.dlq.push({ jobId: "J", path: "/api/analysis/consume" });
    expect(dlqMatches(r)).toEqual([]);
    r.jobs.set("J", job());
    expect(dlqMatches(r)).toEqual(["J is in the DLQ but succeeded — deliveries: "]);
  });
});
