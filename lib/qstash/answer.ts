import "server-only";
import { log } from "@/lib/telemetry/log";

/** What one delivery ended in (lib/jobs/runner.ts); qstashAnswer turns it into QStash's answer. */
export type ConsumeOutcome =
  | { kind: "ack"; note: string }
  | { kind: "refused"; note: string }
  | { kind: "held"; retryAfterS: number; note: string }
  | { kind: "retry"; retryAfterS: number | null; note: string }
  | { kind: "fatal"; note: string };

/**
 * The one place that decides what QStash hears back:
 * - done (or nothing to do)  → 200: acknowledged, never delivered again;
 * - held by a live worker    → 409 + Retry-After: try again once the lease may have expired;
 * - retryable failure        → 503 (+ Retry-After when the provider said when): QStash retries;
 * - failed for good          → 489 + Upstash-NonRetryable-Error: straight to the DLQ;
 * - a replayed signed request → 401, as for a bad signature (see unauthorizedDelivery).
 * The body says why, for the QStash logs in the Upstash console.
 */
export function qstashAnswer(outcome: ConsumeOutcome): Response {
  const body = JSON.stringify({ outcome: outcome.kind, note: outcome.note });
  const headers: Record<string, string> = { "content-type": "application/json" };
  switch (outcome.kind) {
    case "ack":
      return new Response(body, { status: 200, headers });
    case "held":
      return new Response(body, {
        status: 409,
        headers: { ...headers, "Retry-After": String(outcome.retryAfterS) },
      });
    case "retry":
      if (outcome.retryAfterS) headers["Retry-After"] = String(outcome.retryAfterS);
      return new Response(body, { status: 503, headers });
    case "fatal":
      return new Response(body, {
        status: 489,
        headers: { ...headers, "Upstash-NonRetryable-Error": "true" },
      });
    case "refused":
      return unauthorizedDelivery(outcome.note, "consume");
  }
}

/**
 * A delivery whose signature does not verify, or a signed request seen before (a replay): not
 * a delivery from QStash, nothing was touched. The answer says only that; why (the expected
 * URL, the body hash) goes to the log, never to whoever sent it.
 */
export function unauthorizedDelivery(reason: string, where: string): Response {
  log("warn", "signature_refused", { where, reason });
  return Response.json(
    { error: { code: "unauthorized:signature", message: "The QStash signature is not valid." } },
    { status: 401 },
  );
}
