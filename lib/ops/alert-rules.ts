import type { AlertRuleId, OpsOverview } from "@/lib/ops/types";

/**
 * The alert rules and their thresholds (from the requirements). Pure: what each rule says
 * about one window of metrics; lib/ops/alerts.ts keeps the state and history.
 * Rates need at least MIN_SAMPLES ended jobs (or deliveries) in the window, so one early
 * failure on a quiet night does not page anyone.
 */
export const MIN_SAMPLES = 5;

export type RuleInput = Pick<OpsOverview, "apiResponseMs" | "successRate" | "errorRate" | "totals"> & {
  deliveries: number;
  dlqSize: number | null;
  stuck: number;
  /** Client addresses locked out of the operator sign-in in the window (wrong tokens past OPS_LOCKOUT). */
  lockouts: number;
  /** Tokens billed today against OPENAI_BUDGET_TOKENS_PER_DAY (0: no budget). */
  budget: { billedTokens: number; limitTokens: number };
};

export type RuleVerdict = { rule: AlertRuleId; title: string; threshold: string; firing: boolean; value: string };

const pct = (r: number | null) => (r === null ? "no data" : `${(r * 100).toFixed(1)} %`);

export function evaluateRules(m: RuleInput): RuleVerdict[] {
  const ended = m.totals.succeeded + m.totals.failed;
  return [
    {
      rule: "avg_response_time",
      title: "API response time",
      threshold: "avg > 5000 ms",
      firing: (m.apiResponseMs?.avg ?? 0) > 5000,
      value: m.apiResponseMs ? `${m.apiResponseMs.avg} ms avg over ${m.apiResponseMs.count} requests` : "no requests",
    },
    {
      rule: "success_rate",
      title: "Job success rate",
      threshold: `< 95 % (judged from ${MIN_SAMPLES} ended jobs)`,
      firing: ended >= MIN_SAMPLES && m.successRate !== null && m.successRate < 0.95,
      value: `${pct(m.successRate)} of ${ended} ended jobs`,
    },
    {
      rule: "error_rate",
      title: "Delivery error rate",
      threshold: `> 5 % (judged from ${MIN_SAMPLES} deliveries)`,
      firing: m.deliveries >= MIN_SAMPLES && m.errorRate !== null && m.errorRate > 0.05,
      value: `${pct(m.errorRate)} of ${m.deliveries} deliveries`,
    },
    {
      rule: "dlq_not_empty",
      title: "Dead-letter queue",
      threshold: "not empty",
      firing: (m.dlqSize ?? 0) > 0,
      value: m.dlqSize === null ? "QStash unreachable" : `${m.dlqSize >= 100 ? "100+" : m.dlqSize} message(s)`,
    },
    {
      rule: "job_stuck",
      title: "Jobs stuck past their timeout",
      threshold: "any",
      firing: m.stuck > 0,
      value: `${m.stuck} job(s)`,
    },
    {
      rule: "token_budget",
      title: "AI token budget of the day",
      threshold: m.budget.limitTokens > 0 ? `spent (${m.budget.limitTokens.toLocaleString("en")} tokens)` : "no budget set",
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
