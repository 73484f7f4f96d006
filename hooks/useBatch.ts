"use client";

import { useCallback, useEffect, useState } from "react";
import useSWR from "swr";
import type { BatchView } from "@/lib/jobs/batch-view";
import type { AnalysisType, Params } from "@/lib/jobs/schema";
import { ApiError, fetchJson } from "@/lib/http/fetcher";

/** Where the batch this browser follows is remembered, so a refresh finds it again. */
const STORAGE_KEY = "tabsafe:batch";

type Answer = { batch: BatchView; nextPollMs: number };

export type UseBatch = {
  batch: BatchView | null;
  error: ApiError | null;
  busy: boolean;
  start(
    listingIds: string[],
    analysisType: AnalysisType,
    params: Params,
    minSuccess: number,
  ): Promise<void>;
  cancel(): Promise<void>;
  retryFailed(): Promise<void>;
  dismiss(): void;
};

/**
 * Follows one batch: SWR polls its aggregate every nextPollMs (2 s) while it runs, not at all
 * once it ended or while the tab is hidden (SWR's default), and picks the batch up again after a
 * refresh through localStorage.
 */
export function useBatch(): UseBatch {
  const [batchId, setBatchId] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setBatchId(localStorage.getItem(STORAGE_KEY)), []);

  const key = batchId ? `/api/analysis/batch?batchId=${encodeURIComponent(batchId)}` : null;
  const swr = useSWR<Answer, ApiError>(key, (url: string) => fetchJson<Answer>(url), {
    refreshInterval: (data) => data?.nextPollMs ?? 2_000,
    onError: (e) => {
      if (e.status === 404) {
        localStorage.removeItem(STORAGE_KEY); // expired or another visitor's: forget it
        setBatchId(null);
      }
    },
  });

  const act = useCallback(
    async (url: string, body: unknown, follow = true) => {
      setBusy(true);
      setError(null);
      try {
        const answer = await fetchJson<Answer>(url, { method: "POST", body: JSON.stringify(body) });
        if (follow) {
          localStorage.setItem(STORAGE_KEY, answer.batch.id);
          setBatchId(answer.batch.id);
        }
        await swr.mutate(
          { batch: answer.batch, nextPollMs: answer.nextPollMs ?? 2_000 },
          { revalidate: false },
        );
      } catch (e) {
        setError(
          e instanceof ApiError
            ? e
            : new ApiError("network", "Could not reach tabsafe. Check your connection.", 0),
        );
      } finally {
        setBusy(false);
      }
    },
    [swr],
  );

  const batch = swr.data && swr.data.batch.id === batchId ? swr.data.batch : null;
  return {
    batch,
    error,
    busy,
    start: (listingIds, analysisType, params, minSuccess) =>
      act("/api/analysis/batch", { listingIds, analysisType, params, minSuccess }),
    cancel: async () =>
      batch ? act("/api/analysis/batch/cancel", { batchId: batch.id }, false) : undefined,
    retryFailed: async () =>
      batch ? act("/api/analysis/batch/retry", { batchId: batch.id }, false) : undefined,
    dismiss: () => {
      localStorage.removeItem(STORAGE_KEY);
      setBatchId(null);
    },
  };
}
