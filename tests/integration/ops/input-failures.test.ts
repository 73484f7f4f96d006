import { describe, expect, it } from "vitest";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { DlqPage, ErrorGroupSummary, Health, OpsOverview } from "../../../lib/ops/types.ts";

const stack = useTestStack({ env: { QSTASH_RETRIES: "3" } });

/**
 * Failures a person's listing causes (here the provider refusing it on content policy) are the
 * person's to fix, not the service failing: the operator finds them as an error group and in
 * the DLQ, but they move neither the error rate, nor the success rate, nor health, nor any
 * alert — five of them, the most the rate rules need to judge, included.
 */
describe("failures the listing caused, seen from /ops", () => {
  const visitor = new Visitor("");
  const ops = () => new Operator(stack.app.url);
  const REFUSALS = 5;

  it("are recorded as one error group caused by the listing, LOW, not as errors of the service", async () => {
    Object.assign(visitor, { baseUrl: stack.app.url });
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    const { body: ok } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    await waitForStatus(visitor, ok.job.id, ["succeeded"]);
    for (let i = 0; i < REFUSALS; i++) {
      stack.openai.setKnobs({
        latencyMsPerToken: 0,
        failNext: [{ kind: "content_filter", count: 1 }],
      });
      const { body } = await visitor.start({
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
      });
      const job = await waitForStatus(visitor, body.job.id, ["failed"]);
      expect(job.error).toMatchObject({ code: "content_policy", retryable: false });
    }
    await stack.qstash.idle();

    const { groups } = await ops().get<{ groups: ErrorGroupSummary[] }>("/api/ops/errors");
    expect(groups.filter((g) => g.code === "content_policy")).toEqual([
      expect.objectContaining({
        cause: "input",
        severity: "LOW",
        count: REFUSALS,
        status: "open",
        analysisTypes: ["risk_assessment"],
      }),
    ]);
    const o = await ops().get<OpsOverview>("/api/ops/overview?window=15");
    expect(o.totals).toMatchObject({
      succeeded: 1,
      failed: REFUSALS,
      inputFailed: REFUSALS,
      errors: 0,
      inputErrors: REFUSALS,
      deliveries: REFUSALS + 1,
    });
    expect(o.successRate).toBe(1);
    expect(o.errorRate).toBe(0);
    expect(o.errorsByCategory).toEqual({});
  });

  it("leave every alert quiet, the DLQ's included, though their dead letters are in the DLQ", async () => {
    const dlq = await ops().get<DlqPage>("/api/ops/dlq");
    expect(dlq.messages).toHaveLength(REFUSALS);
    expect(dlq.messages.every((m) => m.inputCaused && m.job?.errorCode === "content_policy")).toBe(
      true,
    );
    type Alerts = {
      alerts: Array<{ rule: string; state: string; value: string }>;
      history: unknown[];
    };
    const { alerts, history } = await ops().get<Alerts>("/api/ops/alerts");
    expect(alerts.filter((a) => a.state !== "ok")).toEqual([]);
    expect(history).toEqual([]);
    expect(alerts.find((a) => a.rule === "dlq_not_empty")?.value).toBe(
      `${REFUSALS} message(s), ${REFUSALS} of them failures the input caused`,
    );
  });

  it("leave health healthy", async () => {
    const res = await ops().request("/api/ops/health");
    const health = (await res.json()) as Health;
    expect(res.status).toBe(200);
    expect(health.reasons).toEqual([]);
    expect(health.status).toBe("healthy");
    expect(health.checks.openai).toMatchObject({ status: "ok", recentFailures: 0 });
    expect(health.checks.qstash.dlqSize).toBe(REFUSALS);
  });

  it("do not hide a failure of the service beside them", async () => {
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, body.job.id, ["failed"]);
    await stack.qstash.idle();
    const { alerts } = await ops().get<{ alerts: Array<{ rule: string; state: string }> }>(
      "/api/ops/alerts",
    );
    // One rejected request in seven deliveries: past 5 %; and its dead letter is the service's.
    expect(
      alerts
        .filter((a) => a.state === "active")
        .map((a) => a.rule)
        .sort(),
    ).toEqual(["dlq_not_empty", "error_rate"]);
  });
});
