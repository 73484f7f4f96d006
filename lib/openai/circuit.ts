import "server-only";
import { env } from "@/lib/env";
import { hgetallRecord } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/**
 * The circuit breaker on the AI provider, shared by every function instance through one Redis
 * hash (`circuit:openai`: state, failures, openUntil, probeUntil, opens). It lives inside the
 * job scripts, so it costs no command of its own:
 * - RECORD_ERROR counts a provider fault (`providerFault` in lib/telemetry/error-codes.ts); after
 *   CIRCUIT_FAILURE_THRESHOLD in a row it opens for CIRCUIT_COOLDOWN_MS (a fault while
 *   half-open reopens it at once);
 * - LEASE_JOB refuses to start work while it is open; once the cooldown is over it lets one
 *   delivery through as the probe (half-open) and holds the others until the probe's window ends;
 * - CHECKPOINT_STEP after a step that called the provider resets the count and closes it.
 * A refused delivery is acknowledged after publishing a delayed message for when the circuit
 * may let it through: the job waits in QStash, without burning retries or function time.
 */
export type CircuitState = {
  state: "closed" | "open" | "half_open";
  failures: number;
  openUntil: number | null;
  opens: number;
};

/** The circuit as it stands (for /ops and health): one HGETALL. */
export async function readCircuit(): Promise<CircuitState> {
  const h = await hgetallRecord(keys.circuit());
  const state = h?.state === "open" || h?.state === "half_open" ? h.state : "closed";
  return {
    state,
    failures: Number(h?.failures) || 0,
    openUntil: state === "closed" ? null : Number(h?.openUntil) || null,
    opens: Number(h?.opens) || 0,
  };
}

/** How long a probe may take before another delivery may probe, in ms: a lease's length. */
export const probeWindowMs = () => env().JOB_LEASE_MS;
