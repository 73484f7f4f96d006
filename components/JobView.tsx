"use client";

import { useEffect, useState } from "react";
import { errorCodeInfo } from "@/lib/telemetry/error-codes";
import type { PublicJob } from "@/lib/jobs/schema";
import { ResultReport } from "./ResultReport";

type Props = {
  job: PublicJob;
  offline: boolean;
  connectionError: string | null;
  canceling?: boolean;
  onRetry: () => void;
};

const STATUS_TEXT: Record<PublicJob["status"], string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  canceled: "Canceled",
};

/** The job as it stands: progress, step, streamed text, timing; then the report or the error. */
export function JobView({ job, offline, connectionError, canceling = false, onRetry }: Props) {
  const now = useNow(job.status === "queued" || job.status === "running");
  const started = job.startedAt ?? job.createdAt;
  const elapsed = Math.max(0, (job.finishedAt ?? now) - started);
  const active = job.status === "queued" || job.status === "running";
  return (
    <section
      className="card job"
      data-testid="job"
      data-job-id={job.id}
      data-status={job.status}
      aria-labelledby="job-heading"
    >
      <div className="row spread">
        <h2 id="job-heading">3 · Analysis</h2>
        <span className={`chip status-${job.status}`} data-testid="status">
          {canceling ? "Canceling…" : STATUS_TEXT[job.status]}
        </span>
      </div>
      {offline ? (
        <p className="banner" data-testid="offline" role="status">
          Offline — will resume when you are back online. The analysis keeps running on our side.
        </p>
      ) : connectionError && active ? (
        <p className="banner" data-testid="reconnecting" role="status">
          Reconnecting… {connectionError}
        </p>
      ) : null}
      <div
        className="progress"
        role="progressbar"
        aria-label="Analysis progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={job.progress}
      >
        <div className={`bar status-${job.status}`} style={{ width: `${job.progress}%` }} />
      </div>
      {/* Not a live region: the elapsed time ticks every second. The announcer speaks the milestones. */}
      <div className="row spread meta">
        <span data-testid="step-label">{stepText(job)}</span>
        <span className="hint">
          {formatMs(elapsed)} elapsed
          {active && job.etaMs ? ` · about ${formatMs(job.etaMs)} left` : ""}
          {job.attempt > 1 ? ` · attempt ${job.attempt}` : ""}
          {job.retries > 0 ? ` · retried ${job.retries}×` : ""}
        </span>
      </div>
      {active && job.partialOutput ? (
        // biome-ignore lint/a11y/useSemanticElements: a labelled region that stays a <pre>, which keeps the stream's whitespace
        <pre className="partial" role="region" aria-label="Streaming output">
          {job.partialOutput}
        </pre>
      ) : null}
      {job.cachedFrom ? (
        <p className="hint" data-testid="cached">
          The same analysis of the same text was done recently: this is its result, served from the
          cache at once.
        </p>
      ) : null}
      {job.status === "succeeded" ? (
        <ResultReport type={job.analysisType} result={job.result} />
      ) : null}
      {job.status === "failed" ? <Failure job={job} onRetry={onRetry} /> : null}
      {job.status === "canceled" ? (
        <p className="ended-note" data-testid="job-canceled">
          You canceled this analysis. Starting the same analysis again picks up from the steps it
          had finished.
        </p>
      ) : null}
    </section>
  );
}

/**
 * A failed job: what went wrong and Retry, or, when retrying cannot help (the same input
 * would get the same answer), why not and what to do instead (lib/telemetry/error-codes.ts).
 */
function Failure({ job, onRetry }: { job: PublicJob; onRetry: () => void }) {
  const { personRetry, advice } = errorCodeInfo(job.error?.code ?? "");
  return (
    <div className="failure" data-testid="job-error" data-code={job.error?.code ?? ""}>
      <div>
        <p>{job.error?.message ?? "The analysis failed."}</p>
        {!personRetry && advice ? (
          <p className="advice" data-testid="job-error-advice">
            {advice}
          </p>
        ) : null}
      </div>
      {personRetry ? (
        <button type="button" data-testid="retry" className="primary" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Re-renders every second while `ticking`, for the elapsed-time display. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

/** "2/7 · analyzing chunk 1 of 3" while running; a plain word once the job has ended. */
function stepText(job: PublicJob): string {
  if (job.status === "succeeded")
    return job.step ? `${job.step.total}/${job.step.total} · finished` : "finished";
  if (job.status === "queued") return "waiting for a worker";
  if (!job.step) return job.status === "running" ? "starting" : "";
  return job.status === "running"
    ? `${job.step.index}/${job.step.total} · ${job.step.label}`
    : `stopped at ${job.step.index}/${job.step.total} · ${job.step.label}`;
}

function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
