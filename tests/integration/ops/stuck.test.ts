import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { AlertState, OpsOverview } from "../../../lib/ops/types.ts";

// Jobs time out after 1.5 s here, and the simulator is slow: a step outlasts the timeout.
const stack = useTestStack({ env: { JOB_TIMEOUT_MS: "1500" } });

describe("a job stuck past its timeout", () => {
  it("shows as stuck and fires the alert while it runs over, and resolves once it has ended", async () => {
    const ops = new Operator(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 15 });
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    const stuck = await eventually(
      async () => {
        const o = await ops.get<OpsOverview>("/api/ops/overview?window=15");
        return o.live.stuck === 1 ? o : null;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(stuck.live.running).toBe(1);
    expect(stuck.alerts.find((a) => a.rule === "job_stuck")).toMatchObject({
      state: "active",
      value: "1 job(s)",
    });

    const job = await waitForStatus(visitor, body.job.id, ["failed"], 30_000);
    expect(job.error?.code).toBe("timeout");
    const { alerts } = await ops.get<{ alerts: AlertState[] }>("/api/ops/alerts");
    expect(alerts.find((a) => a.rule === "job_stuck")?.state).toBe("resolved");
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  });
});
