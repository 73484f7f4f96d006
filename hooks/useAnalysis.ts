"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import useSWR, { useSWRConfig } from "swr";
import { ApiError, fetchJson } from "@/lib/http/fetcher";
import { isTerminal, type AnalysisType, type Params, type PublicJob } from "@/lib/jobs/schema";
import { useCompletionTitle, useOnline, useVisible } from "./analysis/browser-state";
import { fetchStatus, type StatusData } from "./analysis/fetch-status";
import { SharedPoller, type StatusMessage } from "./analysis/leader";
import {
  errorDelay,
  fingerprint,
  hiddenPollDelay,
  initialSchedule,
  nextDelay,
  observe,
} from "./analysis/schedule";
import {
  forgetJob,
  inputOf,
  recallJob,
  rememberJob,
  type Identity,
  type Subject,
} from "./analysis/storage";

export type UseAnalysis = {
  job: PublicJob | null;
  isLoading: boolean;
  /** The last failed request (start, cancel, poll). A failing poll never changes the job shown. */
  error: ApiError | null;
  isRunning: boolean;
  /** A cancel was asked (here or in another tab) and the job has not stopped yet. */
  isCanceling: boolean;
  isDone: boolean;
  isOffline: boolean;
  /** `subject`: the kind's input ({ conversationId }), or a listing id for a listing analysis. */
  start(subject: Subject, analysisType: AnalysisType, params?: Params): Promise<void>;
  attach(subject: Subject, analysisType: AnalysisType, params?: Params): Promise<void>;
  cancel(): Promise<void>;
  retry(): Promise<void>;
  /** Follow a job by id (e.g. picked from the history list). */
  open(jobId: string): void;
};

const statusUrl = (jobId: string) => `/api/analysis/status?jobId=${encodeURIComponent(jobId)}`;

/**
 * Follows one analysis job: polls while it is queued or running (see analysis/schedule.ts),
 * not while the tab is hidden (except one slow poll, so a finished job can show in the title)
 * or offline, refreshes on focus / visibility / reconnect, shares one poller between tabs, and
 * reattaches after a refresh through localStorage, falling back to the server's lookup.
 */
export function useAnalysis(identity?: Identity): UseAnalysis {
  const [jobId, setJobId] = useState<string | null>(null);
  const [current, setCurrent] = useState<Identity | null>(identity ?? null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const schedule = useRef(initialSchedule());
  const starting = useRef(false);
  /** A cancel this tab asked for and the job has not ended yet ("Canceling…" from the click). */
  const canceling = useRef(false);
  const [cancelAsked, setCancelAsked] = useState<string | null>(null);
  const poller = useRef<SharedPoller<StatusData> | null>(null);
  const latest = useRef<StatusData | undefined>(undefined);
  /** Set while a tab that just joined waits for the leading tab's answer. */
  const joining = useRef<((data: StatusData) => void) | null>(null);
  const online = useOnline();
  const visible = useVisible();
  const { mutate: mutateKey } = useSWRConfig();

  const key = jobId ? statusUrl(jobId) : null;
  const swr = useSWR<StatusData, ApiError>(key, {
    fetcher: async (url: string) => {
      const previous = latest.current?.job.id === jobId ? latest.current : undefined;
      // Another tab polls this job: take its broadcast answers instead of asking the server.
      if (previous && poller.current && !poller.current.tryLead()) return previous;
      // Just joined a job another tab is polling: ask that tab for its latest answer first.
      if (!previous && poller.current?.followsAnother()) {
        const heard = await new Promise<StatusData | undefined>((resolve) => {
          joining.current = resolve;
          poller.current?.hello();
          setTimeout(() => resolve(undefined), 1_500);
        });
        joining.current = null;
        if (heard) return heard;
      }
      const data = await fetchStatus(url, previous);
      schedule.current = observe(schedule.current, fingerprint(data.job));
      poller.current?.publish(data);
      return data;
    },
    refreshInterval: (data) => {
      if (!data) return 0;
      // A cancel asked from this tab: poll fast until the job has stopped, even before the server says so.
      const hint =
        canceling.current && !isTerminal(data.job.status)
          ? Math.min(data.nextPollMs, 400)
          : data.nextPollMs;
      return nextDelay(
        schedule.current,
        hint,
        isTerminal(data.job.status),
        Math.random,
        data.job.etaMs !== null || canceling.current || data.job.cancelRequested,
      );
    },
    refreshWhenHidden: false,
    refreshWhenOffline: false,
    revalidateOnFocus: true,
    revalidateOnReconnect: true,
    dedupingInterval: 300,
    keepPreviousData: true,
    onErrorRetry: (error, _key, _config, revalidate, { retryCount }) => {
      if (error.status === 404 || error.status === 400) return;
      setTimeout(() => void revalidate({ retryCount }), errorDelay(retryCount));
    },
  });
  const { data, mutate } = swr;
  latest.current = data;

  // One poller per job across tabs; followers take the polling tab's broadcast answers.
  useEffect(() => {
    if (!jobId) return;
    const shared = new SharedPoller<StatusData>(jobId, (message: StatusMessage<StatusData>) => {
      if (message.type === "status") {
        schedule.current = observe(schedule.current, fingerprint(message.data.job));
        if (joining.current) joining.current(message.data);
        else void mutate(message.data, { revalidate: false });
      } else if (message.type === "hello") {
        if (latest.current && shared.leads()) shared.publish(latest.current);
      } else void mutate(); // the leader let go: poll now (this tab may take over)
    });
    poller.current = shared;
    return () => {
      shared.close();
      poller.current = null;
    };
  }, [jobId, mutate]);

  // Hidden: let a visible tab lead, and poll rarely (analysis/schedule.ts hiddenPollDelay) so a
  // job that ends meanwhile can say so in the title. Re-armed by each answer while hidden.
  const active = data && !isTerminal(data.job.status);
  const hiddenSince = useRef<number | null>(null);
  const [hiddenPolls, setHiddenPolls] = useState(0);
  const etaMs = data?.job.etaMs ?? null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: hiddenPolls is the trigger: each hidden answer re-arms the timer
  useEffect(() => {
    if (visible || !active) {
      hiddenSince.current = null;
      return;
    }
    hiddenSince.current ??= Date.now();
    poller.current?.release();
    const poll = () => void mutate().finally(() => setHiddenPolls((n) => n + 1));
    const timer = setTimeout(poll, hiddenPollDelay(etaMs, Date.now() - hiddenSince.current));
    return () => clearTimeout(timer);
    // A new ETA (from a poll, or another tab's broadcast) re-plans the next hidden poll.
  }, [visible, active, etaMs, hiddenPolls, mutate]);

  // A job that is gone (expired) or not this visitor's is forgotten quietly, not shown as an error.
  useEffect(() => {
    if (swr.error?.status === 404 && jobId) {
      if (current) forgetJob(current, jobId);
      setJobId(null);
    }
  }, [swr.error, jobId, current]);

  const attach = useCallback(
    async (subject: Subject, analysisType: AnalysisType, params?: Params) => {
      const id: Identity = { input: inputOf(subject), analysisType, params };
      setCurrent(id);
      setActionError(null);
      schedule.current = initialSchedule();
      const remembered = recallJob(id);
      if (remembered) {
        setJobId(remembered);
        return;
      }
      const query = new URLSearchParams({
        analysisType,
        input: JSON.stringify(id.input),
        ...(params ? { params: JSON.stringify(params) } : {}),
      });
      try {
        const found = await fetchJson<{ job: PublicJob; nextPollMs: number }>(
          `/api/analysis/status?${query}`,
        );
        rememberJob(id, found.job.id);
        await mutateKey(statusUrl(found.job.id), { ...found, etag: null }, { revalidate: false });
        setJobId(found.job.id);
      } catch {
        setJobId(null); // nothing running for this identity: the person can start one
      }
    },
    [mutateKey],
  );

  const start = useCallback(
    async (subject: Subject, analysisType: AnalysisType, params?: Params) => {
      if (starting.current) return; // a double click is one start (the server dedupes too)
      starting.current = true;
      const id: Identity = { input: inputOf(subject), analysisType, params };
      setCurrent(id);
      setActionError(null);
      try {
        const res = await fetchJson<{ job: PublicJob; nextPollMs: number }>("/api/analysis/start", {
          method: "POST",
          body: JSON.stringify({ analysisType, input: id.input, ...(params ? { params } : {}) }),
        });
        rememberJob(id, res.job.id);
        schedule.current = initialSchedule();
        // Show the queued job at once; the first poll follows after the schedule's first delay.
        await mutateKey(statusUrl(res.job.id), { ...res, etag: null }, { revalidate: false });
        setJobId(res.job.id);
      } catch (e) {
        setActionError(
          e instanceof ApiError
            ? e
            : new ApiError("network", "Could not reach tabsafe. Check your connection.", 0),
        );
      } finally {
        starting.current = false;
      }
    },
    [mutateKey],
  );

  const cancel = useCallback(async () => {
    if (!jobId || canceling.current) return;
    // "Canceling…" from the click; the worker stops at its next write (≤ about half a second).
    canceling.current = true;
    setCancelAsked(jobId);
    try {
      await fetchJson("/api/analysis/cancel", { method: "POST", body: JSON.stringify({ jobId }) });
      schedule.current = initialSchedule();
      await mutate();
    } catch (e) {
      canceling.current = false;
      setCancelAsked(null);
      setActionError(
        e instanceof ApiError
          ? e
          : new ApiError("network", "Could not reach tabsafe to cancel. Try again.", 0),
      );
    }
  }, [jobId, mutate]);

  const job = data && data.job.id === jobId ? data.job : null;
  const ended = job ? isTerminal(job.status) : false;
  useEffect(() => {
    if (ended || job?.id !== cancelAsked) canceling.current = false;
  }, [ended, job?.id, cancelAsked]);

  /**
   * Runs a failed or canceled analysis again. The same job is queued with its finished steps kept
   * (POST /api/analysis/retry); when that is not possible (it expired, or a newer run of the same
   * analysis exists) a new start does it, which also finds that newer run.
   */
  const retry = useCallback(async () => {
    if (job && (job.status === "failed" || job.status === "canceled")) {
      setActionError(null);
      try {
        const res = await fetchJson<{ job: PublicJob; nextPollMs: number }>("/api/analysis/retry", {
          method: "POST",
          body: JSON.stringify({ jobId: job.id }),
        });
        schedule.current = initialSchedule();
        await mutateKey(statusUrl(res.job.id), { ...res, etag: null }, { revalidate: false });
        return;
      } catch (e) {
        if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 409)) {
          setActionError(
            e instanceof ApiError
              ? e
              : new ApiError("network", "Could not reach tabsafe. Check your connection.", 0),
          );
          return;
        }
      }
    }
    const again = job ?? current;
    if (again) await start(again.input, again.analysisType, again.params);
  }, [job, current, start, mutateKey]);

  const open = useCallback((id: string) => {
    setActionError(null);
    schedule.current = initialSchedule();
    setJobId(id);
  }, []);

  // Attach on mount (and when the identity passed in changes).
  const identityKey = identity ? JSON.stringify(identity) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: identityKey stands for identity's content, so a new object with the same fields does not attach again
  useEffect(() => {
    if (identity) void attach(identity.input, identity.analysisType, identity.params);
  }, [identityKey]);

  useCompletionTitle(job?.status, visible);

  return {
    job,
    isLoading: Boolean(jobId) && !job && !swr.error,
    error: actionError ?? (swr.error && swr.error.status !== 404 ? swr.error : null),
    isRunning: job ? !isTerminal(job.status) : false,
    isCanceling: !!job && !ended && (cancelAsked === job.id || job.cancelRequested),
    isDone: job ? isTerminal(job.status) : false,
    isOffline: !online,
    start,
    attach,
    cancel,
    retry,
    open,
  };
}
