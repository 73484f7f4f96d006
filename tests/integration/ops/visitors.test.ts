import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createJob } from "@/lib/jobs/store";
import { pollJob } from "@/lib/jobs/poll";
import { keys } from "@/lib/redis/keys";
import { DAY_MS } from "@/lib/telemetry/metric-keys";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { OpsVisitors } from "../../../lib/ops/types.ts";

// The result cache answers the N visitors' starts at once (a start that counts as usage, with no
// job to run), so N can be large without running N jobs.
const stack = useTestStack({ env: { RESULT_CACHE_SECONDS: "3600" } });
const ops = () => new Operator(stack.app.url);
const visitors = (days = 30) => ops().get<OpsVisitors>(`/api/ops/visitors?days=${days}`);

const N = 500;
const TOLERANCES = ["low", "medium", "high"] as const;
/**
 * HyperLogLog's standard error is 0.81 %: one run in three lands further than that from the
 * truth. Three standard errors leave a false alarm about once in 400 runs at worst (at N = 500,
 * Redis's estimate is closer still: its small-range correction errs by about 0.55 %).
 */
const HLL_BOUND = 3 * 0.0081;

/** Runs `fn` over `items`, `width` at a time (the machine is shared). */
async function inBatches<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += width)
    await Promise.all(items.slice(i, i + width).map((item, j) => fn(item, i + j)));
}

const today = (v: OpsVisitors) => v.days[v.days.length - 1];
const dayOf = (v: OpsVisitors, ms: number) =>
  v.days.find((d) => d.day === new Date(ms).toISOString().slice(0, 10));
/** The UTC hour of week of `ms`: 0 is Monday 00:00. */
const hourOfWeek = (ms: number) =>
  ((new Date(ms).getUTCDay() + 6) % 7) * 24 + new Date(ms).getUTCHours();

describe("visitor analytics (GET /api/ops/visitors)", () => {
  const crowd = Array.from({ length: N }, () => new Visitor(""));
  const jobIds: string[] = [];
  let first: OpsVisitors;

  it(`counts ${N} distinct visitors within HyperLogLog's error, each once however often it polls`, async () => {
    // One visitor runs each variant for real, so the result cache holds it.
    const warm = new Visitor(stack.app.url);
    for (const riskTolerance of TOLERANCES) {
      const { body } = await warm.start({
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
        params: { riskTolerance },
      });
      await waitForStatus(warm, body.job.id, ["succeeded"]);
    }
    await inBatches(crowd, 25, async (v, i) => {
      Object.assign(v, { baseUrl: stack.app.url });
      const { res, body } = await v.start({
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
        params: { riskTolerance: TOLERANCES[i % 3] },
      });
      expect(res.status).toBe(202);
      expect(body.job.status).toBe("succeeded");
      jobIds[i] = body.job.id;
      expect((await v.status(body.job.id)).res.status).toBe(200);
    });

    first = await visitors();
    const truth = N + 1;
    expect(first.dau).not.toBeNull();
    expect(Math.abs(first.dau! - truth) / truth).toBeLessThanOrEqual(HLL_BOUND);
    // Only today holds visitors yet: the week's and the month's unions are today's set.
    expect(first.wau).toBe(first.dau);
    expect(first.mau).toBe(first.dau);
    expect(today(first).active).toBe(first.dau);
    expect(today(first).returning).toBe(0);

    // More polls and a second start (deduplicated) by 100 of them, a poll of someone else's job by
    // a stranger (refused: writes nothing), and the request to /ops itself: not one more visitor.
    await inBatches(crowd.slice(0, 100), 25, async (v, i) => {
      for (let k = 0; k < 5; k++) await v.status(jobIds[i]);
      const again = await v.start({
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
        params: { riskTolerance: TOLERANCES[i % 3] },
      });
      expect(again.body.deduplicated).toBe(true);
    });
    const stranger = new Visitor(stack.app.url);
    expect((await stranger.status(jobIds[0])).res.status).toBe(404);
    const after = await visitors();
    expect([after.dau, after.wau, after.mau]).toEqual([first.dau, first.wau, first.mau]);
    expect(after.usage).toEqual(first.usage);
  });

  it("counts usage at start by type and param value (deduplicated starts are not usage), and by hour", async () => {
    const [risk] = first.usage;
    expect(risk.analysisType).toBe("risk_assessment");
    // The warm-up's three jobs and the N starts answered from the cache.
    expect(risk.starts).toBe(N + 3);
    // Visitor i asked for TOLERANCES[i % 3]: 167 low, 167 medium, 166 high; most used first.
    expect(risk.params).toEqual([
      { name: "riskTolerance", value: "low", starts: 1 + 167 },
      { name: "riskTolerance", value: "medium", starts: 1 + 167 },
      { name: "riskTolerance", value: "high", starts: 1 + 166 },
    ]);
    expect(first.peakHours).toHaveLength(168);
    expect(first.peakHours.map((h) => h.hourOfWeek)).toEqual([...Array(168).keys()]);
    const sum = (k: "visitors" | "starts") => first.peakHours.reduce((n, h) => n + h[k], 0);
    expect(sum("starts")).toBe(N + 3);
    // Each visitor once per hour it was active in (the run may straddle an hour).
    expect(sum("visitors")).toBeGreaterThanOrEqual(N + 1);
    expect(sum("visitors")).toBeLessThanOrEqual(2 * (N + 1));
  });

  it("counts a visitor as returning on a day when it was active on an earlier day within the retention window", async () => {
    // Written through the app's own start and poll with explicit times (createdAt, now): days
    // past cannot be driven through the routes, which always mean now.
    const now = Date.now();
    const owner = () => `v_${randomBytes(12).toString("base64url")}`;
    const start = async (who: string, at: number) => {
      const id = randomBytes(12).toString("base64url");
      const outcome = await createJob({
        id,
        owner: who,
        subject: SHORT_LISTING,
        analysisType: "market_intelligence",
        input: { listingId: SHORT_LISTING },
        params: { horizonYears: 3 },
        createdAt: at,
        timeoutMs: 300_000,
        dedupeKey: keys.jobByIdentity("market_intelligence", id),
        cacheKey: "",
      });
      expect("job" in outcome && !outcome.deduplicated).toBe(true);
      return id;
    };
    const [a, b, c, d, e, f] = [owner(), owner(), owner(), owner(), owner(), owner()];
    const jobs = {
      a: await start(a, now - 2 * DAY_MS),
      d: await start(d, now - 2 * DAY_MS),
      b: await start(b, now - DAY_MS),
      e: await start(e, now - 60 * DAY_MS),
      // Past the 90 days of retention: its keys expire as they are written.
      f: await start(f, now - 100 * DAY_MS),
    };
    // Back today: a (2 days ago), b (yesterday), e (60 days ago) return; f is too old to count;
    // c is new. a polls twice.
    for (const [who, job] of [
      [a, jobs.a],
      [a, jobs.a],
      [b, jobs.b],
      [e, jobs.e],
      [f, jobs.f],
    ])
      expect(await pollJob(job, who, now)).not.toBeNull();
    await start(c, now);
    // A poll of a job that is not yours counts nothing.
    expect(await pollJob(jobs.a, d, now)).toBeNull();

    const v = await visitors(90);
    expect(v.days).toHaveLength(90);
    expect(today(v).returning).toBe(3);
    expect(dayOf(v, now - DAY_MS)).toEqual({ day: expect.any(String), active: 1, returning: 0 });
    expect(dayOf(v, now - 2 * DAY_MS)).toEqual({
      day: expect.any(String),
      active: 2,
      returning: 0,
    });
    expect(dayOf(v, now - 60 * DAY_MS)?.active).toBe(1);
    expect(dayOf(v, now - 89 * DAY_MS)?.active).toBe(0);
    // Today: the crowd, the warm-up visitor, and a, b, c, e, f.
    const truth = N + 1 + 5;
    expect(Math.abs(v.dau! - truth) / truth).toBeLessThanOrEqual(HLL_BOUND);
    // The week adds d; the month adds nobody more (e is 60 days back).
    expect(v.wau!).toBeGreaterThanOrEqual(v.dau!);
    expect(Math.abs(v.wau! - (truth + 1)) / (truth + 1)).toBeLessThanOrEqual(HLL_BOUND);
    expect(v.mau).toBe(v.wau);
    expect(v.peakHours[hourOfWeek(now - DAY_MS)].visitors).toBe(1);
    expect(v.peakHours[hourOfWeek(now - 2 * DAY_MS)].visitors).toBe(2);
    const market = v.usage.find((u) => u.analysisType === "market_intelligence");
    // a, d, b, e and c; f's day is gone.
    expect(market).toEqual({
      analysisType: "market_intelligence",
      starts: 5,
      params: [{ name: "horizonYears", value: "3", starts: 5 }],
    });
    const month = await visitors(30);
    expect(month.usage.find((u) => u.analysisType === "market_intelligence")?.starts).toBe(4);
  });

  it("keeps every visitor key with a TTL within the retention, named by the keyed hash only", async () => {
    const found = (await keysWithTtl(stack.prefix)).filter((k) =>
      k.key.startsWith(`${stack.prefix}visitors:`),
    );
    const names = found.map((k) => k.key.slice(stack.prefix.length));
    // Today, yesterday, 2 and 60 days ago; the day 100 days ago expired as it was written.
    expect(names.filter((n) => n.startsWith("visitors:day:")).length).toBe(4);
    expect(names.filter((n) => n.startsWith("visitors:usage:")).length).toBe(4);
    // The crowd, the warm-up visitor and a…f (f's from today); the stranger's refused poll left none.
    expect(names.filter((n) => n.startsWith("visitors:last:")).length).toBe(N + 1 + 6);
    for (const n of names)
      expect(n).toMatch(/^visitors:(day|usage):\d{4}-\d\d-\d\d$|^visitors:last:vh_[\w-]{12}$/);
    for (const { key, ttl } of found) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(91 * 86_400);
    }
  });

  it("answers a bad query with a 400 JSON error, and nobody without the operator token", async () => {
    for (const query of ["days=0", "days=91", "days=1.5", "days=abc", "days=", "window=60"]) {
      const res = await ops().request(`/api/ops/visitors?${query}`);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, query).toBe("bad_request:query");
    }
    const anonymous = await fetch(`${stack.app.url}/api/ops/visitors`);
    expect(anonymous.status).toBe(401);
  });
});
