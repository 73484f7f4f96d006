import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QStashStats } from "../../dev/qstash/index.ts";
import { keysWithoutTtl, leakedSecrets } from "../helpers/redis-scan.ts";
import { startTestStack, type TestStack } from "../helpers/stack.ts";
import { captureAppLogs } from "./app-logs.ts";
import { dlqMatches, endingsAndResults, loadJobs, paidTwice, tokenAccounts, unended, type AuditInput, type DlqEntry } from "./audit.ts";
import { startCrashingFront, type CrashingFront, type CrashPolicy } from "./crashing-front.ts";
import { figureRows, printFigures, type RunFacts } from "./figures.ts";
import { startLedger, type Ledger } from "./ledger.ts";
import { addStats, restartQStash } from "./qstash-restart.ts";
import { planJobs, rng, runWorkload } from "./workload.ts";

/**
 * Chaos: CHAOS_JOBS analyses (default 200; `npm test` runs 40) through the local stack while
 * ~10 % of consume deliveries crash mid-step, ~10 % are delivered twice, ~5 % of model calls
 * answer 429/500 and some streams stall, a few calls are refused for good (400), and the QStash
 * stand-in is restarted once mid-run. Then the invariants of design.md are checked against
 * what Redis committed (ledger.ts), the simulator was paid for, the crashed deliveries
 * (crashing-front.ts) and the DLQ saw. The figures are printed at the end (CHAOS_SEED repeats a
 * run's plan and fault dice; the interleaving is the machine's).
 *
 * QStash runs in real time: a delivery that finds another worker's lease queues a recheck
 * delayed by the lease's remaining seconds + 1, and that delay must really elapse — scaled down,
 * the recheck lands while the dead worker's lease still holds, its follow-up recheck is
 * deduplicated (same holder, same deadline), and the job is left with no message. Retries back
 * off 2, 4, 8 s; a short lease (2.5 s) and stall timeout (1 s) keep recovery quick.
 */
const JOBS = Number(process.env.CHAOS_JOBS) || 200;
const SEED = Number(process.env.CHAOS_SEED) || Math.floor(Math.random() * 1e9);
const TIME_SCALE = 1;
const KNOBS = { latencyMsPerToken: 3, fail429Rate: 0.025, fail500Rate: 0.025, stallRate: 0.03, invalidJsonRate: 0.05, retryAfterSeconds: 1, seed: SEED % 100_000 };
const FAULTS = { duplicateRate: 0.1 };
/** Longer than the QStash SDK's own publish retries (~4.3 s), so some starts and follow-ups do fail. */
const RESTART_DOWN_MS = 8000;
/** Share of consume deliveries to crash: a delivery is armed more often while the run is below it. */
const CRASH_SHARE = 0.1;

let stack: TestStack;
let front: CrashingFront;
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
  stack = await startTestStack({
    timeScale: TIME_SCALE,
    env: {
      APP_BASE_URL: front.url, // QStash delivers through the crashing front
      JOB_LEASE_MS: "2500",
      OPENAI_STALL_TIMEOUT_MS: "1000",
      // Long listings hand their last steps to a continuation message.
      CONSUME_TIME_BUDGET_MS: "1200",
      CIRCUIT_COOLDOWN_MS: "2000",
      RESULT_CACHE_SECONDS: "0",
      START_RATE_LIMIT: "0",
    },
  });
  if (!stack.redis.redisUrl) throw new Error("the chaos suite needs redis-server on PATH (or REDIS_URL): QStash's restart reloads its messages from Redis");
  ledger = await startLedger(stack.redis.redisUrl, stack.prefix);
  stack.openai.setKnobs(KNOBS);
  stack.qstash.setFaults(FAULTS);
});

afterAll(async () => {
  logs.restore();
  if (facts) printFigures(figureRows(facts));
  if (input) {
    const findings = [unended, endingsAndResults, (i: AuditInput) => paidTwice(i).violations, (i: AuditInput) => tokenAccounts(i).violations, dlqMatches].flatMap((check) => check(input!));
    const named = new Set(findings.flatMap((f) => f.match(/[A-Za-z0-9_-]{16}/g) ?? []).filter((id) => input!.jobs.has(id)));
    if (named.size) console.log(`\napp log lines of the jobs named in findings:\n${logs.about(named).join("\n")}`);
  }
  ledger?.stop();
  await stack?.qstash.stop(); // the restarted instance: TestStack.stop() holds the first one
  await stack?.stop();
  await front?.stop();
});

async function listDlq(): Promise<DlqEntry[]> {
  const client = new Client({ baseUrl: stack.qstash.url, token: process.env.QSTASH_TOKEN!, enableTelemetry: false });
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
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`QStash still busy after ${ms / 1000} s: ${JSON.stringify(stack.qstash.stats())}`), ms).unref());
  return Promise.race([stack.qstash.idle().then(() => ""), timeout]);
}

describe(`chaos: ${JOBS} jobs through crashes, duplicate deliveries, provider faults and a QStash restart`, () => {
  it("every job reaches succeeded, failed or canceled (none lost, none stuck)", async () => {
    const started = Date.now();
    const tracked = await runWorkload({
      plan: planJobs(JOBS, rng(SEED)),
      appUrl: stack.app.url,
      concurrency: 16,
      jobDeadlineMs: 180_000,
      pollMs: 300,
      onStarted: (n) => {
        if (n === Math.ceil(JOBS * 0.4)) {
          const from = Date.now();
          restart = restartQStash(stack, { timeScale: TIME_SCALE, faults: FAULTS, downMs: RESTART_DOWN_MS }).then((r) => {
            statsBefore.push(r.statsBefore);
            return { ...r, from, to: Date.now() };
          });
        }
        // A few calls refused for good (400): their jobs fail at once, with a 489 to QStash.
        if (n === Math.ceil(JOBS * 0.6)) stack.openai.setKnobs({ ...KNOBS, failNext: [{ kind: "400", count: Math.max(1, Math.round(JOBS / 40)) }] });
      },
    });
    const wallMs = Math.max(...tracked.map((t) => t.endedAt ?? Date.now())) - started;
    const restarted = await restart;
    crashing = false;
    const busy = await settle(60_000);
    const jobs = await loadJobs(stack.prefix);
    const calls = stack.openai.calls();
    const outage = restarted ? { from: restarted.from, to: restarted.to } : null;
    input = { tracked, jobs, calls, crashes: front.crashes, deliveries: front.deliveries, ledger, dlq: await listDlq(), outage };
    const repeats = paidTwice(input);
    facts = {
      seed: SEED, tracked, jobs, calls, front, wallMs,
      qstash: addStats(statsBefore, stack.qstash.stats()),
      restart: restarted ? { ...restarted, downMs: RESTART_DOWN_MS } : null,
      repeats, tokens: tokenAccounts(input), dlqSize: input.dlq.length, logs: logs.lines,
      leases: [...ledger.leases.values()].reduce((sum, n) => sum + n, 0),
    };
    expect(restarted, "the QStash stand-in was restarted mid-run").toBeTruthy();
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
