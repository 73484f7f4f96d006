import type { AnalysisType, JobInput, Params } from "@/lib/jobs/schema";

/**
 * What survives a refresh, in localStorage: the job of each identity (with an expiry, so stale
 * ids are dropped) and the one the page was showing. Every access is guarded: storage can be
 * missing (SSR), full or blocked (privacy modes), and none of that may break the page.
 */
export type Identity = { input: JobInput; analysisType: AnalysisType; params?: Params };

/** What a start names: its kind's input, or (for a listing analysis) a listing id. */
export type Subject = JobInput | string;
export const inputOf = (subject: Subject): JobInput =>
  typeof subject === "string" ? { listingId: subject } : subject;
type Entry = { jobId: string; expiresAt: number };

const PREFIX = "tabsafe:";
/** How long a remembered job id is worth trying: the server keeps finished jobs 24 h. */
const REMEMBER_MS = 24 * 3600_000;

const sorted = (map: Record<string, unknown>) =>
  Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1));

export function identityKey(id: Identity): string {
  return `${JSON.stringify(sorted(id.input))}:${id.analysisType}:${JSON.stringify(sorted(id.params ?? {}))}`;
}

function read<T>(key: string): T | null {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown | null): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(PREFIX + key);
    else globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or blocked: reattach falls back to the server's lookup by identity.
  }
}

export function rememberJob(identity: Identity, jobId: string, now = Date.now()): void {
  write(`job:${identityKey(identity)}`, { jobId, expiresAt: now + REMEMBER_MS } satisfies Entry);
  write("current", { jobId, ...identity });
}

export function recallJob(identity: Identity, now = Date.now()): string | null {
  const entry = read<Entry>(`job:${identityKey(identity)}`);
  if (!entry) return null;
  if (entry.expiresAt < now) {
    write(`job:${identityKey(identity)}`, null);
    return null;
  }
  return entry.jobId;
}

export function forgetJob(identity: Identity, jobId: string): void {
  if (recallJob(identity) === jobId) write(`job:${identityKey(identity)}`, null);
  if (read<{ jobId: string }>("current")?.jobId === jobId) write("current", null);
}

/** The identity the page last showed, to restore the selection after a refresh. */
export function currentIdentity(): (Identity & { jobId: string }) | null {
  const stored = read<
    Partial<Identity> & { listingId?: string; jobId: string; analysisType: AnalysisType }
  >("current");
  if (!stored) return null;
  // Written before jobs had inputs: a listing analysis by its listing id.
  const input = stored.input ?? (stored.listingId ? { listingId: stored.listingId } : null);
  return input
    ? { jobId: stored.jobId, input, analysisType: stored.analysisType, params: stored.params }
    : null;
}
