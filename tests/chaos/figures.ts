import type { SimulatorCall } from "../../dev/openai/index.ts";
import type { QStashStats } from "../../dev/qstash/index.ts";
import type { CrashingFront } from "./crashing-front.ts";
import type { JobRecord, OutageWindow } from "./audit.ts";
import type { TrackedJob } from "./workload.ts";

/** What a chaos run did and how the app came through, as name → value rows for the end-of-run table. */
export type RunFacts = {
  seed: number;
  tracked: TrackedJob[];
  jobs: Map<string, JobRecord>;
  calls: SimulatorCall[];
  front: CrashingFront;
  qstash: QStashStats;
  restart: { resumed: number; downMs: number; from: number; to: number } | null;
  repeats: {
    repeats: number;
    byCrash: number;
    byFault: number;
    byOutage: number;
    paidTwice: number;
  };
  tokens: { billed: number; counted: number };
  dlqSize: number;
  wallMs: number;
  logs: Array<{ level: string; event: string }>;
  /** Leases taken: consume deliveries that got to run their job. */
  leases: number;
  windows: OutageWindow[];
};

const clock = (t: number) => new Date(t).toISOString().slice(11, 23);
const pct = (part: number, whole: number) =>
  whole ? `${((100 * part) / whole).toFixed(1)} %` : "—";
const quantile = (values: number[], q: number) =>
  values.length
    ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]
    : 0;
const countBy = <T>(items: T[], key: (t: T) => string | undefined) => {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

export function figureRows(f: RunFacts): Array<[string, string]> {
  const jobs = [...f.jobs.values()];
  const statuses = countBy(jobs, (j) => j.status);
  const consume = f.front.deliveries.filter((d) => d.path === "/api/analysis/consume");
  const latencies = f.tracked.filter((t) => t.endedAt).map((t) => t.endedAt! - t.startedAt);
  return [
    ["seed (CHAOS_SEED)", String(f.seed)],
    ["jobs started by visitors / job hashes in Redis", `${f.tracked.length} / ${jobs.length}`],
    [
      "succeeded / failed / canceled",
      `${statuses.succeeded ?? 0} / ${statuses.failed ?? 0} / ${statuses.canceled ?? 0}`,
    ],
    [
      "failures by code",
      list(
        countBy(
          jobs.filter((j) => j.status === "failed"),
          (j) => j.errorCode ?? "?",
        ),
      ),
    ],
    ["double-clicked starts", String(f.tracked.filter((t) => t.plan.doubleClick).length)],
    [
      "consume deliveries (incl. duplicates) / crashed mid-step",
      `${consume.length} / ${f.front.crashes.length} (${pct(f.front.crashes.length, consume.length)})`,
    ],
    [
      "consume deliveries that took the lease / found it held or the job ended",
      `${f.leases} / ${consume.length - f.leases}`,
    ],
    [
      "crashes by step in flight",
      list(countBy(f.front.crashes, (c) => c.step?.replace(/:\d+$/, "") ?? "none")),
    ],
    [
      "duplicate deliveries (QStash duplicateRate)",
      `${f.qstash.duplicated} (${pct(f.qstash.duplicated, f.qstash.attempted)} of attempts)`,
    ],
    ...f.windows.flatMap((w): Array<[string, string]> => {
      const inFlight = f.tracked.filter(
        (t) => t.startedAt < w.from && (t.endedAt ?? Infinity) > w.from,
      );
      const after = inFlight
        .filter((t) => t.endedAt)
        .map((t) => Math.max(0, t.endedAt! - w.to) / 1000);
      const what =
        w.kind === "app_down"
          ? "app down (deliveries refused, browsers unanswered)"
          : "Redis unreachable from the app";
      return [
        [
          what,
          `${((w.to - w.from) / 1000).toFixed(1)} s, ${clock(w.from)}–${clock(w.to)}; deliveries that reached the app meanwhile: ${f.front.deliveries.filter((d) => d.startedAt >= w.from && d.startedAt <= w.to).length}`,
        ],
        [
          `… jobs in flight when it began / ended after, s past its end p50 / max`,
          `${inFlight.length} / ${quantile(after, 0.5).toFixed(1)} / ${Math.max(0, ...after).toFixed(1)}`,
        ],
      ];
    }),
    [
      "polls unanswered or 503 (the page reconnecting) / starts refused or unanswered",
      `${f.tracked.reduce((s, t) => s + t.unansweredPolls, 0)} / ${f.tracked.reduce((s, t) => s + t.refusedStarts, 0)}`,
    ],
    [
      "jobs revived after their messages ran out or were lost / revivals",
      `${jobs.filter((j) => j.revives > 0).length} / ${jobs.reduce((s, j) => s + j.revives, 0)}`,
    ],
    [
      "QStash restarts / messages resumed from Redis",
      f.restart
        ? `1 / ${f.restart.resumed} (down ${f.restart.downMs} ms, ${clock(f.restart.from)}–${clock(f.restart.to)})`
        : "0",
    ],
    [
      "QStash published / attempts / failed attempts",
      `${f.qstash.published} / ${f.qstash.attempted} / ${f.qstash.failed}`,
    ],
    [
      "simulator calls / paid in full",
      `${f.calls.length} / ${f.calls.filter((c) => c.outcome === "ok" && c.status === 200).length}`,
    ],
    [
      "simulator faults injected",
      `${list(countBy(f.calls, (c) => c.fault))} (${pct(f.calls.filter((c) => c.fault === "429" || c.fault === "500").length, f.calls.length)} 429/500)`,
    ],
    ["simulator calls by outcome", list(countBy(f.calls, (c) => c.outcome))],
    [
      "steps called again: after a crash / a failed or stalled call / across the Redis outage",
      `${f.repeats.byCrash} / ${f.repeats.byFault} / ${f.repeats.byOutage}`,
    ],
    [
      "steps paid twice (two billed calls) / after their checkpoint",
      `${f.repeats.paidTwice} / 0 allowed`,
    ],
    [
      "tokens billed by the simulator / counted in jobs' results",
      `${f.tokens.billed} / ${f.tokens.counted} = ${(f.tokens.billed / Math.max(1, f.tokens.counted)).toFixed(3)} (${pct(f.tokens.billed - f.tokens.counted, f.tokens.billed)} lost to crashes, stalls, cancels; goal ≤ 1.01 with background responses)`,
    ],
    [
      "… tokens not in results, by how the job ended: succeeded (calls repeated) / failed / canceled",
      (["succeeded", "failed", "canceled"] as const)
        .map((status) => {
          let lost = 0;
          for (const j of jobs.filter((x) => x.status === status)) {
            const billed = f.calls
              .filter((c) => c.metadata?.job_id === j.id)
              .reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
            lost += billed - j.usage.inputTokens - j.usage.outputTokens;
          }
          return String(lost);
        })
        .join(" / "),
    ],
    [
      "tokens billed / in results, leaving out the calls people canceled",
      (() => {
        const canceled = new Set(jobs.filter((j) => j.status === "canceled").map((j) => j.id));
        const billed = f.calls
          .filter((c) => !canceled.has(String(c.metadata?.job_id)))
          .reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
        const used = jobs
          .filter((j) => !canceled.has(j.id))
          .reduce((n, j) => n + j.usage.inputTokens + j.usage.outputTokens, 0);
        return `${billed} / ${used} = ${(billed / Math.max(1, used)).toFixed(3)}`;
      })(),
    ],
    [
      "model calls as background responses / resumed by a later stream",
      `${f.calls.filter((c) => c.background).length} / ${f.calls.filter((c) => (c.streams ?? 0) > 1).length}`,
    ],
    ["max attempts of one job", String(Math.max(0, ...jobs.map((j) => j.attempt)))],
    ["DLQ size", String(f.dlqSize)],
    [
      "app log lines kept back: warn / error / QStash SDK publish retries",
      `${f.logs.filter((l) => l.level === "warn" && l.event !== "sdk_retry").length} / ${f.logs.filter((l) => l.level === "error").length} / ${f.logs.filter((l) => l.event === "sdk_retry").length}`,
    ],
    [
      "job latency p50 / p95 / max (start → terminal, seen by polling)",
      `${quantile(latencies, 0.5)} / ${quantile(latencies, 0.95)} / ${Math.max(0, ...latencies)} ms`,
    ],
    ["wall time", `${(f.wallMs / 1000).toFixed(1)} s`],
    ["jobs / minute", ((60_000 * f.tracked.length) / Math.max(1, f.wallMs)).toFixed(1)],
  ];
}

export function printFigures(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nchaos run\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}`);
}
