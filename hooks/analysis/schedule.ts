/**
 * The poll schedule. While the job has an ETA, the server's hint rules (x-next-poll-ms: 35 % of
 * the time left, 1–15 s, so polls tighten toward the likely end and a finished job shows within
 * about a second; 400 ms while a cancel is being carried out) — jittered only downwards, so a
 * poll never comes later than the hint. Without an ETA: exponential backoff from 0.5 s to 15 s
 * with ±15 % jitter, reset when the job moves, never sooner than the hint. 0 — stop — once the
 * job has ended. Pure, so it is unit-tested directly.
 */
export const MIN_POLL_MS = 400;
export const MAX_POLL_MS = 15_000;

export type ScheduleState = { unchanged: number; fingerprint: string };

export const initialSchedule = (): ScheduleState => ({ unchanged: 0, fingerprint: "" });

/** What counts as "the job moved": status, step or progress. */
export function fingerprint(job: {
  status: string;
  progress: number;
  step: { name: string } | null;
}): string {
  return `${job.status}|${job.step?.name ?? ""}|${job.progress}`;
}

/** Called once per answered poll: resets the backoff when the job moved. */
export function observe(state: ScheduleState, print: string): ScheduleState {
  return print === state.fingerprint
    ? { unchanged: state.unchanged + 1, fingerprint: print }
    : { unchanged: 0, fingerprint: print };
}

/**
 * Delay before the next poll, in ms. `timed`: the hint comes from an ETA (or a cancel under way),
 * so it is followed as is; `random` is injectable for tests.
 */
export function nextDelay(
  state: ScheduleState,
  hintMs: number,
  ended: boolean,
  random: () => number = Math.random,
  timed = false,
): number {
  if (ended) return 0;
  if (timed)
    return Math.round(
      Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, hintMs * (0.9 + 0.1 * random()))),
    );
  const backoff = Math.min(MAX_POLL_MS, 500 * 2 ** state.unchanged);
  const jittered = backoff * (0.85 + 0.3 * random());
  return Math.round(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, hintMs, jittered)));
}

/** Retry delay after a failed poll (network error), in ms: 1 s doubling to 30 s, jittered. */
export function errorDelay(retryCount: number, random: () => number = Math.random): number {
  return Math.round(Math.min(30_000, 1_000 * 2 ** retryCount) * (0.5 + random()));
}

/**
 * When a hidden tab polls: never in its first 60 s hidden (a person who glanced away costs
 * nothing), then a little after the ETA, at most a minute apart — so a job that ends while the tab
 * is hidden says so in the title within a minute of its end, with one or two polls for most jobs.
 * `sinceHiddenMs`: how long the tab has been hidden when this poll is planned.
 */
export function hiddenPollDelay(etaMs: number | null, sinceHiddenMs: number): number {
  const wanted = etaMs === null ? 60_000 : Math.min(60_000, Math.max(5_000, etaMs * 1.1 + 2_000));
  return Math.max(wanted, 60_000 - sinceHiddenMs);
}
