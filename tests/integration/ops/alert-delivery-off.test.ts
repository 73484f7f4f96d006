import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import { redeliverAlerts } from "@/lib/ops/alert-delivery";
import type { AlertsAnswer, OpsOverview } from "@/lib/ops/types";

/** ALERT_WEBHOOK_URL left empty, as .env.example ships it: transitions are kept, nothing is sent. */
const stack = useTestStack({ env: { ALERT_WEBHOOK_URL: "" } });

describe("alert delivery without ALERT_WEBHOOK_URL", () => {
  it("publishes nothing for a transition, records no delivery and says it is not configured", async () => {
    const ops = new Operator(stack.app.url);
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    await waitForStatus(visitor, body.job.id, ["failed"]);
    await eventually(async () => {
      const dlq = await ops.get<{ messages: unknown[] }>("/api/ops/dlq");
      return dlq.messages.length > 0;
    });
    await stack.qstash.idle();
    const published = stack.qstash.stats().published;

    const answer = await ops.get<AlertsAnswer>("/api/ops/alerts");
    expect(answer.alerts.find((a) => a.rule === "dlq_not_empty")?.state).toBe("active");
    expect(answer.webhook).toEqual({ configured: false });
    expect(answer.history[0]).toMatchObject({
      rule: "dlq_not_empty",
      state: "active",
      delivery: null,
    });
    const overview = await ops.get<OpsOverview>("/api/ops/overview");
    expect(overview.alertWebhook).toEqual({ configured: false });
    expect(overview.alertHistory[0]).toMatchObject({ rule: "dlq_not_empty", delivery: null });
    expect(await redeliverAlerts()).toEqual({ republished: 0, unsent: 0 });

    await stack.qstash.idle();
    expect(stack.qstash.stats().published).toBe(published);
    const names = (await keysWithTtl(stack.prefix)).map((k) => k.key.slice(stack.prefix.length));
    expect(names).toContain("alerts:history");
    expect(names).not.toContain("alerts:delivery");
  });
});
