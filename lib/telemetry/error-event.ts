import { createHash } from "node:crypto";
import { isInputCaused } from "@/lib/telemetry/error-codes";
import type { ErrorCategory, JobError, Severity } from "@/lib/telemetry/job-error";
import { normalizeMessage, redact } from "@/lib/telemetry/sanitize";

/**
 * How bad a failure is, from what it is and whether it ended a job. The base table: a broken
 * credential or database stops every job (CRITICAL/HIGH); a provider or network hiccup is
 * MEDIUM while retries remain; a person's own input is LOW. A failure that ended a job is
 * raised one level (never above CRITICAL); a transient one that will be retried is lowered one.
 */
const BASE: Record<ErrorCategory, Severity> = {
  AUTH: "CRITICAL",
  DATABASE: "HIGH",
  SYSTEM: "HIGH",
  AI_PROVIDER: "MEDIUM",
  NETWORK: "MEDIUM",
  JSON_PARSING: "MEDIUM",
  FILE_PROCESSING: "LOW",
  VALIDATION: "LOW",
  USER_INPUT: "LOW",
};
const ORDER: Severity[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

export function severityOf(category: ErrorCategory, outcome: "retrying" | "final"): Severity {
  const base = ORDER.indexOf(BASE[category]);
  if (base === 0 || base === 3) return ORDER[base];
  return ORDER[outcome === "final" ? base + 1 : base - 1];
}

/** One occurrence of a failure, ready to group: everything in it is already sanitized. */
export type OpsErrorEvent = {
  /** The group it belongs to: category, code, place and normalized message, hashed. */
  fingerprint: string;
  category: ErrorCategory;
  severity: Severity;
  retryable: boolean;
  code: string;
  /** Where it happened: "consume:analyze", "start:publish", … */
  where: string;
  /** Normalized, sanitized message (ids and numbers replaced). */
  message: string;
  /** What a person was told. */
  userMessage: string;
  /** This occurrence's technical detail, redacted and truncated. */
  detail: string;
};

/** The technical side of a raw error: class, HTTP status, provider code and message. */
export function technicalDetail(error: unknown): string {
  if (!(error instanceof Error))
    return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
  const extra = error as Error & { status?: unknown; code?: unknown };
  const status = typeof extra.status === "number" ? ` (HTTP ${extra.status})` : "";
  const code = typeof extra.code === "string" && extra.code ? ` [${extra.code}]` : "";
  // The openai SDK starts its messages with the status ("400 Invalid request"): said once
  // above, and left in it would become a "<n>" on /ops when the message is normalized.
  const message =
    typeof extra.status === "number"
      ? error.message.replace(new RegExp(`^${extra.status} `), "")
      : error.message;
  return `${error.name}${status}${code}: ${message}`;
}

/**
 * An ops error event for a classified job error. `where` says which part of the app failed
 * ("consume:analyze", "start:publish"); step numbers are dropped so every chunk groups together.
 */
export function errorEvent(
  jobError: JobError,
  where: string,
  raw: unknown,
  outcome: "retrying" | "final",
): OpsErrorEvent {
  const place = where.replace(/:\d+$/, "");
  const detail = redact(raw === undefined ? jobError.message : technicalDetail(raw));
  const message = normalizeMessage(raw === undefined ? jobError.message : technicalDetail(raw));
  const fingerprint = createHash("sha256")
    .update(`${jobError.category}\n${jobError.code}\n${place}\n${message}`)
    .digest("hex")
    .slice(0, 16);
  return {
    fingerprint,
    category: jobError.category,
    // The person's own input is LOW whatever refused it (see the table above).
    severity: isInputCaused(jobError.code) ? "LOW" : severityOf(jobError.category, outcome),
    retryable: jobError.retryable,
    code: jobError.code,
    where: place,
    message,
    userMessage: redact(jobError.message, 300),
    detail,
  };
}
