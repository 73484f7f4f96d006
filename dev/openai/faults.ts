import type { FaultKind, SimulatorKnobs } from "./types.ts";

/** Picks the fault (if any) for one request: queued faults first, then the random rates. */
export function pickFault(knobs: SimulatorKnobs, structured: boolean): FaultKind | null {
  const queue = knobs.failNext ?? [];
  const at = queue.findIndex((f) => f.count > 0 && (f.kind !== "invalid_json" || structured));
  if (at >= 0) {
    queue[at].count--;
    const kind = queue[at].kind;
    knobs.failNext = queue.filter((f) => f.count > 0);
    return kind;
  }
  const roll = (rate: number | undefined) => (rate ?? 0) > 0 && Math.random() < (rate ?? 0);
  if (roll(knobs.fail429Rate)) return "429";
  if (roll(knobs.fail500Rate)) return "500";
  if (roll(knobs.stallRate)) return "stall";
  if (structured && roll(knobs.invalidJsonRate)) return "invalid_json";
  return null;
}

/** The HTTP error for a fault that answers with one, shaped like OpenAI's. */
export function errorFor(kind: FaultKind, knobs: SimulatorKnobs): { status: number; headers: Record<string, string>; body: unknown } | null {
  const err = (status: number, message: string, type: string, code: string | null) => ({ status, headers: {}, body: { error: { message: `[simulated] ${message}`, type, code, param: null } } });
  if (kind === "429") {
    const s = knobs.retryAfterSeconds ?? 1;
    return { ...err(429, "Rate limit reached for requests.", "requests", "rate_limit_exceeded"), headers: { "retry-after": String(s), "retry-after-ms": String(s * 1000) } };
  }
  if (kind === "500") return err(500, "The server had an error while processing your request.", "server_error", null);
  if (kind === "400") return err(400, "Invalid request.", "invalid_request_error", "invalid_request");
  if (kind === "content_filter") return err(400, "Your request was rejected as a result of our safety system.", "invalid_request_error", "content_policy_violation");
  return null;
}
