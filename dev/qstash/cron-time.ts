/**
 * When a parsed cron expression (cron.ts) next fires: the first whole minute strictly after a
 * given instant whose wall-clock time in the expression's zone matches every field. Wall-clock
 * times are handled as "the same fields read as UTC" (ms), and a zone's offset comes from Intl.
 * Daylight-saving time follows from "an instant fires when its wall-clock time matches", as in
 * robfig/cron: a wall time the zone skips (spring) does not fire, one it repeats (autumn) fires
 * at both occurrences.
 */
import type { Cron } from "./cron.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far ahead a match is looked for: 9 years holds a 29 February even across 2100. */
const HORIZON_DAYS = 9 * 366;
/** More than any zone moves its clocks at once: wall times this far before the start cannot come after it. */
const MAX_SHIFT_MS = 3 * HOUR;

/** Unix ms of the next firing strictly after `afterMs`, or undefined if none within the horizon. */
export function nextFireTime(cron: Cron, afterMs: number): number | undefined {
  const zone = clockOf(cron.timeZone);
  const startWall = zone.wallOf(afterMs);
  // From the day before: where clocks go back across midnight, yesterday's wall times recur.
  const firstDay = startWall - mod(startWall, DAY) - DAY;
  let best: { at: number; wall: number } | undefined;
  // Instants mostly rise with wall times; a repeated hour can put a later wall time's first
  // occurrence before an earlier one's second, so the search goes on one shift past a find.
  const settled = (wall: number) => best !== undefined && wall > best.wall + MAX_SHIFT_MS;
  for (let i = 0; i <= HORIZON_DAYS; i++) {
    const day = firstDay + i * DAY;
    if (settled(day)) break;
    if (!dayMatches(cron, new Date(day))) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const wall = day + hour * HOUR + minute * MINUTE;
        if (wall < startWall - MAX_SHIFT_MS) continue;
        if (settled(wall)) return best?.at;
        for (const at of zone.instantsOf(wall))
          if (at > afterMs && (best === undefined || at < best.at)) best = { at, wall };
      }
    }
  }
  return best?.at;
}

function dayMatches(cron: Cron, date: Date): boolean {
  if (!cron.months.includes(date.getUTCMonth() + 1)) return false;
  const byDay = cron.days.includes(date.getUTCDate());
  const byWeekday = cron.weekdays.includes(date.getUTCDay());
  return cron.anyDay || cron.anyWeekday ? byDay && byWeekday : byDay || byWeekday;
}

/** Wall-clock time ↔ instant in one zone; wall times are the zone's fields read as UTC, in ms. */
type Clock = {
  wallOf(instant: number): number;
  /** The instants showing `wall`, ascending: none in a skipped hour, two in a repeated one. */
  instantsOf(wall: number): number[];
};

const UTC: Clock = {
  wallOf: (instant) => instant - mod(instant, 1000),
  instantsOf: (wall) => [wall],
};
const clocks = new Map<string, Clock>([["UTC", UTC]]);

function clockOf(timeZone: string): Clock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = zoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

function zoneClock(timeZone: string): Clock {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const wallOf = (instant: number) => {
    const part: Record<string, number> = {};
    for (const p of format.formatToParts(instant)) part[p.type] = Number(p.value);
    return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second);
  };
  const offsetAt = (instant: number) => wallOf(instant) - UTC.wallOf(instant);
  return {
    wallOf,
    instantsOf(wall) {
      // The offsets in force a day either side: a wall time near a change has one of the two
      // (both, in a repeated hour; neither fits it in a skipped hour).
      const candidates = new Set([wall - offsetAt(wall - DAY), wall - offsetAt(wall + DAY)]);
      return [...candidates].filter((at) => wallOf(at) === wall).sort((a, b) => a - b);
    },
  };
}

const mod = (n: number, m: number) => ((n % m) + m) % m;
