import { isInputCaused } from "@/lib/telemetry/error-codes";

/**
 * Whether a dead letter is the trace of a failure the person's input caused. A worker that
 * fails a job for good answers QStash 489 with the body `{"outcome":"fatal","note":"failed:
 * {code}"}` (lib/qstash/answer.ts), and QStash keeps that body with the dead letter. Only that
 * exact shape with an input-caused code counts: a body we cannot read, or any other note, is
 * the service's and keeps the DLQ alert honest.
 */
export function isInputDeadLetter(responseBody: string | null | undefined): boolean {
  if (!responseBody) return false;
  try {
    const body = JSON.parse(responseBody) as { outcome?: unknown; note?: unknown };
    const code =
      body.outcome === "fatal" && typeof body.note === "string"
        ? /^failed: ([a-z_]+)$/.exec(body.note)?.[1]
        : undefined;
    return code !== undefined && isInputCaused(code);
  } catch {
    return false;
  }
}
