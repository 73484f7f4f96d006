import "server-only";
import { env } from "@/lib/env";
import { errorCodeInfo, isInputCaused, isProviderFault } from "@/lib/jobs/error-codes";
import { analysisTypes, errorCategories, pairsToRecord, type AnalysisType } from "@/lib/jobs/schema";
import type { OpsErrorEvent } from "@/lib/ops/classify";
import { log } from "@/lib/ops/log";
import { metricKeys, metricTtls } from "@/lib/ops/metric-write";
import { READ_HASHES, RECORD_ERROR, RESOLVE_ERROR } from "@/lib/ops/scripts";
import { severities, type ErrorGroup, type ErrorGroupSummary, type ErrorSample } from "@/lib/ops/types";
import { hgetallRecord, redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/** Samples kept per group (newest first). */
const SAMPLES_KEPT = 5;

export type ErrorContext = Omit<ErrorSample, "at" | "detail">;

/**
 * Records one occurrence: one script adds it to its group (reopening a resolved one), keeps a
 * few sanitized samples and counts it in the metrics (a failure the person's input caused as
 * inputErrors, apart from the service's errors: lib/jobs/error-codes.ts); the same event goes
 * to the log. Never throws: failing to record an error must not turn into a second failure.
 */
export async function recordError(event: OpsErrorEvent, ctx: Partial<ErrorContext> = {}): Promise<void> {
  const now = Date.now();
  const sample: ErrorSample = {
    at: now, jobId: ctx.jobId ?? null, analysisType: ctx.analysisType ?? null, attempt: ctx.attempt ?? null,
    messageId: ctx.messageId ?? null, visitor: ctx.visitor ?? null, detail: event.detail,
  };
  log(event.severity === "LOW" ? "warn" : "error", "error_recorded", { ...sample, code: event.code, category: event.category, severity: event.severity, where: event.where, fingerprint: event.fingerprint });
  const fields = {
    category: event.category, severity: event.severity, retryable: event.retryable ? "1" : "0", code: event.code,
    where: event.where, message: event.message, userMessage: event.userMessage,
  };
  try {
    // Only a delivery's own failure counts against the provider: the failure callback and the
    // timeout sweep report a failure that was already counted.
    const providerFault = isProviderFault(event.code) && event.where.startsWith("consume:");
    await RECORD_ERROR.run({
      keys: {
        group: keys.errorGroup(event.fingerprint), samples: keys.errorSamples(event.fingerprint),
        groups: keys.errorGroups(), ...metricKeys(now), circuit: keys.circuit(),
      },
      args: {
        now, fingerprint: event.fingerprint, retentionTtl: env().ERROR_RETENTION_DAYS * 86_400,
        sample: JSON.stringify(sample), samplesKept: SAMPLES_KEPT,
        analysisType: ctx.analysisType ?? "", category: event.category, ...metricTtls(),
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

function summary(fingerprint: string, h: Record<string, string>): ErrorGroupSummary {
  const pick = <T extends string>(list: readonly T[], v: string, fallback: T): T => (list.includes(v as T) ? (v as T) : fallback);
  return {
    fingerprint,
    category: pick(errorCategories, h.category, "SYSTEM"),
    severity: pick(severities, h.severity, "MEDIUM"),
    retryable: h.retryable === "1",
    code: h.code ?? "",
    cause: errorCodeInfo(h.code ?? "").cause,
    where: h.where ?? "",
    message: h.message ?? "",
    userMessage: h.userMessage ?? "",
    count: Number(h.count) || 0,
    firstSeen: Number(h.firstSeen) || 0,
    lastSeen: Number(h.lastSeen) || 0,
    analysisTypes: analysisTypes.filter((t) => h[`type:${t}`] === "1") as AnalysisType[],
    status: h.status === "resolved" ? "resolved" : "open",
    resolvedAt: h.resolvedAt ? Number(h.resolvedAt) : null,
  };
}

export type GroupFilter = { category?: string; severity?: string; status?: "open" | "resolved" | "all"; limit?: number };

/** Error groups, most recently seen first, in two commands (the index, then every group in one script). */
export async function listErrorGroups(filter: GroupFilter = {}): Promise<ErrorGroupSummary[]> {
  const fps = (await redis().zrange(keys.errorGroups(), 0, 499, { rev: true })) as string[];
  if (fps.length === 0) return [];
  const groupKeys = fps.map((fp) => keys.errorGroup(fp));
  const hashes = (await READ_HASHES.run({ keys: {}, args: {}, keyRest: groupKeys })) as unknown[];
  const groups = fps.flatMap((fp, i) => {
    const h = pairsToRecord(hashes[i]);
    return Object.keys(h).length ? [summary(fp, h)] : [];
  });
  const status = filter.status ?? "all";
  return groups
    .filter((g) => (!filter.category || g.category === filter.category) && (!filter.severity || g.severity === filter.severity) && (status === "all" || g.status === status))
    .slice(0, filter.limit ?? 200);
}

export async function getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
  const [h, samples] = await Promise.all([hgetallRecord(keys.errorGroup(fingerprint)), redis().lrange(keys.errorSamples(fingerprint), 0, -1)]);
  if (!h) return null;
  return { ...summary(fingerprint, h), samples: (samples as string[]).map((s) => JSON.parse(s) as ErrorSample) };
}

/** Marks a group resolved; null when there is no such group. It reopens by itself when it recurs. */
export async function resolveErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
  const { outcome } = await RESOLVE_ERROR.run({
    keys: { group: keys.errorGroup(fingerprint) },
    args: { now: Date.now() },
  });
  return outcome === "resolved" ? getErrorGroup(fingerprint) : null;
}
