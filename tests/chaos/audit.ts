import { isDeepStrictEqual } from "node:util";
import type { SimulatorCall } from "../../dev/openai/index.ts";
import { keysWithTtl, testRedis } from "../helpers/redis-scan.ts";
import type { CrashRecord, DeliveryRecord } from "./crashing-front.ts";
import type { Ledger } from "./ledger.ts";
import type { TrackedJob } from "./workload.ts";

/**
 * The invariants a chaos run must keep, checked against what each part of the stack saw: the job
 * hashes and checkpoints in Redis, the writes Redis committed (ledger), the model calls the
 * simulator was paid for, the deliveries the suite crashed, and QStash's DLQ. Each check returns
 * readable findings ("job X: …"); an empty list is a pass.
 */
export type JobRecord = {
  id: string;
  status: string;
  errorCode: string | null;
  result: unknown;
  usage: { inputTokens: number; outputTokens: number };
  finishedAt: number | null;
  attempt: number;
  /** Times it was published again after its messages ran out or were lost (lib/jobs/revive.ts). */
  revives: number;
  checkpoints: Record<
    string,
    { usage?: { inputTokens: number; outputTokens: number }; result?: unknown }
  >;
};

/** A span of the run when part of the stack was down on purpose (epoch ms). */
export type OutageWindow = { kind: "app_down" | "redis_down"; from: number; to: number };

export type DlqEntry = { jobId: string | null; path: string };

export type AuditInput = {
  tracked: TrackedJob[];
  jobs: Map<string, JobRecord>;
  calls: SimulatorCall[];
  crashes: CrashRecord[];
  deliveries: DeliveryRecord[];
  ledger: Ledger;
  dlq: DlqEntry[];
  /** When QStash was down for its restart (epoch ms). */
  outage: { from: number; to: number } | null;
  /** When the app or Redis was down: a step whose checkpoint could not be written then is run again. */
  windows: OutageWindow[];
};

/** HGETALL without deserialization answers Redis's own [field, value, …]. */
function fields(raw: unknown): Record<string, string> | null {
  if (!raw) return null;
  if (!Array.isArray(raw)) return raw as Record<string, string>;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1]);
  return out;
}

/** Every job hash the app wrote under `prefix`, with its checkpoints: ground truth, including jobs no visitor heard of. */
export async function loadJobs(prefix: string): Promise<Map<string, JobRecord>> {
  const redis = testRedis();
  const ids = (await keysWithTtl(prefix))
    .map((k) => /^job:([A-Za-z0-9_-]+)$/.exec(k.key.slice(prefix.length))?.[1])
    .filter((id): id is string => Boolean(id));
  const jobs = new Map<string, JobRecord>();
  for (const id of ids) {
    const [h, steps] = (
      await Promise.all([
        redis.hgetall(`${prefix}job:${id}`),
        redis.hgetall(`${prefix}job:${id}:steps`),
      ])
    ).map(fields);
    if (!h) continue;
    const checkpoints = Object.fromEntries(
      Object.entries(steps ?? {})
        .filter(([k]) => !k.startsWith("@"))
        .map(([k, v]) => [k, JSON.parse(v)]),
    );
    jobs.set(id, {
      id,
      status: h.status,
      errorCode: h.error ? (JSON.parse(h.error) as { code: string }).code : null,
      result: h.result ? JSON.parse(h.result) : null,
      usage: { inputTokens: Number(h.usageIn) || 0, outputTokens: Number(h.usageOut) || 0 },
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
      attempt: Number(h.attempt) || 0,
      revives: Number(h.revives) || 0,
      checkpoints,
    });
  }
  return jobs;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);
const tokens = (u: { inputTokens: number; outputTokens: number } | undefined) =>
  u ? u.inputTokens + u.outputTokens : 0;
const ok = (c: SimulatorCall) => c.outcome === "ok" && c.endedAt !== undefined && c.status === 200;

/** Model calls of each job, by step, oldest first. */
export function callsByStep(calls: SimulatorCall[]): Map<string, Map<string, SimulatorCall[]>> {
  const out = new Map<string, Map<string, SimulatorCall[]>>();
  for (const c of [...calls].sort((a, b) => a.startedAt - b.startedAt)) {
    const [job, step] = [c.metadata?.job_id, c.metadata?.step];
    if (!job || !step) continue;
    const steps = out.get(job) ?? new Map<string, SimulatorCall[]>();
    steps.set(step, [...(steps.get(step) ?? []), c]);
    out.set(job, steps);
  }
  return out;
}

/** Invariant 4: every job ends, none is lost (every start a visitor made is a job that ended). */
export function unended({ tracked, jobs }: AuditInput): string[] {
  const out = tracked
    .filter((t) => t.problem || !t.jobId)
    .map(
      (t) =>
        `${t.jobId ?? "(no job)"} ${t.plan.listingId}/${t.plan.analysisType}: ${t.problem ?? "never started"}`,
    );
  for (const t of tracked)
    if (t.jobId && !jobs.has(t.jobId)) out.push(`${t.jobId}: gone from Redis`);
  for (const j of jobs.values()) {
    if (!TERMINAL.has(j.status)) out.push(`${j.id}: still ${j.status} (attempt ${j.attempt})`);
    // The status route's timeout sweep ends a job nobody resumed: a lost job, rescued late.
    if (j.errorCode === "timeout")
      out.push(`${j.id}: failed by the timeout sweep (no worker resumed it)`);
  }
  return out;
}

/** Invariants 1 and 5: one job per identity; a job ends once and a success writes one result (none otherwise). */
export function endingsAndResults({ tracked, jobs, ledger }: AuditInput): string[] {
  const out: string[] = [];
  for (const t of tracked)
    if (new Set(t.doubleClickIds).size > 1)
      out.push(`double-click on one identity made two jobs: ${t.doubleClickIds.join(", ")}`);
  for (const j of jobs.values()) {
    const endings = ledger.endings.get(j.id) ?? [];
    const results = ledger.results.get(j.id) ?? 0;
    if (TERMINAL.has(j.status) && endings.length !== 1)
      out.push(`${j.id}: ended ${endings.length} times (${endings.join(", ")})`);
    if (j.status === "succeeded" && results !== 1)
      out.push(`${j.id}: succeeded with ${results} result writes`);
    if (j.status !== "succeeded" && results !== 0)
      out.push(`${j.id}: ${j.status} but a result was written ${results} time(s)`);
    if (j.status === "succeeded" && !isDeepStrictEqual(j.result, j.checkpoints.validate?.result))
      out.push(`${j.id}: its result is not its validated checkpoint`);
    // The ledger must have seen what Redis holds, or the checks built on it would pass vacuously.
    for (const step of Object.keys(j.checkpoints))
      if (!ledger.checkpoints.get(j.id)?.has(step))
        out.push(`${j.id} ${step}: checkpoint in Redis the ledger never saw written`);
  }
  return out;
}

/**
 * Invariant 2, exactly: no model call for a step starts after that step's checkpoint was committed.
 * And every repeated call of a step is explained: the previous call failed, stalled or was cut, or
 * the job's delivery was crashed between the previous call's start and this one's, or Redis was
 * down in between (the answer was paid, its checkpoint could not be written: not a checkpointed step).
 */
/**
 * How long before the simulator stamps a call a crash of its delivery can still have caused it
 * to be paid again: the request was on the wire when the delivery died (its abort reported as a
 * connection error), and the simulator, reading it a few ms later, runs and bills it anyway.
 */
const IN_FLIGHT_MS = 250;

export function paidTwice({ calls, crashes, ledger, windows }: AuditInput): {
  violations: string[];
  repeats: number;
  byCrash: number;
  byFault: number;
  byOutage: number;
  paidTwice: number;
} {
  const violations: string[] = [];
  let [repeats, byCrash, byFault, byOutage, paidTwice] = [0, 0, 0, 0, 0];
  const redisDown = (from: number, to: number) =>
    windows.some((w) => w.kind === "redis_down" && w.from <= to && w.to >= from);
  for (const [job, steps] of callsByStep(calls)) {
    for (const [step, list] of steps) {
      if (list.filter((c) => c.inputTokens + c.outputTokens > 0).length > 1) paidTwice++;
      const committed = ledger.checkpoints.get(job)?.get(step)?.[0];
      if ((ledger.checkpoints.get(job)?.get(step)?.length ?? 0) > 1)
        violations.push(
          `${job} ${step}: checkpointed ${ledger.checkpoints.get(job)!.get(step)!.length} times`,
        );
      for (const c of list)
        if (committed !== undefined && c.startedAt > committed)
          violations.push(
            `${job} ${step}: paid again ${c.startedAt - committed} ms after its checkpoint was committed`,
          );
      for (let k = 1; k < list.length; k++) {
        const [prev, c] = [list[k - 1], list[k]];
        repeats++;
        const crashed = (x: AuditInput["crashes"][number]) =>
          x.jobId === job && x.at >= prev.startedAt - IN_FLIGHT_MS && x.at <= c.startedAt;
        if (crashes.some(crashed)) byCrash++;
        else if (!ok(prev)) byFault++;
        else if (redisDown(prev.startedAt, c.startedAt)) byOutage++;
        else
          violations.push(
            `${job} ${step}: paid twice with no crash, failed call or Redis outage in between (calls at ${prev.startedAt} and ${c.startedAt})`,
          );
      }
    }
  }
  return { violations, repeats, byCrash, byFault, byOutage, paidTwice };
}

/**
 * A job's token count is what its checkpointed steps used, each the usage of a paid call of that
 * step. Paid calls whose answer was lost to a crash (or cut off) are billed but in no job.
 */
export function tokenAccounts({ jobs, calls }: AuditInput): {
  violations: string[];
  billed: number;
  counted: number;
} {
  const violations: string[] = [];
  const byStep = callsByStep(calls);
  for (const j of jobs.values()) {
    let sum = 0;
    for (const [step, cp] of Object.entries(j.checkpoints)) {
      if (!cp.usage) continue;
      sum += tokens(cp.usage);
      const paid = (byStep.get(j.id)?.get(step) ?? []).filter(ok);
      if (
        tokens(cp.usage) > 0 &&
        !paid.some(
          (c) =>
            c.inputTokens === cp.usage!.inputTokens && c.outputTokens === cp.usage!.outputTokens,
        )
      ) {
        violations.push(
          `${j.id} ${step}: checkpoint usage ${JSON.stringify(cp.usage)} matches no paid call`,
        );
      }
    }
    if (sum !== tokens(j.usage))
      violations.push(`${j.id}: usage ${tokens(j.usage)} tokens, its checkpoints used ${sum}`);
  }
  const billed = calls.reduce((s, c) => s + c.inputTokens + c.outputTokens, 0);
  const counted = [...jobs.values()].reduce((s, j) => s + tokens(j.usage), 0);
  return { violations, billed, counted };
}

/**
 * QStash's DLQ holds exactly the jobs that failed for good (a worker's non-retryable failure is
 * answered 489, so its message is dead-lettered; QStash giving up dead-letters it and the failure
 * callback fails the job) — except a job whose start could not publish: it never had a message.
 */
export function dlqMatches({ jobs, dlq, deliveries, outage }: AuditInput): string[] {
  const clock = (t: number) => new Date(t).toISOString().slice(11, 23);
  const down = (t: number) =>
    outage && t >= outage.from && t <= outage.to ? " (QStash down)" : "";
  // What the destination saw and answered, so a finding says how QStash's view came apart from the job's.
  const history = (id: string) =>
    deliveries
      .filter((d) => d.jobId === id)
      .map(
        (d) =>
          `${clock(d.startedAt)} ${d.path.split("/").pop()} ${d.messageId.slice(-6)} retried=${d.retried} → ${d.crashed ? "crashed" : (d.status ?? "no answer")}${d.endedAt ? ` at ${clock(d.endedAt)}${down(d.endedAt)}` : ""}`,
      )
      .join("; ");
  const out: string[] = [];
  const inDlq = new Set(dlq.filter((d) => d.path === "/api/analysis/consume").map((d) => d.jobId));
  for (const d of dlq)
    if (d.path !== "/api/analysis/consume")
      out.push(`a ${d.path} message for ${d.jobId} is in the DLQ`);
  for (const j of jobs.values()) {
    if (j.status === "failed" && !inDlq.has(j.id)) {
      if (j.errorCode !== "queue_unavailable")
        out.push(
          `${j.id} failed for good (${j.errorCode}) but is not in the DLQ — deliveries: ${history(j.id)}`,
        );
    }
    if (j.status !== "failed" && inDlq.has(j.id))
      out.push(`${j.id} is in the DLQ but ${j.status} — deliveries: ${history(j.id)}`);
  }
  for (const id of inDlq) if (!id || !jobs.has(id)) out.push(`DLQ message for unknown job ${id}`);
  return out;
}
