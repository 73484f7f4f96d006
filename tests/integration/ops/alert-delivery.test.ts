import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { startOutageProxy, type OutageProxy } from "../../helpers/outage-proxy.ts";
import {
  startDestination,
  type Destination,
  type Received,
} from "../../helpers/qstash-destination.ts";
import { signDelivery } from "../../helpers/qstash-jwt.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import { recordDelivery, redeliverAlerts } from "@/lib/ops/alert-delivery";
import { alertHistory, evaluateAlerts } from "@/lib/ops/alerts";
import { runMaintenance } from "@/lib/ops/maintenance";
import { deadLetters } from "@/lib/ops/dlq";
import { SET_ALERT } from "@/lib/ops/scripts";
import { testRedis } from "../../helpers/redis-scan.ts";
import type { AlertHistoryEntry, AlertsAnswer, OpsOverview } from "@/lib/ops/types";

/**
 * Alert transitions POSTed to ALERT_WEBHOOK_URL through the QStash stand-in (real timing), to a
 * local receiver. The DLQ rule is made to fire honestly: a job the provider rejects (400) fails
 * for good and its message is dead-lettered; deleting the dead letter resolves it. Retries are
 * the app's policy, shortened by configuration: 2 retries, 200 ms then 800 ms.
 */
const stack = useTestStack({ env: { QSTASH_RETRIES: "2", QSTASH_RETRY_SPAN_MS: "1000" } });
const HOOK = "/hook";
let receiver: Destination;
let qstashProxy: OutageProxy;
let qstashUrl = "";
/** How the receiver answers its n-th request since the current test began. */
let answer: (n: number) => number = () => 200;
let offset = 0;

beforeAll(async () => {
  receiver = await startDestination();
  receiver.on(HOOK, (_req, nth) => ({ status: answer(nth - offset) }));
  // Before the app's first request, so its environment (parsed once) has them: the app reaches
  // QStash through a proxy that can go down.
  qstashUrl = process.env.QSTASH_URL!;
  qstashProxy = await startOutageProxy(qstashUrl);
  process.env.QSTASH_URL = qstashProxy.url;
  process.env.ALERT_WEBHOOK_URL = receiver.at(HOOK);
});
afterAll(async () => {
  process.env.QSTASH_URL = qstashUrl;
  await qstashProxy?.stop();
  await receiver?.stop();
});

/** From now on the receiver answers `statuses(n)` to its n-th request (0-based). */
function receiverAnswers(statuses: (n: number) => number) {
  offset = receiver.received(HOOK).length;
  answer = statuses;
}
const receivedSince = (): Received[] => receiver.received(HOOK).slice(offset);
const bodies = () => receivedSince().map((r) => JSON.parse(r.body) as Record<string, unknown>);

const ops = () => new Operator(stack.app.url);
const visitor = () => new Visitor(stack.app.url);

/** A job the provider rejects: it fails for good and its message goes to the DLQ. */
async function deadLetterAJob() {
  stack.openai.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "400", count: 1 }] });
  const v = visitor();
  const { body } = await v.start({ listingId: SHORT_LISTING, analysisType: "risk_assessment" });
  await waitForStatus(v, body.job.id, ["failed"]);
  await eventually(async () => (await deadLetters()).total > 0);
}
async function emptyDlq() {
  const dlq = await ops().get<{ messages: Array<{ dlqId: string }> }>("/api/ops/dlq");
  await ops().post("/api/ops/dlq/delete", { dlqIds: dlq.messages.map((m) => m.dlqId) });
}
const dlqEntries = async (state: "active" | "resolved") =>
  (await alertHistory()).filter((h) => h.rule === "dlq_not_empty" && h.state === state);
/** The entry `id` once its delivery is in `state` (read without evaluating the rules). */
const entryWhen = (id: string, state: string, timeoutMs = 10_000) =>
  eventually(
    async () => {
      const entry = (await alertHistory()).find((h) => h.id === id);
      return entry?.delivery?.state === state ? entry : null;
    },
    { timeoutMs, intervalMs: 50 },
  );

describe("alert delivery to ALERT_WEBHOOK_URL", () => {
  let firstFired: AlertHistoryEntry;

  it("a fired alert reaches the receiver with the body as specified, is retried after a 500 and accepted once; /ops shows it delivered", async () => {
    receiverAnswers((n) => (n === 0 ? 500 : 200));
    await deadLetterAJob();
    const fired = await ops().get<AlertsAnswer>("/api/ops/alerts");
    expect(fired.webhook).toEqual({ configured: true });
    expect(fired.alerts.find((a) => a.rule === "dlq_not_empty")?.state).toBe("active");
    const [entry] = fired.history;
    expect(entry).toMatchObject({ rule: "dlq_not_empty", state: "active" });
    expect(entry.id).toBe(`alert.dlq_not_empty.fired.${entry.at}`);

    firstFired = await entryWhen(entry.id!, "delivered");
    expect(firstFired.delivery).toMatchObject({
      state: "delivered",
      attempt: 2,
      attempts: 3,
      status: 200,
    });
    await stack.qstash.idle();
    const got = receivedSince();
    expect(got).toHaveLength(2); // the 500, then the retry it accepted: nothing after
    expect(got[0].body).toBe(got[1].body);
    expect(got[1].headers["upstash-message-id"]).toBe(got[0].headers["upstash-message-id"]);
    expect(got[0].headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(got[0].body)).toEqual({
      text: `:rotating_light: *Dead-letter queue* fired: 1 message(s) · threshold not empty (failures the input caused aside) · <${stack.app.url}/ops|Open /ops>`,
      rule: "dlq_not_empty",
      state: "fired",
      value: "1 message(s)",
      threshold: "not empty (failures the input caused aside)",
      at: new Date(entry.at).toISOString(),
      url: `${stack.app.url}/ops`,
    });
    // The overview, which /ops shows, carries the same record.
    const overview = await ops().get<OpsOverview>("/api/ops/overview");
    expect(overview.alertWebhook).toEqual({ configured: true });
    expect(overview.alertHistory[0]).toEqual(firstFired);
  });

  it("the resolve transition is delivered once, and evaluating again sends nothing more", async () => {
    receiverAnswers(() => 200);
    await emptyDlq();
    const after = await ops().get<AlertsAnswer>("/api/ops/alerts");
    expect(after.alerts.find((a) => a.rule === "dlq_not_empty")?.state).toBe("resolved");
    const [resolved] = after.history;
    expect(resolved).toMatchObject({ rule: "dlq_not_empty", state: "resolved" });
    const done = await entryWhen(resolved.id!, "delivered");
    expect(done.delivery).toMatchObject({ attempt: 1, status: 200 });
    await ops().get<AlertsAnswer>("/api/ops/alerts");
    await stack.qstash.idle();
    expect(bodies()).toEqual([
      expect.objectContaining({
        state: "resolved",
        rule: "dlq_not_empty",
        value: "0 message(s)",
        text: expect.stringMatching(
          /^:white_check_mark: \*Dead-letter queue\* resolved: 0 message\(s\)/,
        ),
      }),
    ]);
    // The fired entry kept its own record.
    expect((await alertHistory()).find((h) => h.id === firstFired.id)).toEqual(firstFired);
  });

  it("evaluations racing on one transition publish it once: the receiver gets it once", async () => {
    receiverAnswers(() => 200);
    await deadLetterAJob();
    const before = stack.qstash.stats();
    const firedBefore = (await dlqEntries("active")).length;
    const evaluations = await Promise.all(Array.from({ length: 6 }, () => evaluateAlerts()));
    // Every one of them saw the rule fire…
    for (const e of evaluations)
      expect(e.alerts.find((a) => a.rule === "dlq_not_empty")?.state).toBe("active");
    // …but one transition was recorded and one message published, not deduplicated away.
    const fired = await dlqEntries("active");
    expect(fired).toHaveLength(firedBefore + 1);
    await entryWhen(fired[0].id!, "delivered");
    await stack.qstash.idle();
    const after = stack.qstash.stats();
    expect(after.deduplicated - before.deduplicated).toBe(0);
    expect(bodies()).toEqual([
      expect.objectContaining({ state: "fired", at: new Date(fired[0].at).toISOString() }),
    ]);

    receiverAnswers(() => 200);
    await emptyDlq();
    await ops().get<AlertsAnswer>("/api/ops/alerts");
    await entryWhen((await dlqEntries("resolved"))[0].id!, "delivered");
  });

  it("a receiver that always fails: retried, then recorded failed after the last attempt with its status; its dead letter is removed", async () => {
    receiverAnswers(() => 500);
    await deadLetterAJob();
    const dlqBefore = (await deadLetters()).total;
    await ops().get<AlertsAnswer>("/api/ops/alerts");
    const [fired] = await dlqEntries("active");
    // While it is retried, /ops says so.
    const retrying = await entryWhen(fired.id!, "retrying");
    expect(retrying.delivery).toMatchObject({ attempt: 1, attempts: 3, status: 500 });
    const failed = await entryWhen(fired.id!, "failed");
    expect(failed.delivery).toMatchObject({ attempt: 3, attempts: 3, status: 500 });
    await stack.qstash.idle();
    expect(receivedSince().map((r) => r.body)).toEqual(Array(3).fill(receivedSince()[0].body));
    // The alert's own dead letter is gone: the DLQ still holds only the job's.
    expect((await deadLetters()).total).toBe(dlqBefore);
    // A late callback cannot move it back (RECORD_ALERT_DELIVERY only moves forward).
    expect((await alertHistory()).find((h) => h.id === fired.id)?.delivery?.state).toBe("failed");

    receiverAnswers(() => 200);
    await emptyDlq();
    await ops().get<AlertsAnswer>("/api/ops/alerts");
    await entryWhen((await dlqEntries("resolved"))[0].id!, "delivered");
  });

  it("QStash unreachable at publish: the evaluation goes on, the transition is 'unsent', and the maintenance tick delivers it once", async () => {
    receiverAnswers(() => 200);
    await deadLetterAJob();
    // What health does: the DLQ as just read, while QStash was up.
    const dlq = await deadLetters();
    await qstashProxy.down();
    try {
      const evaluation = await evaluateAlerts(Date.now(), { dlq });
      expect(evaluation.alerts.find((a) => a.rule === "dlq_not_empty")?.state).toBe("active");
      const [fired] = await dlqEntries("active");
      expect(fired.delivery).toMatchObject({ state: "unsent", attempt: 1 });
      expect(fired.delivery?.error).toBeTruthy();
      // Nor can the DLQ be read now: the rule keeps its state, no "resolved" is announced.
      const resolvedBefore = (await dlqEntries("resolved")).length;
      const blind = await evaluateAlerts(Date.now());
      expect(blind.dlq).toBeNull();
      expect(blind.alerts.find((a) => a.rule === "dlq_not_empty")).toMatchObject({
        state: "active",
        value: "QStash unreachable",
      });
      expect(await dlqEntries("resolved")).toHaveLength(resolvedBefore);
      // Still down: it stays unsent, one more publish tried.
      expect(await redeliverAlerts()).toEqual({ republished: 0, unsent: 1 });
      expect((await dlqEntries("active"))[0].delivery).toMatchObject({
        state: "unsent",
        attempt: 2,
      });
      expect(receivedSince()).toEqual([]);

      await qstashProxy.up();
      // The maintenance tick is what sends it again, a minute later at most.
      expect(await runMaintenance()).toMatchObject({
        ran: true,
        summary: { alertsResent: 1, alertsUnsent: 0 },
      });
      const delivered = await entryWhen(fired.id!, "delivered");
      expect(delivered.delivery).toMatchObject({ attempt: 1, status: 200 });
      // Nothing is unsent any more: the next tick publishes nothing.
      expect(await redeliverAlerts()).toEqual({ republished: 0, unsent: 0 });
      await stack.qstash.idle();
      expect(bodies()).toEqual([
        expect.objectContaining({ state: "fired", at: new Date(fired.at).toISOString() }),
      ]);
    } finally {
      if (qstashProxy.isDown()) await qstashProxy.up();
    }
    await emptyDlq();
    await ops().get<AlertsAnswer>("/api/ops/alerts");
    await entryWhen((await dlqEntries("resolved"))[0].id!, "delivered");
  });

  it("refuses an unsigned or forged callback with 401 and records nothing; a signed malformed one is 489, an unknown transition is acknowledged and creates nothing", async () => {
    const id = firstFired.id!;
    const path = `/api/ops/alerts/delivery?transition=${id}&final=1`;
    const body = JSON.stringify({ status: 500, retried: 2, maxRetries: 2 });
    const keysBefore = (await keysWithTtl(stack.prefix)).map((k) => k.key).sort();
    const post = (p: string, text: string, signature?: string) =>
      fetch(`${stack.app.url}${p}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(signature ? { "upstash-signature": signature } : {}),
        },
        body: text,
      });
    const key = process.env.QSTASH_CURRENT_SIGNING_KEY!;
    const forged = [
      await post(path, body),
      await post(
        path,
        body,
        await signDelivery({ key: "sig_wrong", url: `${stack.app.url}${path}`, body }),
      ),
      await post(
        path,
        body,
        await signDelivery({
          key,
          url: `${stack.app.url}/api/ops/alerts/delivery?transition=other`,
          body,
        }),
      ),
      await post(
        path,
        body,
        await signDelivery({ key, url: `${stack.app.url}${path}`, body: "{}" }),
      ),
    ];
    for (const res of forged) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "unauthorized:signature",
      );
    }
    expect((await alertHistory()).find((h) => h.id === id)).toEqual(firstFired);

    const genuine = async (p: string, text: string) =>
      post(p, text, await signDelivery({ key, url: `${stack.app.url}${p}`, body: text }));
    const malformed = await genuine(path, JSON.stringify({ status: "500" }));
    expect(malformed.status).toBe(489);
    expect(malformed.headers.get("upstash-nonretryable-error")).toBe("true");
    const badQuery = await genuine("/api/ops/alerts/delivery?transition=../../x", body);
    expect(badQuery.status).toBe(489);
    const unknown = await genuine(
      "/api/ops/alerts/delivery?transition=alert.dlq_not_empty.fired.1",
      body,
    );
    expect(unknown.status).toBe(200);
    expect((await alertHistory()).find((h) => h.id === id)).toEqual(firstFired);
    expect((await keysWithTtl(stack.prefix)).map((k) => k.key).sort()).toEqual(keysBefore);
  });
});

describe("the delivery records (RECORD_ALERT_DELIVERY, SET_ALERT)", () => {
  it("move only forward, whatever order callbacks arrive in; a transition never recorded gets none", async () => {
    const id = "alert.job_stuck.fired.42";
    const key = `${stack.prefix}alerts:delivery`;
    await testRedis().hset(key, { [id]: JSON.stringify({ state: "unsent", at: 1, attempt: 0 }) });
    await testRedis().expire(key, 60);
    const at = (state: string, attempt: number) => ({ state, at: attempt, attempt }) as never;
    expect(await recordDelivery(id, at("unsent", 1))).toBe("recorded"); // one more publish tried
    expect(await recordDelivery(id, at("retrying", 2))).toBe("recorded");
    expect(await recordDelivery(id, at("sending", 0))).toBe("stale"); // the publish answer, late
    expect(await recordDelivery(id, at("retrying", 1))).toBe("stale"); // an older attempt's callback
    expect(await recordDelivery(id, at("delivered", 3))).toBe("recorded");
    expect(await recordDelivery(id, at("failed", 3))).toBe("stale"); // final: the first one stays
    expect(await recordDelivery(id, at("retrying", 4))).toBe("stale");
    expect(JSON.parse((await testRedis().hget<string>(key, id))!)).toMatchObject({
      state: "delivered",
    });
    expect(await recordDelivery("alert.job_stuck.fired.43", at("delivered", 1))).toBe("unknown");
    expect(await testRedis().hexists(key, "alert.job_stuck.fired.43")).toBe(0);
  });

  it("trimming the history takes the trimmed transitions' delivery records with it", async () => {
    const k = (name: string) => `${stack.prefix}trim:${name}`;
    const transition = (n: number) => ({
      keys: { alertState: k("state"), alertHistory: k("history"), alertDelivery: k("delivery") },
      args: {
        rule: "job_stuck",
        stateJson: JSON.stringify({ state: n % 2 ? "resolved" : "active", since: n, value: "" }),
        nextState: n % 2 ? "ok" : "active",
        entry: JSON.stringify({
          id: `t${n}`,
          rule: "job_stuck",
          state: n % 2 ? "resolved" : "active",
          at: n,
        }),
        ttl: 60,
        historyKept: 2,
        transition: `t${n}`,
        deliveryJson: JSON.stringify({ state: "unsent", at: n, attempt: 0 }),
      },
    });
    for (const n of [0, 1, 2, 3])
      expect((await SET_ALERT.run(transition(n))).outcome).toBe("changed");
    // The same transition again: unchanged, nothing appended or recorded.
    expect((await SET_ALERT.run(transition(3))).outcome).toBe("unchanged");
    expect(await testRedis().lrange(k("history"), 0, -1)).toHaveLength(2);
    expect((await testRedis().hkeys(k("delivery"))).sort()).toEqual(["t2", "t3"]);
  });
});
