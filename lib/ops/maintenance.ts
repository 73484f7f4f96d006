import "server-only";
import { randomUUID } from "node:crypto";
import { env } from "@/lib/env";
import { looksStranded, reviveJob, type Revival } from "@/lib/jobs/revive";
import type { JobSummary } from "@/lib/jobs/store";
import { redeliverAlerts } from "@/lib/ops/alert-delivery";
import { evaluateAlerts } from "@/lib/ops/alerts";
import { deleteDlq } from "@/lib/ops/dlq";
import { liveJobs } from "@/lib/ops/jobs";
import { FINISH_TICK } from "@/lib/ops/scripts";
import type { TickSummary } from "@/lib/ops/types";
import { flat } from "@/lib/jobs/store";
import { hgetallRecord, redis } from "@/lib/redis/client";
import { keys, ttl } from "@/lib/redis/keys";
import { log } from "@/lib/telemetry/log";

/** Revivals tried per tick at most: the rest wait a minute for the next (oldest silence first). */
export const SWEEP_MAX = 50;

/** How long a tick holds its lock, in ms: under the schedule's minute, so a dead tick frees it. */
const LOCK_MS = 55_000;

export type TickOutcome = { ran: true; summary: TickSummary } | { ran: false; skipped: string };

/**
 * One maintenance tick (the every-minute schedule's delivery, app/api/ops/tick): so that what
 * otherwise waits for someone to look happens with nobody looking —
 * 1. the sweep: every live job that nothing moves (lib/jobs/revive.ts looksStranded) is revived,
 *    or failed when it is over its bounds (at most SWEEP_MAX per tick);
 * 2. alert transitions QStash could not take when they happened are sent again (redeliverAlerts,
 *    before the evaluation: a transition it leaves unsent now waits for the next minute, not for
 *    a second publish to the same unreachable QStash);
 * 3. the alert rules are evaluated (the DLQ rule among them: the tick watches the DLQ);
 * 4. the dead letters of earlier ticks QStash gave up on are removed: this tick makes them up.
 * The live index is read once, for both. A second tick while one runs (QStash retrying a slow
 * one, two deployments) skips. Throws only when Redis is unreachable (the webhook retries; the
 * lock then lapses by itself within LOCK_MS).
 * Another duty is one more awaited step between the sweep and FINISH_TICK, under the same lock,
 * whose counts go into TickSummary (and recordOf / lastTick, which keep it in ops:tick).
 */
export async function runMaintenance(
  now = Date.now(),
  from: { scheduleId?: string | null; messageId?: string | null } = {},
): Promise<TickOutcome> {
  const lockId = randomUUID();
  const locked = await redis().set(keys.opsTickLock(), lockId, { nx: true, px: LOCK_MS });
  if (locked !== "OK") return { ran: false, skipped: "another tick is running" };
  const started = performance.now();
  const live = await liveJobs();
  const sweep = await sweepStranded(live, now);
  // The alerts judge the live jobs as the sweep left them: one it failed is no longer live.
  const stillLive = live.filter((j) => !sweep.ended.has(j.id));
  const resent = await redeliverAlerts(now);
  const evaluatedAt = Date.now();
  const evaluation = await evaluateAlerts(evaluatedAt, { live: stillLive });
  const missedTicks = await clearMissedTicks(evaluation.dlq?.missedTicks ?? []);
  const summary: TickSummary = {
    at: now,
    tookMs: Math.round(performance.now() - started),
    live: live.length,
    candidates: sweep.candidates,
    revived: sweep.counts.revived,
    failed: sweep.counts.failed,
    left: sweep.counts.left,
    alertsChanged: evaluation.alerts.filter((a) => a.since === evaluatedAt).length,
    activeAlerts: evaluation.alerts.filter((a) => a.state === "active").map((a) => a.rule),
    alertsResent: resent.republished,
    alertsUnsent: resent.unsent,
    missedTicks,
    dlq: evaluation.dlq?.total ?? null,
    scheduleId: from.scheduleId ?? null,
    messageId: from.messageId ?? null,
  };
  await FINISH_TICK.run({
    keys: { tick: keys.opsTick(), lock: keys.opsTickLock() },
    args: { lockId, ttl: ttl.opsTick },
    rest: flat(recordOf(summary)),
  });
  log("info", "maintenance_tick", { ...summary, activeAlerts: summary.activeAlerts.join(",") });
  return { ran: true, summary };
}

type Sweep = {
  candidates: number;
  counts: { revived: number; failed: number; left: number };
  /** Jobs that are no longer live after the sweep (failed here, or found ended). */
  ended: Set<string>;
};

/** Revives (or fails) the stranded among `live`, the longest silent first, SWEEP_MAX at most. */
async function sweepStranded(live: JobSummary[], now: number): Promise<Sweep> {
  const staleMs = env().JOB_STALE_MS;
  const stranded = live
    .filter((j) => looksStranded(j, now, staleMs))
    .sort((a, b) => silentSince(a) - silentSince(b))
    .slice(0, SWEEP_MAX);
  const sweep: Sweep = {
    candidates: stranded.length,
    counts: { revived: 0, failed: 0, left: 0 },
    ended: new Set(),
  };
  // One at a time: each is a script and a publish; a burst of 50 gains little and loads both.
  for (const job of stranded) {
    const revival: Revival = await reviveJob(job, { why: "sweep", staleMs });
    if (revival.kind === "revived") sweep.counts.revived++;
    else if (revival.kind === "failed") sweep.counts.failed++;
    else sweep.counts.left++;
    if (revival.kind === "failed" || revival.kind === "ended") sweep.ended.add(job.id);
  }
  return sweep;
}

/** Deletes the dead letters of missed ticks; how many it removed (0 when QStash refused: next minute). */
async function clearMissedTicks(dlqIds: string[]): Promise<number> {
  if (!dlqIds.length) return 0;
  try {
    return (await deleteDlq(dlqIds)).deleted;
  } catch (error) {
    log("warn", "missed_ticks_kept", {
      error: error instanceof Error ? error.message : String(error),
    });
    return 0;
  }
}

/** The last sign of life looksStranded reads: the later of the last write and an announced wait. */
const silentSince = (j: JobSummary) => Math.max(j.updatedAt, j.waitUntil ?? 0);

function recordOf(s: TickSummary): Record<string, string | number> {
  return {
    at: s.at,
    tookMs: s.tookMs,
    live: s.live,
    candidates: s.candidates,
    revived: s.revived,
    failed: s.failed,
    left: s.left,
    alertsChanged: s.alertsChanged,
    activeAlerts: s.activeAlerts.join(","),
    alertsResent: s.alertsResent,
    alertsUnsent: s.alertsUnsent,
    missedTicks: s.missedTicks,
    dlq: s.dlq ?? "",
    scheduleId: s.scheduleId ?? "",
    messageId: s.messageId ?? "",
  };
}

/** The last tick recorded (ops:tick), or null when none was in its retention. One HGETALL. */
export async function lastTick(): Promise<TickSummary | null> {
  const h = await hgetallRecord(keys.opsTick());
  if (!h?.at) return null;
  const n = (v: string | undefined) => Number(v) || 0;
  return {
    at: n(h.at),
    tookMs: n(h.tookMs),
    live: n(h.live),
    candidates: n(h.candidates),
    revived: n(h.revived),
    failed: n(h.failed),
    left: n(h.left),
    alertsChanged: n(h.alertsChanged),
    activeAlerts: h.activeAlerts ? (h.activeAlerts.split(",") as TickSummary["activeAlerts"]) : [],
    alertsResent: n(h.alertsResent),
    alertsUnsent: n(h.alertsUnsent),
    missedTicks: n(h.missedTicks),
    dlq: h.dlq ? Number(h.dlq) : null,
    scheduleId: h.scheduleId || null,
    messageId: h.messageId || null,
  };
}
