import { describe, expect, it } from "vitest";
import { looksStranded } from "@/lib/jobs/revive";
import { TICK_OVERDUE_MS, tickOverdue } from "@/lib/ops/health";
import type { ScheduleCheck, TickSummary } from "@/lib/ops/types";

const NOW = Date.UTC(2026, 11, 2, 12, 0);
const tick = (at: number): TickSummary => ({
  at,
  tookMs: 12,
  live: 0,
  candidates: 0,
  revived: 0,
  failed: 0,
  left: 0,
  alertsChanged: 0,
  activeAlerts: [],
  alertsResent: 0,
  alertsUnsent: 0,
  missedTicks: 0,
  dlq: 0,
  scheduleId: "tabsafe-maintenance",
  messageId: "msg_1",
});
const check = (over: Partial<ScheduleCheck>): ScheduleCheck => ({
  enabled: true,
  scheduleId: "tabsafe-maintenance",
  cron: "* * * * *",
  ensured: "unchanged",
  error: null,
  lastTick: null,
  ...over,
});

describe("health's schedule rule", () => {
  it("does not degrade before the first tick was ever recorded (a fresh stack is healthy)", () => {
    expect(tickOverdue(check({ lastTick: null }), NOW)).toBeNull();
  });

  it("does not degrade while ticks are at most three minutes apart", () => {
    expect(tickOverdue(check({ lastTick: tick(NOW - TICK_OVERDUE_MS) }), NOW)).toBeNull();
  });

  it("degrades once a tick was seen and none came for more than three minutes, naming a pause", () => {
    const late = check({ lastTick: tick(NOW - 5 * 60_000) });
    expect(tickOverdue(late, NOW)).toMatch(
      /^Maintenance schedule tabsafe-maintenance: no tick for 5 min \(last at 2026-12-02T11:55:00.000Z\)/,
    );
    expect(tickOverdue({ ...late, ensured: "paused" }, NOW)).toContain("paused in QStash");
  });

  it("never degrades with the schedule off", () => {
    expect(tickOverdue(check({ enabled: false, lastTick: tick(NOW - 3_600_000) }), NOW)).toBeNull();
  });
});

describe("looksStranded on a row of the live index", () => {
  it("is stale past the bound after the later of its last write and its announced wait", () => {
    const row = { status: "queued" as const, updatedAt: NOW - 5_000, waitUntil: null };
    expect(looksStranded(row, NOW, 1_000)).toBe(true);
    expect(looksStranded({ ...row, waitUntil: NOW + 10_000 }, NOW, 1_000)).toBe(false);
    expect(looksStranded({ ...row, status: "succeeded" }, NOW, 1_000)).toBe(false);
  });
});
