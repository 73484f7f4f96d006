/**
 * The poll schedule: exponential backoff from 0.5 s to 10 s with ±15 % jitter, reset to fast
 * when the job moves, never sooner than the server's hint (x-next-poll-ms, a third of the
 * job's ETA), and 0 — stop — once the job has ended. Pure, so it is unit-tested directly.
 */
export const MIN_POLL_MS = 500;
export const MAX_POLL_MS = 10_000;

export type ScheduleState = { unchanged: number; fingerprint: string };

export const initialSchedule = (): ScheduleState => ({ unchanged: 0, fingerprint: "" });

/** What counts as "the job moved": status, step or progress. */
export function fingerprint(job: { status: string; progress: number; step: { name: string } | null }): string {
  return `${job.status}|${job.step?.name ?? ""}|${job.progress}`;
}

/** Called once per answered poll: resets the backoff when the job moved. */
export function observe(state: ScheduleState, print: string): ScheduleState {
  return print === state.fingerprint ? { unchanged: state.unchanged + 1, fingerprint: print } : { unchanged: 0, fingerprint: print };
}

/** Delay before the next poll, in ms; `random` is injectable for tests. */
export function nextDelay(state: ScheduleState, hintMs: number, ended: boolean, random: () => number = Math.random): number {
  if (ended) return 0;
  const backoff = Math.min(MAX_POLL_MS, MIN_POLL_MS * 2 ** state.unchanged);
  const jittered = backoff * (0.85 + 0.3 * random());
  return Math.round(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, hintMs, jittered)));
}

/** Retry delay after a failed poll (network error), in ms: 1 s doubling to 30 s, jittered. */
export function errorDelay(retryCount: number, random: () => number = Math.random): number {
  return Math.round(Math.min(30_000, 1_000 * 2 ** retryCount) * (0.5 + random()));
}
