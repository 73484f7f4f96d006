/**
 * Runs once when a Next.js server starts (`next dev`, `next start`, each serverless instance):
 * makes sure the maintenance schedule exists (lib/ops/schedule.ts) — one QStash `get` when it
 * already does. Node.js runtime only (the SDK clients and "server-only" modules live there), and
 * not while `next build` prerenders. Never throws: a failure is logged and tried again later.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  try {
    const { ensureScheduleAtStart } = await import("./lib/ops/schedule");
    await ensureScheduleAtStart();
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "maintenance_schedule_unsynced",
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
}
