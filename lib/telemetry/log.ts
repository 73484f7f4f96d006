import { env } from "@/lib/env";
import { redactDeep } from "@/lib/telemetry/sanitize";

/**
 * Structured logs: one JSON line per event, with the fields an operator filters on (jobId,
 * step, attempt, messageId, durationMs). Every string is redacted before it is written, so a
 * secret in an error message never reaches the log drain.
 */
export type LogFields = {
  jobId?: string | null;
  step?: string;
  attempt?: number | null;
  messageId?: string | null;
  durationMs?: number;
  [field: string]: unknown;
};

type Level = "info" | "warn" | "error";

const RANK: Record<Level, number> = { info: 0, warn: 1, error: 2 };

function minLevel(): Level {
  try {
    return env().LOG_LEVEL;
  } catch {
    return "info"; // A broken environment is itself worth logging.
  }
}

export function log(level: Level, event: string, fields: LogFields = {}): void {
  if (RANK[level] < RANK[minLevel()]) return;
  const line = JSON.stringify({
    ts: new Date().toISOString(),
    level,
    event,
    ...(redactDeep(fields) as object),
  });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
