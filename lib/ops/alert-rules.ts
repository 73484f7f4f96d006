import { endedByService } from "@/lib/ops/summarize";
import type { AlertRuleId, OpsOverview } from "@/lib/ops/types";

/**
 * The alert rules and their thresholds (from the requirements). Pure: what each rule says
 * about one window of metrics; lib/ops/alerts.ts keeps the state and history. The /ops tiles
 * color the same numbers with the same judge functions, so a tile is red exactly when its
 * rule fires (over the tile's window). Client-safe: no server-only imports.
 * Rates need at least MIN_SAMPLES ended jobs (or deliveries) in the window, so one early
 * failure on a quiet night does not page anyone.
 */
export const MIN_SAMPLES = 5;

export const THRESHOLDS = {
  /** API average response time above this, ms, fires. */
  apiAvgMs: 5000,
  /** Job success rate below this fraction fires. */
  minSuccessRate: 0.95,
  /** Delivery error rate above this fraction fires. */
  maxErrorRate: 0.05,
} as const;

/** "bad" past the threshold, "ok" within it, null when there is too little to judge. */
export type Judgement = "ok" | "bad" | null;

/** `ended`: jobs the service ended (those the person's input failed are not counted). */
export function judgeSuccessRate(rate: number | null, ended: number): Judgement {
  if (rate === null || ended < MIN_SAMPLES) return null;
  return rate < THRESHOLDS.minSuccessRate ? "bad" : "ok";
}

export function judgeErrorRate(rate: number | null, deliveries: number): Judgement {
  if (rate === null || deliveries < MIN_SAMPLES) return null;
  return rate > THRESHOLDS.maxErrorRate ? "bad" : "ok";
}

export function judgeResponseTime(avgMs: number | null | undefined): Judgement {
  if (avgMs === null || avgMs === undefined) return null;
  return avgMs > THRESHOLDS.apiAvgMs ? "bad" : "ok";
}

/**
 * What the DLQ holds: every message, and of them those whose job the person's input failed
 * (lib/ops/dlq-cause.ts). Only the others fire the rule: a content-policy refusal ends in the
 * DLQ because the worker answers QStash "do not retry", not because a delivery was lost, and
 * paging someone for it would teach the operator to ignore the alert. They stay in the DLQ,
 * listed and counted, for the operator to see.
 */
/**
 * The DLQ as the rules see it. `total` counts the messages of jobs; `missedTicks` are the dlqIds
 * of maintenance ticks QStash gave up on (the app was down for a minute): not a failed job, and
 * the next tick that runs removes them (lib/ops/maintenance.ts).
 */
export type DeadLetters = { total: number; inputCaused: number; missedTicks?: string[] };

export type RuleInput = Pick<
  OpsOverview,
  "apiResponseMs" | "successRate" | "errorRate" | "totals"
> & {
  dlq: DeadLetters | null;
  stuck: number;
  /** Of `stuck`, the jobs never delivered yet; with `pausedFlows`, the rule names the pause that holds them. */
  stuckQueued?: number;
  /** The app's flow-control keys QStash holds paused (every analysis waits behind them). */
  pausedFlows?: string[];
  /** Client addresses locked out of the operator sign-in in the window (wrong tokens past OPS_LOCKOUT). */
  lockouts: number;
  /** Tokens billed today against OPENAI_BUDGET_TOKENS_PER_DAY (0: no budget). */
  budget: { billedTokens: number; limitTokens: number };
};

export type RuleVerdict = {
  rule: AlertRuleId;
  title: string;
  threshold: string;
  firing: boolean;
  /** The rule cannot be judged now (QStash unreachable for the DLQ): its stored state stands. */
  unknown?: boolean;
  value: string;
};

const pct = (r: number | null) => (r === null ? "no data" : `${(r * 100).toFixed(1)} %`);

export function evaluateRules(m: RuleInput): RuleVerdict[] {
  const ended = endedByService(m.totals);
  const deliveries = m.totals.deliveries;
  const serviceDeadLetters = m.dlq ? m.dlq.total - m.dlq.inputCaused : 0;
  const inputNote = m.totals.inputFailed
    ? ` (${m.totals.inputFailed} failed by their input, not counted)`
    : "";
  return [
    {
      rule: "avg_response_time",
      title: "API response time",
      threshold: `avg > ${THRESHOLDS.apiAvgMs} ms`,
      firing: judgeResponseTime(m.apiResponseMs?.avg) === "bad",
      value: m.apiResponseMs
        ? `${m.apiResponseMs.avg} ms avg over ${m.apiResponseMs.count} requests`
        : "no requests",
    },
    {
      rule: "success_rate",
      title: "Job success rate",
      threshold: `< ${THRESHOLDS.minSuccessRate * 100} % (judged from ${MIN_SAMPLES} ended jobs)`,
      firing: judgeSuccessRate(m.successRate, ended) === "bad",
      value: `${pct(m.successRate)} of ${ended} ended jobs${inputNote}`,
    },
    {
      rule: "error_rate",
      title: "Delivery error rate",
      threshold: `> ${THRESHOLDS.maxErrorRate * 100} % (judged from ${MIN_SAMPLES} deliveries)`,
      firing: judgeErrorRate(m.errorRate, deliveries) === "bad",
      value: `${pct(m.errorRate)} of ${deliveries} deliveries`,
    },
    {
      rule: "dlq_not_empty",
      title: "Dead-letter queue",
      threshold: "not empty (failures the input caused aside)",
      firing: serviceDeadLetters > 0,
      unknown: m.dlq === null,
      value: m.dlq === null ? "QStash unreachable" : dlqValue(m.dlq),
    },
    {
      rule: "job_stuck",
      title: "Jobs stuck past their timeout",
      threshold: "any",
      firing: m.stuck > 0,
      value: stuckValue(m),
    },
    {
      rule: "token_budget",
      title: "AI token budget of the day",
      threshold:
        m.budget.limitTokens > 0
          ? `spent (${m.budget.limitTokens.toLocaleString("en")} tokens)`
          : "no budget set",
      firing: m.budget.limitTokens > 0 && m.budget.billedTokens >= m.budget.limitTokens,
      value: `${m.budget.billedTokens.toLocaleString("en")} tokens billed today`,
    },
    {
      rule: "ops_lockout",
      title: "Operator sign-in locked out (token guessing)",
      threshold: "any",
      firing: m.lockouts > 0,
      value: `${m.lockouts} lockout(s)`,
    },
  ];
}

/** "2 job(s)", or "2 job(s), 1 of them queued behind the paused flow-control key openai-gpt-5-mini". */
function stuckValue(m: RuleInput): string {
  const paused = m.pausedFlows ?? [];
  const held = paused.length ? (m.stuckQueued ?? 0) : 0;
  if (!held) return `${m.stuck} job(s)`;
  return `${m.stuck} job(s), ${held} of them queued behind the paused flow-control key ${paused.join(", ")}`;
}

/** "3 message(s)", "3 message(s), 2 of them failures the input caused"; the DLQ is read 100 at a time. */
function dlqValue(d: DeadLetters): string {
  const n = (x: number) => (x >= 100 ? "100+" : String(x));
  return d.inputCaused
    ? `${n(d.total)} message(s), ${d.inputCaused} of them failures the input caused`
    : `${n(d.total)} message(s)`;
}
