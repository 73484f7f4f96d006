/**
 * How the ops pages print numbers. Inputs follow lib/ops/types.ts: times epoch ms, durations ms,
 * rates fractions 0–1 (null when there was nothing to divide by), money US dollars. Every
 * formatter answers "—" for a missing value so a table cell is never blank.
 */
const DASH = "—";

/** A local date and time, e.g. "5/3/26, 14:02:07". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH;
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** A chart tick: the minute within the hour-long windows, the day and hour for the 24 h one. */
export function formatTick(ms: number, resolution: "minute" | "hour"): string {
  const d = new Date(ms);
  return resolution === "minute"
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString(undefined, { weekday: "short", hour: "2-digit" });
}

/** "850 ms", "1.2 s", "3 min", "1.5 h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) {
    const min = ms / 60_000;
    return `${min < 10 ? Number(min.toFixed(1)) : Math.round(min)} min`;
  }
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** A fraction as "97.5 %". */
export function formatRate(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  return `${(fraction * 100).toFixed(1)} %`;
}

/** Dollars with four decimals ("$0.0123"): one analysis costs fractions of a cent. */
export function formatMoney(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return DASH;
  return `$${usd.toFixed(4)}`;
}

/** A count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return n.toLocaleString(undefined, { maximumFractionDigits: 1 });
}

/** Cuts long text for a table cell; the full text goes into the cell's title. */
export function truncate(text: string | null | undefined, max = 120): string {
  if (!text) return DASH;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "business_analysis" → "business analysis". */
export const humanize = (id: string) => id.replaceAll("_", " ");
