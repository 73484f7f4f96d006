import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { Health } from "../../../lib/ops/types.ts";

// The test is about waits measured in seconds. The circuit opens after two provider failures in
// a row and stays open 2.5 s.
const stack = useTestStack({
  env: { CIRCUIT_FAILURE_THRESHOLD: "2", CIRCUIT_COOLDOWN_MS: "2500", QSTASH_RETRIES: "5" },
});
const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const circuit = async () =>
  (await new Operator(stack.app.url).get<Health>("/api/ops/health")).checks.openai.circuit;

describe("the AI provider's circuit breaker", () => {
  it("opens after repeated provider failures, holds jobs in QStash without spending their retries, probes, and closes", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "500", count: 2 }] });
    const a = await visitor.start({ listingId: SHORT_LISTING, analysisType: "business_analysis" });
    const open = await eventually(
      async () => {
        const c = await circuit();
        return c.state === "open" ? c : null;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(open.openUntil).toBeGreaterThan(Date.now());

    // A job started while the circuit is open waits: no OpenAI call, no attempt spent.
    const b = await visitor.start({ listingId: LONG_LISTING, analysisType: "risk_assessment" });
    await eventually(async () => (stack.qstash.stats().published >= 3 ? true : null), {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    const { job: waiting } = await visitor.status(b.body.job.id);
    expect(waiting?.status).toBe("queued");
    expect(waiting?.attempt).toBe(0);
    expect(calls(b.body.job.id)).toHaveLength(0);

    const [jobA, jobB] = await Promise.all([
      waitForStatus(visitor, a.body.job.id, ["succeeded", "failed"], 30_000),
      waitForStatus(visitor, b.body.job.id, ["succeeded", "failed"], 30_000),
    ]);
    expect(jobA.status).toBe("succeeded");
    expect(jobB.status).toBe("succeeded");
    expect(jobB.attempt).toBe(1);
    // Nothing reached the provider while it was open.
    const during = stack.openai
      .calls()
      .filter((c) => c.startedAt > open.openUntil! - 2500 && c.startedAt < open.openUntil!);
    expect(during).toEqual([]);
    expect(await circuit()).toMatchObject({ state: "closed", failures: 0, opens: 1 });
  });
});
