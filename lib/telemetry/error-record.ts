import "server-only";
import { env } from "@/lib/env";
import { keys } from "@/lib/redis/keys";
import { classify } from "@/lib/telemetry/classify";
import { isInputCaused, isProviderFault } from "@/lib/telemetry/error-codes";
import { errorEvent, type OpsErrorEvent } from "@/lib/telemetry/error-event";
import { log } from "@/lib/telemetry/log";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";
import { RECORD_ERROR } from "@/lib/telemetry/scripts";

/** Samples kept per group (newest first). */
const SAMPLES_KEPT = 5;

/** One occurrence as stored with its group (lib/ops/error-store.ts reads them for /ops). */
export type ErrorSample = {
  at: number;
  jobId: string | null;
  analysisType: string | null;
  attempt: number | null;
  messageId: string | null;
  /** Keyed hash of the job's owner, never the raw session id. */
  visitor: string | null;
  /** Sanitized technical detail (secrets and personal data redacted, truncated). */
  detail: string;
};

export type ErrorContext = Omit<ErrorSample, "at" | "detail">;

/**
 * Records one occurrence: one script adds it to its group (reopening a resolved one), keeps a
 * few sanitized samples and counts it in the metrics (a failure the person's input caused as
 * inputErrors, apart from the service's errors: lib/telemetry/error-codes.ts); the same event goes
 * to the log. Never throws: failing to record an error must not turn into a second failure.
 */
export async function recordError(
  event: OpsErrorEvent,
  ctx: Partial<ErrorContext> = {},
): Promise<void> {
  const now = Date.now();
  const sample: ErrorSample = {
    at: now,
    jobId: ctx.jobId ?? null,
    analysisType: ctx.analysisType ?? null,
    attempt: ctx.attempt ?? null,
    messageId: ctx.messageId ?? null,
    visitor: ctx.visitor ?? null,
    detail: event.detail,
  };
  log(event.severity === "LOW" ? "warn" : "error", "error_recorded", {
    ...sample,
    code: event.code,
    category: event.category,
    severity: event.severity,
    where: event.where,
    fingerprint: event.fingerprint,
  });
  const fields = {
    category: event.category,
    severity: event.severity,
    retryable: event.retryable ? "1" : "0",
    code: event.code,
    where: event.where,
    message: event.message,
    userMessage: event.userMessage,
  };
  try {
    // Only a delivery's own failure counts against the provider: the failure callback and the
    // timeout sweep report a failure that was already counted.
    const providerFault = isProviderFault(event.code) && event.where.startsWith("consume:");
    await RECORD_ERROR.run({
      keys: {
        group: keys.errorGroup(event.fingerprint),
        samples: keys.errorSamples(event.fingerprint),
        groups: keys.errorGroups(),
        ...metricKeys(now),
        circuit: keys.circuit(),
      },
      args: {
        now,
        fingerprint: event.fingerprint,
        retentionTtl: env().ERROR_RETENTION_DAYS * 86_400,
        sample: JSON.stringify(sample),
        samplesKept: SAMPLES_KEPT,
        analysisType: ctx.analysisType ?? "",
        category: event.category,
        ...metricTtls(),
        providerFault: providerFault ? "1" : "0",
        circuitThreshold: env().CIRCUIT_FAILURE_THRESHOLD || 1,
        circuitCooldownMs: env().CIRCUIT_COOLDOWN_MS,
        inputCaused: isInputCaused(event.code) ? "1" : "0",
      },
      rest: Object.entries(fields).flat(),
    });
  } catch (error) {
    log("error", "error_record_failed", { fingerprint: event.fingerprint, message: String(error) });
  }
}

/**
 * An error no handler expected (a bug, a store that refused a command): classified like a job's
 * failure, recorded in its error group and logged. lib/http/respond.ts calls it for a route or
 * webhook that threw; it never throws itself.
 */
export async function reportUnexpected(error: unknown, where: string): Promise<void> {
  await recordError(errorEvent(classify(error).error, where, error, "final"));
}
