import { describe, expect, it } from "vitest";
import { crashInFlight } from "../../helpers/crash.ts";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

// These tests are about a lease (1.5 s) racing redeliveries, so it is kept short.
const stack = useTestStack({ env: { JOB_LEASE_MS: "1500" } });

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const steps = (jobId: string) => calls(jobId).map((c) => String(c.metadata?.step));

describe("at-least-once delivery", () => {
  it("runs a job once when QStash delivers its message twice at the same time", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.qstash.setFaults({ duplicateRate: 1 });
    try {
      const { body } = await visitor.start({
        listingId: LONG_LISTING,
        analysisType: "risk_assessment",
      });
      const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
      expect(job.status).toBe("succeeded");
      await stack.qstash.idle();
      const paid = steps(job.id);
      expect(paid.length).toBe(new Set(paid).size); // no step called twice
      expect(stack.qstash.stats().duplicated).toBeGreaterThan(0);
    } finally {
      stack.qstash.setFaults({});
    }
  });

  it("resumes a crashed worker's job from its checkpoint without paying finished steps again", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 5 });
    try {
      const { body } = await visitor.start({
        listingId: LONG_LISTING,
        analysisType: "business_analysis",
      });
      const redis = testRedis();
      // Checkpoints only: fields starting with "@" are the ops timeline's bookkeeping.
      const checkpointed = async () =>
        (await redis.hkeys(`${stack.prefix}job:${body.job.id}:steps`)).filter(
          (f) => !f.startsWith("@"),
        ).length;
      await eventually(async () => ((await checkpointed()) >= 3 ? true : null), {
        timeoutMs: 15_000,
        intervalMs: 10,
      });
      expect(crashInFlight()).toBeGreaterThan(0);
      const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"], 20_000);
      expect(job.status).toBe("succeeded");
      expect(job.attempt).toBeGreaterThanOrEqual(2);
      const paid = steps(job.id);
      // prepare, analyze:0 and analyze:1 were checkpointed before the crash: paid once each.
      expect(paid.filter((s) => s === "analyze:0")).toHaveLength(1);
      expect(paid.filter((s) => s === "analyze:1")).toHaveLength(1);
      // Only the step in flight at the crash may have been paid twice (once aborted).
      expect(paid.length - new Set(paid).size).toBeLessThanOrEqual(1);
    } finally {
      stack.openai.setKnobs({ latencyMsPerToken: 0 });
    }
  });
});
