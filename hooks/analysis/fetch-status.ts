import { ApiError } from "@/lib/http/fetcher";
import type { PublicJob } from "@/lib/jobs/schema";

/** One poll's answer as the hook keeps it: the job, the server's hint and the ETag to send back. */
export type StatusData = { job: PublicJob; nextPollMs: number; etag: string | null };

/**
 * A conditional GET of the status route: If-None-Match with the last ETag, and a 304 returns the
 * previous answer itself (same object, so nothing re-renders). A 404 — the job expired or is not
 * this visitor's — is an ApiError with status 404 for the hook to clean up quietly; no answer at
 * all is an ApiError with status 0 (the hook keeps the job and says it is reconnecting).
 */
export async function fetchStatus(
  url: string,
  previous: StatusData | undefined,
): Promise<StatusData> {
  const res = await fetch(url, {
    headers: previous?.etag ? { "if-none-match": previous.etag } : {},
    cache: "no-store",
  }).catch(() => {
    throw new ApiError(
      "network",
      "tabsafe cannot be reached right now; the analysis keeps running on our side.",
      0,
    );
  });
  const hint = Number(res.headers.get("x-next-poll-ms") ?? "");
  if (res.status === 304 && previous)
    return Number.isFinite(hint) && hint !== previous.nextPollMs
      ? { ...previous, nextPollMs: hint }
      : previous;
  const body = (await res.json().catch(() => null)) as {
    job?: PublicJob;
    nextPollMs?: number;
    error?: { code: string; message: string };
  } | null;
  if (!res.ok || !body?.job) {
    throw new ApiError(
      body?.error?.code ?? `http:${res.status}`,
      body?.error?.message ?? `Status request failed (${res.status})`,
      res.status,
    );
  }
  return { job: body.job, nextPollMs: body.nextPollMs ?? hint, etag: res.headers.get("etag") };
}
