/** Where the maintenance schedule delivers (lib/ops/schedule.ts, app/api/ops/tick). */
export const TICK_PATH = "/api/ops/tick";

/** Is a QStash message's destination the maintenance tick (not a job's route)? */
export function isTickUrl(url: string): boolean {
  try {
    return new URL(url).pathname === TICK_PATH;
  } catch {
    return false;
  }
}
