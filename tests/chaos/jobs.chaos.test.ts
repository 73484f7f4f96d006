import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QStashStats } from "../../dev/qstash/index.ts";
import { keysWithoutTtl, leakedSecrets } from "../helpers/redis-scan.ts";
import { startTestStack, type TestStack } from "../helpers/stack.ts";
import { captureAppLogs } from "./app-logs.ts";
import { startOutageProxy, type OutageProxy } from "../helpers/outage-proxy.ts";
import {
  dlqMatches,
  endingsAndResults,
  loadJobs,
  paidTwice,
  tokenAccounts,
  unended,
  type AuditInput,
  type DlqEntry,
  type OutageWindow,
} from "./audit.ts";
import { startCrashingFront, type CrashingFront, type CrashPolicy } from "./crashing-front.ts";
import { figureRows, printFigures, type RunFacts } from "./figures.ts";
import { startLedger, type Ledger } from "./ledger.ts";
import { addStats, restartQStash } from "./qstash-restart.ts";
import { planJobs, rng, runWorkload } from "./workload.ts";

/**
 * Chaos: CHAOS_JOBS analyses (default 200; `npm test` runs 40) through the local stack while
 * ~10 % of consume deliveries crash mid-step, ~10 % are delivered twice, ~5 % of model calls
 * answer 429/500 and some streams stall, a few calls are refused for good (400), the app goes
 * down for two minutes (its port closed to QStash and to browsers alike, every delivery in
 * flight killed), the QStash stand-in is restarted once, and Redis is unreachable for 20 s
 * (CHAOS_APP_DOWN_MS, CHAOS_REDIS_DOWN_MS). Then the invariants (audit.ts) are checked against
 * what Redis committed (ledger.ts), the simulator was paid for, the crashed deliveries
 * (crashing-front.ts) and the DLQ saw. The figures are printed at the end (CHAOS_SEED repeats a
 * run's plan and fault dice; the interleaving is the machine's).
 *
 * QStash runs in real time (as every stand-in does): a delivery that finds another worker's lease
 * queues a recheck delayed by the lease's remaining seconds + 1, and that delay must really
 * elapse — were it compressed, the recheck would land while the dead worker's lease still holds,
 * its follow-up recheck would be deduplicated (same holder, same deadline), and the job would be
 * left with no message. Retries start at 1 s and grow to span 150 s, longer than the app-down
 * window; a short lease (2.5 s), stall timeout (1 s) and stale bound (10 s) keep recovery quick.
 */
const JOBS = Number(process.env.CHAOS_JOBS) || 200;
const SEED = Number(process.env.CHAOS_SEED) || Math.floor(Math.random() * 1e9);
const KNOBS = {
  latencyMsPerToken: 3,
  fail429Rate: 0.025,
  fail500Rate: 0.025,
  stallRate: 0.03,
  invalidJsonRate: 0.05,
  retryAfterSeconds: 1,
  seed: SEED % 100_000,
};
const FAULTS = { duplicateRate: 0.1 };
/** Longer than the QStash SDK's own publish retries (~4.3 s), so some starts and follow-ups do fail. */
const RESTART_DOWN_MS = 8000;
/** Share of consume deliveries to crash: a delivery is armed more often while the run is below it. */
const CRASH_SHARE = 0.1;
/** Outage windows: every delivery refused and every browser request unanswered; Redis unreachable from the app. */
const APP_DOWN_MS = Number(process.env.CHAOS_APP_DOWN_MS ?? 120_000);
const REDIS_DOWN_MS = Number(process.env.CHAOS_REDIS_DOWN_MS ?? 20_000);
/** What QStash's retries of one message span: longer than the app-down window, so retries alone could carry a job through it. */
const RETRY_SPAN_MS = Math.max(30_000, Math.round(APP_DOWN_MS * 1.25));

let stack: TestStack;
let front: CrashingFront;
/** What QStash delivers to (the front), what browsers call (the app), what the app calls Redis through. */
let toFront: OutageProxy;
let toApp: OutageProxy;
let toRedis: OutageProxy;
let directRedisUrl = "";
const windows: OutageWindow[] = [];
const windowRuns: Array<Promise<void>> = [];
let ledger: Ledger;
let crashing = true;
const logs = captureAppLogs();
const policy = (): CrashPolicy => {
  if (!crashing) return { armRate: 0, maxDelayMs: 0 };
  const consumed = front.deliveries.filter((d) => d.path === "/api/analysis/consume").length;
  return { armRate: front.crashes.length < CRASH_SHARE * consumed ? 0.5 : 0.02, maxDelayMs: 600 };
};
const statsBefore: QStashStats[] = [];
let restart: Promise<{ resumed: number; from: number; to: number }> | null = null;
let input: AuditInput | undefined;
let facts: RunFacts | undefined;

beforeAll(async () => {
  front = await startCrashingFront(policy);
  toFront = await startOutageProxy(front.url);
  stack = await startTestStack({
    env: {
      APP_BASE_URL: toFront.url, // QStash delivers through the crashing front
      QSTASH_RETRIES: "5",
      QSTASH_RETRY_DELAY_MS: "1000",
      QSTASH_RETRY_SPAN_MS: String(RETRY_SPAN_MS),
      JOB_STALE_MS: "10000",
      JOB_LEASE_MS: "2500",
      OPENAI_STALL_TIMEOUT_MS: "1000",
      // Long listings hand their last steps to a continuation message.
      CONSUME_TIME_BUDGET_MS: "1200",
      CIRCUIT_COOLDOWN_MS: "2000",
      RESULT_CACHE_SECONDS: "0",
      START_RATE_LIMIT: "0",
    },
  });
  if (!stack.redis.redisUrl)
    throw new Error(
      "the chaos suite needs redis-server on PATH (or REDIS_URL): QStash's restart reloads its messages from Redis",
    );
  toApp = await startOutageProxy(stack.app.url);
  // Before the app's first request: its environment is parsed once. The suite's own reads go direct.
  directRedisUrl = process.env.UPSTASH_REDIS_REST_URL!;
  toRedis = await startOutageProxy(directRedisUrl);
  process.env.UPSTASH_REDIS_REST_URL = toRedis.url;
  ledger = await startLedger(stack.redis.redisUrl, stack.prefix);
  stack.openai.setKnobs(KNOBS);
  stack.qstash.setFaults(FAULTS);
});

afterAll(async () => {
  await Promise.all(windowRuns);
  process.env.UPSTASH_REDIS_REST_URL = directRedisUrl || process.env.UPSTASH_REDIS_REST_URL;
  logs.restore();
  if (facts) printFigures(figureRows(facts));
  if (input) {
    const findings = [
      unended,
      endingsAndResults,
      (i: AuditInput) => paidTwice(i).violations,
      (i: AuditInput) => tokenAccounts(i).violations,
      dlqMatches,
    ].flatMap((check) => check(input!));
    const named = new Set(
      findings
        .flatMap((f) => f.match(/[A-Za-z0-9_-]{16}/g) ?? [])
        .filter((id) => input!.jobs.has(id)),
    );
    if (named.size)
      console.log(
        `\napp log lines of the jobs named in findings:\n${logs.about(named).join("\n")}`,
      );
  }
  ledger?.stop();
  await stack?.qstash.stop(); // the restarted instance: TestStack.stop() holds the first one
  await stack?.stop();
  await front?.stop();
  for (const proxy of [toFront, toApp, toRedis]) await proxy?.stop();
});

/** Takes `proxies` down for `ms` (recorded as a window of `kind`), `onDown` right after they close. */
function takeDown(
  kind: OutageWindow["kind"],
  proxies: OutageProxy[],
  ms: number,
  onDown = () => {},
): void {
  const run = (async () => {
    const from = Date.now();
    await Promise.all(proxies.map((p) => p.down()));
    onDown();
    await new Promise((r) => setTimeout(r, ms));
    await Promise.all(proxies.map((p) => p.up()));
    windows.push({ kind, from, to: Date.now() });
  })();
  windowRuns.push(run);
}

async function listDlq(): Promise<DlqEntry[]> {
  const client = new Client({
    baseUrl: stack.qstash.url,
    token: process.env.QSTASH_TOKEN!,
    enableTelemetry: false,
  });
  const out: DlqEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.dlq.listMessages({ count: 100, ...(cursor ? { cursor } : {}) });
    for (const m of page.messages) {
      const url = new URL(m.url);
      let jobId = url.searchParams.get("job");
      try {
        jobId = (JSON.parse(m.body ?? "") as { jobId?: string }).jobId ?? jobId;
      } catch {
        // a failure-callback body: the URL names the job
      }
      out.push({ jobId, path: url.pathname });
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Resolves when QStash has nothing pending or in flight, or says what is left after `ms`. */
async function settle(ms: number): Promise<string> {
  const timeout = new Promise<string>((resolve) =>
    setTimeout(
      () =>
        resolve(`QStash still busy after ${ms / 1000} s: ${JSON.stringify(stack.qstash.stats())}`),
      ms,
    ).unref(),
  );
  return Promise.race([stack.qstash.idle().then(() => ""), timeout]);
}

describe(`chaos: ${JOBS} jobs through crashes, duplicate deliveries, provider faults, the app and Redis down, and a QStash restart`, () => {
  it("every job reaches succeeded, failed or canceled (none lost, none stuck)", async () => {
    const started = Date.now();
    const tracked = await runWorkload({
      plan: planJobs(JOBS, rng(SEED)),
      appUrl: toApp.url,
      concurrency: 16,
      jobDeadlineMs: 180_000 + APP_DOWN_MS + REDIS_DOWN_MS,
      pollMs: 300,
      onStarted: (n) => {
        // The app goes down for QStash and browsers alike; what it was running dies with it.
        if (n === Math.ceil(JOBS * 0.2) && APP_DOWN_MS > 0)
          takeDown("app_down", [toFront, toApp], APP_DOWN_MS, () => front.crashAll());
        if (n === Math.ceil(JOBS * 0.7) && REDIS_DOWN_MS > 0)
          takeDown("redis_down", [toRedis], REDIS_DOWN_MS);
        if (n === Math.ceil(JOBS * 0.4)) {
          const from = Date.now();
          restart = restartQStash(stack, { faults: FAULTS, downMs: RESTART_DOWN_MS }).then((r) => {
            statsBefore.push(r.statsBefore);
            return { ...r, from, to: Date.now() };
          });
        }
        // A few calls refused for good (400): their jobs fail at once, with a 489 to QStash.
        if (n === Math.ceil(JOBS * 0.6))
          stack.openai.setKnobs({
            ...KNOBS,
            failNext: [{ kind: "400", count: Math.max(1, Math.round(JOBS / 40)) }],
          });
      },
    });
    const wallMs = Math.max(...tracked.map((t) => t.endedAt ?? Date.now())) - started;
    const restarted = await restart;
    await Promise.all(windowRuns);
    crashing = false;
    // Retries still due after the windows are delivered (and acknowledged: their jobs ended).
    const busy = await settle(RETRY_SPAN_MS + 60_000);
    const jobs = await loadJobs(stack.prefix);
    const calls = stack.openai.calls();
    const outage = restarted ? { from: restarted.from, to: restarted.to } : null;
    input = {
      tracked,
      jobs,
      calls,
      crashes: front.crashes,
      deliveries: front.deliveries,
      ledger,
      dlq: await listDlq(),
      outage,
      windows,
    };
    const repeats = paidTwice(input);
    facts = {
      seed: SEED,
      tracked,
      jobs,
      calls,
      front,
      wallMs,
      qstash: addStats(statsBefore, stack.qstash.stats()),
      restart: restarted ? { ...restarted, downMs: RESTART_DOWN_MS } : null,
      repeats,
      tokens: tokenAccounts(input),
      dlqSize: input.dlq.length,
      logs: logs.lines,
      leases: [...ledger.leases.values()].reduce((sum, n) => sum + n, 0),
      windows,
    };
    expect(restarted, "the QStash stand-in was restarted mid-run").toBeTruthy();
    if (APP_DOWN_MS > 0)
      expect(
        windows.map((w) => w.kind),
        "the app and Redis were down once each",
      ).toContain("app_down");
    if (REDIS_DOWN_MS > 0) expect(windows.map((w) => w.kind)).toContain("redis_down");
    expect(unended(input)).toEqual([]);
    expect(busy).toBe("");
  });

  it("no job ends twice or has two results; one identity is one job", () => {
    expect(endingsAndResults(input!)).toEqual([]);
  });

  it("no checkpointed step is paid twice; a step is paid again only after a crash or a failed call", () => {
    expect(paidTwice(input!).violations).toEqual([]);
  });

  it("a job's tokens are its checkpointed steps' paid calls", () => {
    expect(tokenAccounts(input!).violations).toEqual([]);
  });

  it("every key has a TTL, and no secret is stored", async () => {
    expect(await keysWithoutTtl(stack.prefix)).toEqual([]);
    expect(await leakedSecrets(stack.prefix, process.env)).toEqual([]);
  });

  it("the DLQ holds exactly the jobs that failed for good", () => {
    expect(dlqMatches(input!)).toEqual([]);
  });
});
