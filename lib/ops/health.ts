import "server-only";
import { env } from "@/lib/env";
import { evaluateAlerts } from "@/lib/ops/alerts";
import { isProviderFault } from "@/lib/telemetry/error-codes";
import { deadLetters } from "@/lib/ops/dlq";
import { backgroundCapability } from "@/lib/openai/background";
import { readCircuit } from "@/lib/openai/circuit";
import { listErrorGroups } from "@/lib/ops/error-store";
import { appFlowKeys, flowReasons, readFlow } from "@/lib/ops/flow";
import { lastTick } from "@/lib/ops/maintenance";
import { ensureMaintenanceSchedule, scheduleError, TICK_CRON } from "@/lib/ops/schedule";
import type { Health, ScheduleCheck } from "@/lib/ops/types";
import { redis } from "@/lib/redis/client";

/** A provider with this many failures in the window and no success is "failing", not just "degraded". */
const FAILING_AFTER = 5;

/** With the schedule on, no tick for this long (ms) after one was seen is degraded: 3 missed minutes. */
export const TICK_OVERDUE_MS = 3 * 60_000;

async function timedCheck<T>(
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T; latencyMs: number } | { ok: false; error: string }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ok: true, value, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? error.message.slice(0, 200) : "unreachable",
    };
  }
}

/**
 * Is tabsafe working? Redis (PING and its latency), QStash (the DLQ answers through the SDK),
 * the AI provider (its own recent failures — rate limits, 5xx, stalls — not requests it refused) and the recent job success
 * rate → healthy | degraded | unhealthy, with the reasons. Redis or QStash down is unhealthy:
 * no job can start or run. A paused flow-control key (every analysis waits) or a long waitlist
 * is degraded. Also evaluates the alert rules.
 */
export async function checkHealth(): Promise<Health> {
  const window = env().ALERT_WINDOW_MINUTES;
  const ping = await timedCheck(() => redis().ping());
  const reasons: string[] = [];
  if (!ping.ok) {
    reasons.push(`Redis unreachable: ${ping.error}`);
    return {
      status: "unhealthy",
      reasons,
      checkedAt: Date.now(),
      checks: {
        redis: { ok: false, latencyMs: null, error: ping.error },
        qstash: { ok: false, latencyMs: null, dlqSize: null, error: "not checked" },
        openai: {
          status: "ok",
          recentFailures: 0,
          lastError: null,
          circuit: { state: "closed", failures: 0, openUntil: null, opens: 0 },
          background: backgroundCapability(),
        },
        jobs: { successRate: null, windowMinutes: window },
        flow: { enabled: appFlowKeys().length > 0, keys: [], error: "not checked" },
        schedule: { ...scheduleBase(), ensured: null, error: "not checked", lastTick: null },
      },
    };
  }
  const [qstashCheck, flow] = await Promise.all([
    timedCheck(deadLetters),
    readFlow({ global: false }),
  ]);
  const pausedFlows = flow.keys.filter((k) => k.paused).map((k) => k.key);
  // The alert window is the health window: the metrics the rules were judged on serve both.
  const [alerts, aiGroups, circuit, schedule] = await Promise.all([
    evaluateAlerts(Date.now(), { dlq: qstashCheck.ok ? qstashCheck.value : null, pausedFlows }),
    listErrorGroups({ limit: 50 }),
    readCircuit(),
    checkSchedule(),
  ]);
  const metrics = alerts.metrics;
  const aiFailures = metrics.providerFaults;
  const openaiStatus =
    circuit.state === "open" || (aiFailures >= FAILING_AFTER && metrics.totals.succeeded === 0)
      ? "failing"
      : aiFailures > 0 || circuit.state === "half_open"
        ? "degraded"
        : "ok";
  if (!qstashCheck.ok) reasons.push(`QStash unreachable: ${qstashCheck.error}`);
  // QStash down says it all; otherwise a paused key, a backlog, or a flow QStash could not tell.
  if (qstashCheck.ok) reasons.push(...flowReasons(flow));
  if (circuit.state !== "closed")
    reasons.push(
      `AI provider circuit ${circuit.state.replace("_", "-")}${circuit.openUntil ? ` until ${new Date(circuit.openUntil).toISOString()}` : ""}: jobs wait in QStash`,
    );
  if (openaiStatus !== "ok")
    reasons.push(`AI provider ${openaiStatus}: ${aiFailures} failure(s) in the last ${window} min`);
  const background = backgroundCapability();
  if (background.provider === "refused")
    reasons.push(
      background.mode === "on"
        ? `AI provider refuses background responses, and OPENAI_BACKGROUND=on: model calls fail (${background.reason})`
        : "AI provider refuses background responses: model calls are plain streams, and a call cut off is paid again",
    );
  const overdue = tickOverdue(schedule, Date.now());
  if (overdue) reasons.push(overdue);
  for (const a of alerts.alerts)
    if (a.state === "active")
      reasons.push(`Alert: ${a.title} (${a.value}; threshold ${a.threshold})`);
  const status = !qstashCheck.ok ? "unhealthy" : reasons.length ? "degraded" : "healthy";
  const lastAi = aiGroups.find((g) => isProviderFault(g.code));
  return {
    status,
    reasons,
    checkedAt: Date.now(),
    checks: {
      redis: { ok: true, latencyMs: ping.latencyMs },
      qstash: qstashCheck.ok
        ? { ok: true, latencyMs: qstashCheck.latencyMs, dlqSize: qstashCheck.value.total }
        : { ok: false, latencyMs: null, dlqSize: null, error: qstashCheck.error },
      openai: {
        status: openaiStatus,
        recentFailures: aiFailures,
        lastError: lastAi ? `${lastAi.code}: ${lastAi.message}` : null,
        circuit,
        background,
      },
      jobs: { successRate: metrics.successRate, windowMinutes: window },
      flow: { enabled: flow.enabled, keys: flow.keys, error: flow.problem },
      schedule,
    },
  };
}

const scheduleBase = () => ({
  enabled: env().OPS_SCHEDULE === "on",
  scheduleId: env().OPS_SCHEDULE_ID,
  cron: TICK_CRON,
});

/**
 * The schedule as this process made sure of it (memoized: one QStash call per process, so a
 * schedule QStash could not create at start is created by a later health read) and the last tick.
 */
async function checkSchedule(): Promise<ScheduleCheck> {
  // Off: nothing ticks, so ops:tick is not read (health costs what it did before the schedule).
  const on = env().OPS_SCHEDULE === "on";
  const [ensured, tick] = await Promise.all([ensureMaintenanceSchedule(), on ? lastTick() : null]);
  return {
    ...scheduleBase(),
    ensured: ensured === "off" ? null : ensured,
    error: ensured === null && env().OPS_SCHEDULE === "on" ? scheduleError() : null,
    lastTick: tick,
  };
}

/**
 * Why health is degraded by the schedule, if it is: on, a tick was seen, and none since
 * TICK_OVERDUE_MS. Never for a schedule that has not ticked yet — a fresh deployment or test
 * stack is healthy before its first minute, and a QStash that cannot reach the app at all
 * (a local APP_BASE_URL) is not a fault of the app's own.
 */
export function tickOverdue(s: ScheduleCheck, now: number): string | null {
  if (!s.enabled || !s.lastTick) return null;
  const silentMs = now - s.lastTick.at;
  if (silentMs <= TICK_OVERDUE_MS) return null;
  return `Maintenance schedule ${s.scheduleId}: no tick for ${Math.round(silentMs / 60_000)} min (last at ${new Date(s.lastTick.at).toISOString()})${s.ensured === "paused" ? ", paused in QStash" : ""}: stranded jobs wait for a poll and alerts for a read of /ops`;
}
