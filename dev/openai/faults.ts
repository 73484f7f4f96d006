import { DEFAULT_RETRY_AFTER_S } from "./knobs.ts";
import type { FaultKind, SimulatorKnobs } from "./types.ts";

/**
 * Which fault (if any) one model request gets: the queued `failNext` faults first, in order, then
 * the random rates rolled with `roll` (a PRNG seeded by the `seed` knob, so a run is repeatable).
 * "invalid_json" only makes sense for structured output, so a queued one waits for such a request.
 */
export function pickFault(
  knobs: SimulatorKnobs,
  structured: boolean,
  roll: () => number,
): FaultKind | null {
  const queue = knobs.failNext ?? [];
  const at = queue.findIndex((f) => f.count > 0 && (f.kind !== "invalid_json" || structured));
  if (at >= 0) {
    queue[at].count--;
    knobs.failNext = queue.filter((f) => f.count > 0);
    return queue[at].kind;
  }
  const hit = (rate: number | undefined) => (rate ?? 0) > 0 && roll() < (rate ?? 0);
  if (hit(knobs.fail429Rate)) return "429";
  if (hit(knobs.fail500Rate)) return "500";
  if (hit(knobs.stallRate)) return "stall";
  if (structured && hit(knobs.invalidJsonRate)) return "invalid_json";
  return null;
}

export type ErrorAnswer = {
  status: number;
  headers: Record<string, string>;
  body: OpenAIErrorBody;
};
export type OpenAIErrorBody = {
  error: { message: string; type: string; code: string | null; param: string | null };
};

/** An error body shaped like OpenAI's; messages say they are simulated so nobody hunts a real outage. */
export function apiError(
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): ErrorAnswer {
  return {
    status,
    headers: {},
    body: { error: { message: `[simulated] ${message}`, type, code, param } },
  };
}

/** The HTTP answer for a fault that is an error; null for faults that answer 200 (stall, invalid_json). */
export function errorFor(kind: FaultKind, knobs: SimulatorKnobs): ErrorAnswer | null {
  switch (kind) {
    case "429": {
      const s = knobs.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S;
      const answer = apiError(
        429,
        `Rate limit reached for requests per min (RPM). Please try again in ${s}s.`,
        "requests",
        "rate_limit_exceeded",
      );
      // OpenAI sends both; the SDK prefers retry-after-ms, people and proxies read retry-after.
      answer.headers = {
        "retry-after": String(Math.ceil(s)),
        "retry-after-ms": String(Math.round(s * 1000)),
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": `${s}s`,
      };
      return answer;
    }
    case "500":
      return apiError(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
      );
    case "400":
      return apiError(
        400,
        "Invalid request (an injected non-retryable fault).",
        "invalid_request_error",
        "invalid_request",
      );
    case "content_filter":
      return apiError(
        400,
        "Your request was rejected as a result of our safety system.",
        "invalid_request_error",
        "content_policy_violation",
      );
    case "stall":
    case "invalid_json":
      return null;
  }
}
