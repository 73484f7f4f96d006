import { describe, expect, it } from "vitest";
import { captureDeliveries } from "../../helpers/delivery-log.ts";
import { eventually } from "../../helpers/eventually.ts";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { jobFields } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

/*
 * One model call longer than a delivery may run: as a background response it is handed from
 * delivery to delivery mid-call, each under the budget, and paid once. A 3 s budget here (the
 * shipped one is 240 s, under the consume route's maxDuration of 300 s).
 */
const BUDGET_MS = 3_000;
const stack = useTestStack({
  env: { CONSUME_TIME_BUDGET_MS: String(BUDGET_MS), LOG_LEVEL: "info" },
});

const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);

describe("a model call longer than the delivery budget", () => {
  it("finishes across deliveries, each under the budget, asked and billed once", async () => {
    const deliveries = captureDeliveries();
    try {
      // A model that thinks three budgets long before it writes (a reasoning model at high effort).
      stack.openai.setKnobs({ firstTokenMs: 3 * BUDGET_MS });
      const visitor = new Visitor(stack.app.url);
      const { body } = await visitor.start({
        listingId: SHORT_LISTING,
        analysisType: "business_analysis",
      });
      const jobId = body.job.id as string;
      // Only the first call thinks that long: the simulator paces a response when it is asked.
      await eventually(() => (calls(jobId).length > 0 ? true : null), { intervalMs: 10 });
      stack.openai.setKnobs({});

      const job = await waitForStatus(visitor, jobId, ["succeeded", "failed"], 60_000);
      expect(job.status).toBe("succeeded");
      const [long] = calls(jobId);
      const ofStep = calls(jobId).filter((c) => c.metadata?.step === long.metadata?.step);
      expect(ofStep).toHaveLength(1);
      expect(long.streams).toBeGreaterThanOrEqual(3);

      const lines = deliveries.of(jobId);
      expect(lines.filter((l) => /continued/.test(l.note ?? "")).length).toBeGreaterThanOrEqual(2);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) expect(line.durationMs).toBeLessThan(BUDGET_MS);

      const hash = await jobFields(stack.prefix, jobId);
      const used = Number(hash.usageIn) + Number(hash.usageOut);
      expect(Number(hash.billed)).toBe(used);
      expect(used).toBe(calls(jobId).reduce((s, c) => s + c.inputTokens + c.outputTokens, 0));
    } finally {
      deliveries.stop();
      stack.openai.setKnobs({});
    }
  });
});
