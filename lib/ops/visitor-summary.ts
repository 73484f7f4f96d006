import type { OpsVisitors } from "@/lib/ops/types";

/** One UTC day as READ_VISITORS gives it: its distinct-visitor estimate and its usage counters. */
export type VisitorDay = { day: string; active: number | null; fields: Record<string, number> };

const HOURS_PER_WEEK = 168;

/** 0 for a Monday ("2026-11-30") … 6 for a Sunday, in UTC. */
export const weekdayOf = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;

/**
 * The visitors panel from its days (newest first, as read): days oldest first, the hour-of-week
 * sums and the usage by type and param value over the window. Field names as
 * lib/telemetry/visits.ts lists them.
 */
export function summarizeVisitors(input: {
  generatedAt: number;
  windowDays: number;
  retentionDays: number;
  dau: number | null;
  wau: number | null;
  mau: number | null;
  newestFirst: VisitorDay[];
}): OpsVisitors {
  const { newestFirst, ...figures } = input;
  const days = [...newestFirst].reverse();
  const peakHours = Array.from({ length: HOURS_PER_WEEK }, (_, hourOfWeek) => ({
    hourOfWeek,
    visitors: 0,
    starts: 0,
  }));
  const types = new Map<string, { starts: number; params: Map<string, number> }>();
  const typeOf = (name: string) => {
    let t = types.get(name);
    if (!t) types.set(name, (t = { starts: 0, params: new Map() }));
    return t;
  };
  for (const { day, fields } of days) {
    const monday = weekdayOf(day) * 24;
    for (const [field, n] of Object.entries(fields)) {
      const hour = /^(active|starts):(\d\d)$/.exec(field);
      const param = /^param:([^:]+):([^=]+)=(.*)$/.exec(field);
      if (hour && Number(hour[2]) < 24) {
        const slot = peakHours[monday + Number(hour[2])];
        if (hour[1] === "active") slot.visitors += n;
        else slot.starts += n;
      } else if (field.startsWith("type:")) typeOf(field.slice(5)).starts += n;
      else if (param) {
        const params = typeOf(param[1]).params;
        const key = `${param[2]}=${param[3]}`;
        params.set(key, (params.get(key) ?? 0) + n);
      }
    }
  }
  const usage = [...types]
    .map(([analysisType, t]) => ({
      analysisType,
      starts: t.starts,
      params: [...t.params]
        .map(([key, starts]) => {
          const at = key.indexOf("=");
          return { name: key.slice(0, at), value: key.slice(at + 1), starts };
        })
        .sort(
          (a, b) =>
            a.name.localeCompare(b.name) || b.starts - a.starts || a.value.localeCompare(b.value),
        ),
    }))
    .sort((a, b) => b.starts - a.starts || a.analysisType.localeCompare(b.analysisType));
  return {
    ...figures,
    days: days.map(({ day, active, fields }) => ({
      day,
      active,
      returning: fields.returning ?? 0,
    })),
    peakHours,
    usage,
  };
}
