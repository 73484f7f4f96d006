import { afterEach, describe, expect, it } from "vitest";
import type { Health } from "@/lib/ops/types";
import { resetBackgroundCapability } from "@/lib/openai/background";
import { crashInFlight } from "../../helpers/crash.ts";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { jobFields } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

/*
 * Model calls as OpenAI background responses, on the local stack: the simulator keeps each
 * response, generates it whether or not anyone listens, streams it again from a sequence number
 * and bills it once. A short lease (1.5 s) so a killed worker's job is taken over quickly.
 */
const stack = useTestStack({ env: { JOB_LEASE_MS: "1500", OPENAI_STALL_TIMEOUT_MS: "1000" } });

type CallRecord = { call: string; id: string; seq: number; chars: number; billed: number };

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const billedBySimulator = (jobId: string) =>
  calls(jobId).reduce((s, c) => s + c.inputTokens + c.outputTokens, 0);

const jobHash = (jobId: string) => jobFields(stack.prefix, jobId);

/** The call the job has in flight at the provider, once some of it has streamed. */
function callInFlight(jobId: string): Promise<CallRecord> {
  return eventually(
    async () => {
      const raw = (await jobHash(jobId)).modelCall;
      const record = raw ? (JSON.parse(raw) as CallRecord) : null;
      return record && record.chars > 0 ? record : null;
    },
    { timeoutMs: 20_000, intervalMs: 20 },
  );
}

async function startLong(visitor: Visitor) {
  const { body } = await visitor.start({
    listingId: LONG_LISTING,
    analysisType: "business_analysis",
  });
  return body.job.id as string;
}

afterEach(() => {
  stack.openai.setKnobs({ latencyMsPerToken: 0 });
});

describe("a model call outlives the worker that started it", () => {
  it("a worker killed mid-stream: the next delivery resumes the same response, and OpenAI is not asked again", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 15 });
    const jobId = await startLong(visitor);
    const inFlight = await callInFlight(jobId);
    expect(crashInFlight()).toBeGreaterThan(0);

    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 60_000);
    expect(job.status).toBe("succeeded");
    expect(job.attempt).toBeGreaterThanOrEqual(2);
    const ofStep = calls(jobId).filter((c) => c.metadata?.step === inFlight.call);
    // One request for the step: the response the killed worker started, streamed again.
    expect(ofStep).toHaveLength(1);
    expect(ofStep[0]).toMatchObject({
      responseId: inFlight.id,
      background: true,
      responseStatus: "completed",
    });
    expect(ofStep[0].streams).toBeGreaterThanOrEqual(2);
    const steps = calls(jobId).map((c) => String(c.metadata?.step));
    expect(steps.length).toBe(new Set(steps).size); // no step asked twice

    // Billed once, and told truthfully: the job's billed tokens are the simulator's, and all of them ended in the result.
    const hash = await jobHash(jobId);
    const used = Number(hash.usageIn) + Number(hash.usageOut);
    expect(Number(hash.billed)).toBe(billedBySimulator(jobId));
    expect(Number(hash.billed)).toBe(used);
    expect(hash.modelCall ?? "").toBe("");
  });

  it("a stream that went silent is picked up again in the same delivery: the response goes on, nothing is paid twice", async () => {
    const visitor = new Visitor(stack.app.url);
    // The connection stalls (the simulator stops sending), the response is still generated.
    stack.openai.setKnobs({ latencyMsPerToken: 5, failNext: [{ kind: "stall", count: 1 }] });
    const jobId = await startLong(visitor);
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000);
    expect(job.status).toBe("succeeded");
    const stalled = calls(jobId).find((c) => c.fault === "stall")!;
    expect(stalled).toMatchObject({ background: true, responseStatus: "completed" });
    expect(stalled.streams).toBeGreaterThanOrEqual(2);
    expect(calls(jobId).filter((c) => c.metadata?.step === stalled.metadata?.step)).toHaveLength(1);
    expect(job.attempt).toBe(1); // no redelivery was needed
    const hash = await jobHash(jobId);
    expect(Number(hash.billed)).toBe(Number(hash.usageIn) + Number(hash.usageOut));
  });

  it("a response that expired before anyone came back for it is asked again", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 15 });
    const jobId = await startLong(visitor);
    const inFlight = await callInFlight(jobId);
    // Nobody comes back until the response has ended and expired (kept 0 ms instead of ~10 min).
    stack.qstash.setFaults({ delayMs: 8_000 });
    stack.openai.setKnobs({ latencyMsPerToken: 15, backgroundRetentionMs: 0 });
    try {
      expect(crashInFlight()).toBeGreaterThan(0);
      await eventually(() => calls(jobId).find((c) => c.responseId === inFlight.id && c.endedAt), {
        timeoutMs: 15_000,
      });
    } finally {
      stack.qstash.setFaults({});
    }
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 60_000);
    expect(job.status).toBe("succeeded");
    const ofStep = calls(jobId).filter((c) => c.metadata?.step === inFlight.call);
    expect(ofStep).toHaveLength(2);
    expect(ofStep[1].responseId).not.toBe(inFlight.id);
    // The job counts what it saw of the lost response (up to its last write) and all of the new one.
    const hash = await jobHash(jobId);
    const used = Number(hash.usageIn) + Number(hash.usageOut);
    expect(Number(hash.billed)).toBeGreaterThan(used);
    expect(Number(hash.billed)).toBeLessThanOrEqual(billedBySimulator(jobId));
  });

  it("a job that failed on a model answer keeps no call to resume: a person's retry asks again and can pass", async () => {
    const visitor = new Visitor(stack.app.url);
    // The answer and its one repair come back as broken JSON: the job fails with invalid_output.
    stack.openai.setKnobs({ failNext: [{ kind: "invalid_json", count: 2 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    const jobId = body.job.id as string;
    const failed = await waitForStatus(visitor, jobId, ["failed", "succeeded"]);
    expect(failed.error?.code).toBe("invalid_output");
    expect((await jobHash(jobId)).modelCall).toBeUndefined();
    const asked = calls(jobId).length;
    expect((await visitor.post("/api/analysis/retry", { jobId })).status).toBeLessThan(300);
    const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 30_000);
    expect(job.status).toBe("succeeded");
    expect(calls(jobId).length).toBeGreaterThan(asked);
  });

  it("cancel stops the background response at the provider, not only the stream", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 40 });
    const jobId = await startLong(visitor);
    const inFlight = await callInFlight(jobId);
    const res = await visitor.post("/api/analysis/cancel", { jobId });
    expect(res.status).toBe(202);
    const job = await waitForStatus(visitor, jobId, ["canceled", "succeeded", "failed"], 10_000);
    expect(job.status).toBe("canceled");
    expect(job.result).toBeNull();
    const response = await eventually(
      () => calls(jobId).find((c) => c.responseId === inFlight.id && c.endedAt),
      { timeoutMs: 5_000 },
    );
    expect(response).toMatchObject({ responseStatus: "cancelled", outcome: "cancelled" });
    await stack.qstash.idle();
    // Nothing generated after the cancel landed: no new request, nothing more billed.
    const billed = billedBySimulator(jobId);
    await new Promise((r) => setTimeout(r, 500));
    expect(billedBySimulator(jobId)).toBe(billed);
    expect(calls(jobId).filter((c) => c.metadata?.step === inFlight.call)).toHaveLength(1);
  });

  it("cancel while no worker holds the job (it crashed): the cancel route stops the response itself", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 40 });
    const jobId = await startLong(visitor);
    const inFlight = await callInFlight(jobId);
    expect(crashInFlight()).toBeGreaterThan(0);
    const asked = Date.now();
    const res = await visitor.post("/api/analysis/cancel", { jobId });
    expect(res.status).toBe(202);
    const response = await eventually(
      () => calls(jobId).find((c) => c.responseId === inFlight.id && c.endedAt),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(response.responseStatus).toBe("cancelled");
    // Before any redelivery could have taken the job (its lease outlives the crash by 1.5 s).
    expect(response.endedAt! - asked).toBeLessThan(1_500);
    const job = await waitForStatus(visitor, jobId, ["canceled", "succeeded", "failed"], 30_000);
    expect(job.status).toBe("canceled");
    expect(job.result).toBeNull();
  });
});

describe("a provider that refuses background mode", () => {
  it("still runs jobs through plain streams, learns that once per process, and says so in health", async () => {
    resetBackgroundCapability();
    stack.openai.setKnobs({ backgroundMode: "refused" });
    try {
      const visitor = new Visitor(stack.app.url);
      const since = Date.now();
      const refusals = () =>
        stack.openai.calls().filter((c) => c.startedAt >= since && c.status === 400);
      const first = (
        await visitor.start({ listingId: SHORT_LISTING, analysisType: "risk_assessment" })
      ).body.job.id as string;
      expect((await waitForStatus(visitor, first, ["succeeded", "failed"])).status).toBe(
        "succeeded",
      );
      expect(refusals()).toHaveLength(1);
      expect(refusals()[0]).toMatchObject({ background: true, metadata: { job_id: first } });
      expect(
        calls(first)
          .filter((c) => c.status === 200)
          .every((c) => !c.background),
      ).toBe(true);

      const second = (
        await visitor.start({ listingId: LONG_LISTING, analysisType: "risk_assessment" })
      ).body.job.id as string;
      expect((await waitForStatus(visitor, second, ["succeeded", "failed"])).status).toBe(
        "succeeded",
      );
      expect(refusals()).toHaveLength(1); // learned once: the second job asked plainly at once
      expect(calls(second).every((c) => c.status === 200 && !c.background)).toBe(true);

      const health = await new Operator(stack.app.url).get<Health>("/api/ops/health");
      expect(health.checks.openai.background).toMatchObject({
        mode: "auto",
        provider: "refused",
        reason: expect.stringContaining("background"),
      });
      expect(health.reasons.join("\n")).toMatch(/refuses background responses/);
    } finally {
      stack.openai.setKnobs({});
      resetBackgroundCapability();
    }
  });
});
