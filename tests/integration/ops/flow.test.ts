import { Client } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { jobFields } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { FlowAction, FlowState } from "../../../lib/ops/flow-types.ts";
import type { Health, OpsOverview } from "../../../lib/ops/types.ts";

/**
 * Flow control on /ops, through the real route handlers on the local stack (QStash at its real
 * timing). A job's age bound is 5 s here and a quiet job is stale after 1 s, so the paused job
 * below outlives both while it waits: what must not happen then (revived, failed) has every
 * chance to.
 */
const stack = useTestStack({ env: { JOB_STALE_MS: "1000", JOB_MAX_AGE_MS: "5000" } });
const KEY = "openai-gpt-5-mini";
const ops = () => new Operator(stack.app.url);
const flow = () => ops().get<FlowState>("/api/ops/flow");
const row = async () => (await flow()).keys.find((k) => k.key === KEY);
/** QStash's own view, through the SDK, not through the app. */
const qstash = () =>
  new Client({
    baseUrl: stack.qstash.url,
    token: process.env.QSTASH_TOKEN!,
    enableTelemetry: false,
  });

describe("GET /api/ops/flow", () => {
  it("lists the app's key with its limits and the account's parallelism, for QStash calls only", async () => {
    const calls = stack.qstash.apiCalls();
    const commands = stack.redis.stats().commands;
    const state = await flow();
    expect(state).toMatchObject({ enabled: true, problem: null });
    expect(state.global).toEqual({ parallelismMax: 100, parallelismCount: 0 });
    expect(state.keys).toEqual([
      {
        key: KEY,
        known: false, // nothing published under it yet: the limits are the app's
        waiting: 0,
        running: 0,
        parallelism: 20,
        rate: null,
        paused: false,
        pausedSince: null,
        pinned: { parallelism: false, rate: false },
        backlog: false,
      },
    ]);
    const after = stack.qstash.apiCalls();
    const delta = (call: string) => (after[call] ?? 0) - (calls[call] ?? 0);
    expect(delta("GET /v2/flowControl")).toBe(1);
    expect(delta("GET /v2/globalParallelism")).toBe(1);
    // The operator check only (no lockout configured here: not even that).
    expect(stack.redis.stats().commands - commands).toBeLessThanOrEqual(1);
  });
});

describe("pause and resume", () => {
  it("a paused flow holds a started job: it waits in QStash, stays queued past its age bound, neither revived nor failed; health and the stuck alert name the pause; resume runs it", async () => {
    const paused = await ops().post<FlowAction>("/api/ops/flow/pause", { key: KEY });
    // The pause made the key at QStash, with no limit yet: the app's are shown until a message sets them.
    expect(paused).toMatchObject({
      changed: true,
      flow: { key: KEY, paused: true, parallelism: 20 },
    });
    expect(paused.flow.pausedSince).toBeGreaterThan(Date.now() - 5_000);
    expect((await qstash().flowControl.get(KEY)).isPaused).toBe(true);

    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    const id = body.job.id;
    await eventually(async () => ((await row())?.waiting === 1 ? true : null));

    const health = await ops().get<Health>("/api/ops/health");
    expect(health.status).toBe("degraded");
    expect(health.checks.flow.keys[0]).toMatchObject({ key: KEY, paused: true, waiting: 1 });
    expect(health.reasons).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Flow control ${KEY} paused since \\d{4}-.*Z: 1 delivery waits in QStash`),
      ),
    );

    // Polled all along, past the 1 s stale bound and the 5 s age bound: still queued.
    const queued = await eventually(
      async () => {
        const { job } = await visitor.status(id);
        expect(job?.status).toBe("queued");
        return Date.now() - body.job.createdAt > 6_000 ? job : null;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(queued.revives).toBe(0);
    expect((await jobFields(stack.prefix, id)).revives ?? "0").toBe("0");
    expect(stack.openai.calls().filter((c) => c.metadata?.job_id === id)).toEqual([]);
    const overview = await ops().get<OpsOverview>("/api/ops/overview?window=15");
    expect(overview.live).toMatchObject({ queued: 1, stuck: 1 });
    expect(overview.alerts.find((a) => a.rule === "job_stuck")).toMatchObject({
      state: "active",
      value: `1 job(s), 1 of them queued behind the paused flow-control key ${KEY}`,
    });

    const again = await ops().post<FlowAction>("/api/ops/flow/pause", { key: KEY });
    expect(again).toMatchObject({ changed: false, flow: { paused: true } });
    expect(again.flow.pausedSince).toBe(paused.flow.pausedSince); // since the first pause

    const resumed = await ops().post<FlowAction>("/api/ops/flow/resume", { key: KEY });
    expect(resumed).toMatchObject({ changed: true, flow: { paused: false, pausedSince: null } });
    // Over its age bound, but only by the pause: it runs, and succeeds.
    const done = await waitForStatus(visitor, id, ["succeeded", "failed"], 20_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    expect((await row())?.paused).toBe(false);
    const healthy = await ops().get<Health>("/api/ops/health");
    expect(healthy.reasons.filter((r) => r.startsWith("Flow control"))).toEqual([]);
  });
});

describe("refusals", () => {
  it("no token → 401, a malformed key → 400, a key that is not the app's → 404, a form → 415; nothing changes", async () => {
    const send = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${stack.app.url}${path}`, { method: "POST", body, headers });
    const json = { "content-type": "application/json" };
    const asOperator = { ...json, authorization: `Bearer ${process.env.OPS_TOKEN}` };
    const cases: Array<[string, string, Record<string, string>, number, string]> = [
      ["/api/ops/flow/pause", JSON.stringify({ key: KEY }), json, 401, "unauthorized:ops"],
      ["/api/ops/flow/resume", JSON.stringify({ key: KEY }), json, 401, "unauthorized:ops"],
      [
        "/api/ops/flow/pause",
        JSON.stringify({ key: "no spaces" }),
        asOperator,
        400,
        "bad_request:body",
      ],
      [
        "/api/ops/flow/pause",
        JSON.stringify({ key: KEY, extra: 1 }),
        asOperator,
        400,
        "bad_request:body",
      ],
      ["/api/ops/flow/pause", JSON.stringify({}), asOperator, 400, "bad_request:body"],
      [
        "/api/ops/flow/pause",
        JSON.stringify({ key: "another-apps-key" }),
        asOperator,
        404,
        "not_found:flow_key",
      ],
      [
        "/api/ops/flow/resume",
        JSON.stringify({ key: "openai-gpt-4o" }),
        asOperator,
        404,
        "not_found:flow_key",
      ],
      [
        "/api/ops/flow/pause",
        `key=${KEY}`,
        { ...asOperator, "content-type": "application/x-www-form-urlencoded" },
        415,
        "unsupported_media_type:body",
      ],
    ];
    for (const [path, body, headers, status, code] of cases) {
      const res = await send(path, body, headers);
      expect([path, body, res.status]).toEqual([path, body, status]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await fetch(`${stack.app.url}/api/ops/flow`)).status).toBe(401);
    expect((await qstash().flowControl.get(KEY)).isPaused).toBe(false);
    // The refused keys were never created at QStash.
    for (const other of ["another-apps-key", "openai-gpt-4o"])
      await expect(qstash().flowControl.get(other)).rejects.toMatchObject({ status: 404 });
  });
});

describe("QStash unreachable", () => {
  it("the panel says so in a 200, and health is unhealthy with it", async () => {
    await stack.qstash.stop(); // last in this file: the stack's own stop is idempotent
    const res = await ops().request("/api/ops/flow");
    expect(res.status).toBe(200);
    const state = (await res.json()) as FlowState;
    expect(state).toMatchObject({ enabled: true, keys: [], global: null });
    expect(state.problem).toMatch(/^QStash unreachable: /);
    const health = await ops().request("/api/ops/health");
    expect(health.status).toBe(503);
    const checks = ((await health.json()) as Health).checks;
    expect(checks.flow.error).toMatch(/^QStash unreachable: /);
  }, 60_000);
});
