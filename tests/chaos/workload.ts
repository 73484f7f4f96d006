import { setTimeout as sleep } from "node:timers/promises";
import { catalog } from "@/lib/listings/catalog";
import { Visitor, type JobView } from "../helpers/visitor.ts";

/**
 * The chaos workload: `jobs` analyses started by several visitors over every catalog listing and
 * analysis type, each with its own identity (owner + listing + type + params), a bounded number
 * in flight. A few are double-clicked (two concurrent starts: one job) and a few are canceled.
 * Each visitor behaves like a browser: starts, polls status until the job ends, and starts again
 * when the start was refused (503) or not answered (the app down) — a person clicking again;
 * a poll answered 503 or not at all is a page reconnecting, not a problem.
 */
export type PlannedJob = {
  visitor: number;
  listingId: string;
  analysisType: "business_analysis" | "market_intelligence" | "risk_assessment";
  params: Record<string, string | number>;
  doubleClick: boolean;
  cancelAfterMs: number | null;
};

export type TrackedJob = {
  plan: PlannedJob;
  jobId: string | null;
  /** Starts refused (503: the queue or storage unavailable) or unanswered (the app down) before one was accepted. */
  refusedStarts: number;
  /** Polls answered 503 (storage unreachable) or not at all (the app down): a page saying it is reconnecting. */
  unansweredPolls: number;
  /** Both answers of a double-click, when both were accepted. */
  doubleClickIds: string[];
  startedAt: number;
  endedAt: number | null;
  job: JobView | null;
  problem: string | null;
};

const TYPES: Array<[PlannedJob["analysisType"], Array<Record<string, string | number>>]> = [
  ["business_analysis", [{ perspective: "buyer" }, { perspective: "seller" }]],
  ["market_intelligence", Array.from({ length: 10 }, (_, i) => ({ horizonYears: i + 1 }))],
  [
    "risk_assessment",
    [{ riskTolerance: "low" }, { riskTolerance: "medium" }, { riskTolerance: "high" }],
  ],
];

/** A small seeded PRNG (mulberry32), so a run's plan can be repeated with CHAOS_SEED. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct identities per visitor (5 listings × 15 type/params = 75 each), types interleaved. */
export function planJobs(jobs: number, random: () => number): PlannedJob[] {
  const visitors = Math.max(3, Math.ceil(jobs / 25));
  const identities = catalog.flatMap((l) =>
    TYPES.flatMap(([analysisType, list]) =>
      list.map((params) => ({ listingId: l.id, analysisType, params })),
    ),
  );
  const decks = Array.from({ length: visitors }, () => shuffle([...identities], random));
  return Array.from({ length: jobs }, (_, i) => ({
    visitor: i % visitors,
    ...decks[i % visitors][Math.floor(i / visitors)],
    // One start in 20 is a double-click, one in 25 is canceled after 0.1–1.5 s.
    doubleClick: i % 20 === 7,
    cancelAfterMs: i % 25 === 3 ? 100 + Math.floor(random() * 1400) : null,
  }));
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

type StartAnswer = Awaited<ReturnType<Visitor["start"]>>;

/** How long a person keeps clicking Start while the app or its storage is down, in ms. */
const START_GIVE_UP_MS = 300_000;

async function startOnce(visitor: Visitor, p: PlannedJob): Promise<StartAnswer | null> {
  const answer = await visitor
    .start({ listingId: p.listingId, analysisType: p.analysisType, params: p.params })
    .catch(() => null);
  if (!answer || answer.res.status === 503) return null;
  if (answer.res.status !== 202)
    throw new Error(`start answered ${answer.res.status}: ${JSON.stringify(answer.body)}`);
  return answer;
}

async function start(visitor: Visitor, t: TrackedJob): Promise<string> {
  for (;;) {
    const answers = await Promise.all(
      Array.from({ length: t.plan.doubleClick ? 2 : 1 }, () => startOnce(visitor, t.plan)),
    );
    const accepted = answers.filter((a): a is StartAnswer => a !== null);
    t.refusedStarts += answers.length - accepted.length;
    if (accepted.length === 2) t.doubleClickIds = accepted.map((a) => a.body.job.id);
    if (accepted.length) return accepted[0].body.job.id;
    if (Date.now() - t.startedAt > START_GIVE_UP_MS)
      throw new Error(`starts refused for ${START_GIVE_UP_MS / 1000} s`);
    await sleep(500);
  }
}

const TERMINAL = ["succeeded", "failed", "canceled"];

async function follow(
  visitor: Visitor,
  t: TrackedJob,
  jobId: string,
  deadlineMs: number,
  pollMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const { res, job } = await visitor.status(jobId).catch(() => ({ res: null, job: null }));
    if (!res || res.status === 503) t.unansweredPolls++;
    else if (res.status !== 200) t.problem = `status answered ${res.status}`;
    if (job) t.job = job;
    if (job && TERMINAL.includes(job.status)) {
      t.endedAt = Date.now();
      return;
    }
    await sleep(pollMs);
  }
  t.problem = `still ${t.job?.status ?? "unknown"} ${deadlineMs / 1000} s after it started`;
}

export async function runWorkload(opts: {
  plan: PlannedJob[];
  appUrl: string;
  concurrency: number;
  /** Per job, from its start, before it counts as stuck. */
  jobDeadlineMs: number;
  pollMs: number;
  /** Called as each job is started (1-based count): the suite's fault schedule hangs on it. */
  onStarted?: (count: number) => Promise<void> | void;
}): Promise<TrackedJob[]> {
  const visitors = await Promise.all(
    Array.from({ length: Math.max(...opts.plan.map((p) => p.visitor)) + 1 }, async () => {
      const v = new Visitor(opts.appUrl);
      await v.request("/api/listings"); // the session cookie first, so concurrent starts share an owner
      return v;
    }),
  );
  const tracked: TrackedJob[] = opts.plan.map((plan) => ({
    plan,
    jobId: null,
    refusedStarts: 0,
    unansweredPolls: 0,
    doubleClickIds: [],
    startedAt: 0,
    endedAt: null,
    job: null,
    problem: null,
  }));
  let next = 0;
  let started = 0;
  const worker = async () => {
    while (next < tracked.length) {
      const t = tracked[next++];
      const visitor = visitors[t.plan.visitor];
      t.startedAt = Date.now();
      try {
        const jobId = (t.jobId = await start(visitor, t));
        await opts.onStarted?.(++started);
        if (t.plan.cancelAfterMs !== null)
          setTimeout(
            () => void visitor.post("/api/analysis/cancel", { jobId }).catch(() => {}),
            t.plan.cancelAfterMs,
          );
        await follow(visitor, t, jobId, opts.jobDeadlineMs, opts.pollMs);
      } catch (error) {
        t.problem = error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return tracked;
}
