import "server-only";
import { errorCategories } from "@/lib/jobs/schema";
import { READ_HASHES, RESOLVE_ERROR } from "@/lib/ops/scripts";
import {
  severities,
  type ErrorGroup,
  type ErrorGroupSummary,
  type ErrorSample,
} from "@/lib/ops/types";
import { hgetallRecord, redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";
import { pairsToRecord } from "@/lib/redis/script";
import { errorCodeInfo } from "@/lib/telemetry/error-codes";

/*
 * The error groups as /ops reads them: list, one with its samples, resolve. They are written
 * by lib/telemetry/error-record.ts (recordError), below the job engine that reports them.
 */

function summary(fingerprint: string, h: Record<string, string>): ErrorGroupSummary {
  const pick = <T extends string>(list: readonly T[], v: string, fallback: T): T =>
    list.includes(v as T) ? (v as T) : fallback;
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
    analysisTypes: Object.keys(h)
      .filter((f) => f.startsWith("type:") && h[f] === "1")
      .map((f) => f.slice(5))
      .sort(),
    status: h.status === "resolved" ? "resolved" : "open",
    resolvedAt: h.resolvedAt ? Number(h.resolvedAt) : null,
  };
}

export type GroupFilter = {
  category?: string;
  severity?: string;
  status?: "open" | "resolved" | "all";
  limit?: number;
};

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
    .filter(
      (g) =>
        (!filter.category || g.category === filter.category) &&
        (!filter.severity || g.severity === filter.severity) &&
        (status === "all" || g.status === status),
    )
    .slice(0, filter.limit ?? 200);
}

export async function getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
  const [h, samples] = await Promise.all([
    hgetallRecord(keys.errorGroup(fingerprint)),
    redis().lrange(keys.errorSamples(fingerprint), 0, -1),
  ]);
  if (!h) return null;
  return {
    ...summary(fingerprint, h),
    samples: (samples as string[]).map((s) => JSON.parse(s) as ErrorSample),
  };
}

/** Marks a group resolved; null when there is no such group. It reopens by itself when it recurs. */
export async function resolveErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
  const { outcome } = await RESOLVE_ERROR.run({
    keys: { group: keys.errorGroup(fingerprint) },
    args: { now: Date.now() },
  });
  return outcome === "resolved" ? getErrorGroup(fingerprint) : null;
}
