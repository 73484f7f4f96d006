"use client";

import { useRef } from "react";
import useSWR, { type SWRResponse } from "swr";
import { ApiError, fetchJson } from "@/lib/http/fetcher";

/** How often the ops pages refresh, in ms, while the tab is visible. */
export const OPS_REFRESH_MS = 5_000;

/** A failure that will not go away by asking again: signed out, gone, or a bad filter. */
const final = (error: unknown) =>
  error instanceof ApiError && [400, 401, 403, 404].includes(error.status);

/** fetchJson, with a network failure turned into an ApiError too, so the pages handle one error type. */
export async function opsFetch<T>(url: string, init?: RequestInit): Promise<T> {
  try {
    return await fetchJson<T>(url, { cache: "no-store", ...init });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("network", "Could not reach tabsafe. Check your connection.", 0);
  }
}

/**
 * One /api/ops/* resource, refreshed every `refreshMs` (5 s) while the tab is visible (SWR pauses
 * hidden and offline tabs by default, and we keep it so: nobody reads a hidden dashboard). A
 * final failure (401, 404, a bad filter) stops the refreshing until a request succeeds again,
 * e.g. after the filter changes: asking every 5 s would not change the answer.
 */
export function useOps<T>(
  key: string,
  {
    fetcher = opsFetch<T>,
    refreshMs = OPS_REFRESH_MS,
  }: { fetcher?: (url: string) => Promise<T>; refreshMs?: number } = {},
): SWRResponse<T, ApiError> {
  const stopped = useRef(false);
  return useSWR<T, ApiError>(key, fetcher, {
    refreshInterval: () => (stopped.current ? 0 : refreshMs),
    refreshWhenHidden: false,
    refreshWhenOffline: false,
    keepPreviousData: true,
    onSuccess: () => void (stopped.current = false),
    onError: (error) => void (stopped.current = final(error)),
    onErrorRetry: (error, _key, _config, revalidate, { retryCount }) => {
      if (final(error) || retryCount >= 5) return;
      setTimeout(() => void revalidate({ retryCount }), Math.min(30_000, 1_000 * 2 ** retryCount));
    },
  });
}

/** A query string of the non-empty values, with a leading "?" (or "" when all are empty). */
export function query(values: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values))
    if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * Mirrors a page's filters into its address (so a reload or a shared link keeps them) without
 * a server round trip: Next.js folds history.replaceState into its router.
 */
export function replaceQuery(values: Record<string, string | number | null | undefined>): void {
  window.history.replaceState(null, "", `${window.location.pathname}${query(values)}`);
}
