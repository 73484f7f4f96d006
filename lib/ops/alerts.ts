import "server-only";
import { env } from "@/lib/env";
import { budgetToday, type BudgetToday } from "@/lib/jobs/budget";
import {
  readAlertHistory,
  sendAlert,
  unsentRecord,
  webhookConfigured,
} from "@/lib/ops/alert-delivery";
import { transitionId } from "@/lib/ops/alert-message";
import { evaluateRules, type DeadLetters, type RuleVerdict } from "@/lib/ops/alert-rules";
import { deadLetters } from "@/lib/ops/dlq";
import { readFlow } from "@/lib/ops/flow";
import { countLive, liveCounts, type LiveCounts } from "@/lib/ops/jobs";
import type { JobSummary } from "@/lib/jobs/store";
import { log } from "@/lib/telemetry/log";
import { readBuckets } from "@/lib/ops/metrics";
import { SET_ALERT } from "@/lib/ops/scripts";
import { summarize } from "@/lib/ops/summarize";
import type { AlertEvent, AlertHistoryEntry, AlertState } from "@/lib/ops/types";
import { hgetallRecord } from "@/lib/redis/client";
import { keys, ttl } from "@/lib/redis/keys";

const HISTORY_KEPT = 200;

type Stored = { state: "active" | "resolved"; since: number; value: string };

export type Evaluation = {
  alerts: AlertState[];
  dlq: DeadLetters | null;
  /** What the rules were judged on, for callers that show it too (health, the overview). */
  live: LiveCounts;
  budget: BudgetToday;
  metrics: ReturnType<typeof summarize>;
};

/**
 * What the caller already knows, so it is not asked twice: `dlq` and `pausedFlows` from QStash
 * (health), `live` the rows of the live index (the maintenance sweep, lib/ops/maintenance.ts).
 * The paused keys are asked only when a queued job is stuck (to name the pause).
 */
export type Known = { dlq?: DeadLetters | null; pausedFlows?: string[]; live?: JobSummary[] };

/**
 * Evaluates every rule over the alert window and records transitions: a rule that starts firing
 * becomes active, one that stops becomes resolved, each change appended to the history, logged
 * and sent to ALERT_WEBHOOK_URL (lib/ops/alert-delivery.ts). Runs on the maintenance tick every
 * minute (lib/ops/maintenance.ts) and whenever /ops or /api/ops/health is read. Writes only for
 * rules whose state changed.
 */
export async function evaluateAlerts(now = Date.now(), known: Known = {}): Promise<Evaluation> {
  const window = env().ALERT_WINDOW_MINUTES;
  const { dlq: knownDlq, pausedFlows: knownPausedFlows, live: knownLive } = known;
  const [{ buckets, resolution }, live, dlq, stored, budget] = await Promise.all([
    readBuckets(window, now),
    knownLive ? countLive(knownLive, now) : liveCounts(now),
    knownDlq !== undefined ? knownDlq : deadLetters().catch(() => null),
    hgetallRecord(keys.alertState()),
    budgetToday(now),
  ]);
  const metrics = summarize(buckets, window, resolution);
  const sum = (field: string) => buckets.reduce((n, b) => n + (b.fields[field] ?? 0), 0);
  const pausedFlows = knownPausedFlows ?? (live.stuckQueued > 0 ? await pausedFlowKeys() : []);
  const verdicts = evaluateRules({
    ...metrics,
    dlq,
    stuck: live.stuck,
    stuckQueued: live.stuckQueued,
    pausedFlows,
    lockouts: sum("opsLockouts"),
    budget,
  });
  const alerts = await Promise.all(
    verdicts.map((v) =>
      settle(v, stored?.[v.rule] ? (JSON.parse(stored[v.rule]) as Stored) : null, now),
    ),
  );
  return { alerts, dlq, live, metrics, budget };
}

async function settle(v: RuleVerdict, old: Stored | null, now: number): Promise<AlertState> {
  const base = { rule: v.rule, title: v.title, threshold: v.threshold, value: v.value };
  const wasActive = old?.state === "active";
  // An unreadable DLQ neither fires nor resolves: a QStash outage must not announce "resolved".
  if (v.unknown || v.firing === wasActive)
    return { ...base, state: old ? old.state : "ok", since: old?.since ?? null };
  const next: Stored = { state: v.firing ? "active" : "resolved", since: now, value: v.value };
  const transition = {
    rule: v.rule,
    title: v.title,
    state: next.state,
    value: v.value,
    threshold: v.threshold,
    at: now,
  };
  const event = { id: transitionId(transition), ...transition } satisfies AlertEvent;
  const send = webhookConfigured();
  const { outcome } = await SET_ALERT.run({
    keys: {
      alertState: keys.alertState(),
      alertHistory: keys.alertHistory(),
      alertDelivery: keys.alertDelivery(),
    },
    args: {
      rule: v.rule,
      stateJson: JSON.stringify(next),
      nextState: v.firing ? "active" : "ok",
      entry: JSON.stringify(event),
      ttl: ttl.alerts,
      historyKept: HISTORY_KEPT,
      transition: event.id,
      deliveryJson: send ? JSON.stringify(unsentRecord(now)) : "",
    },
  });
  // Only the evaluation that recorded the transition logs and sends it: two evaluating at once
  // (an /ops refresh and an uptime check) both see the change, and SET_ALERT answers one.
  if (outcome === "changed") {
    log(v.firing ? "error" : "info", v.firing ? "alert_fired" : "alert_resolved", {
      rule: v.rule,
      value: v.value,
      threshold: v.threshold,
    });
    if (send) await sendAlert(event);
  }
  return { ...base, state: next.state, since: now };
}

/** The app's flow-control keys QStash holds paused; none when it cannot say. */
async function pausedFlowKeys(): Promise<string[]> {
  const flow = await readFlow({ global: false });
  return flow.keys.filter((k) => k.paused).map((k) => k.key);
}

/** The latest transitions, newest first, each with how its webhook delivery went (one command). */
export function alertHistory(limit = 50): Promise<AlertHistoryEntry[]> {
  return readAlertHistory(limit);
}
