"use client";

import { useState } from "react";
import { useBatch } from "@/hooks/useBatch";
import { BATCH_MAX } from "@/lib/jobs/batch-view";
import type { AnalysisType } from "@/lib/jobs/schema";
import { defaultParams, kindLabel, type KindView } from "@/lib/kinds/view";
import type { ListingSummary } from "@/lib/listings/schema";
import { NumberField } from "./NumberField";

const STATUS_TEXT = {
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
} as const;

/** Analyse several listings at once: pick them, start one batch, follow its progress. */
export function BatchPanel({
  listings,
  kinds,
}: {
  listings: ListingSummary[];
  kinds: readonly KindView[];
}) {
  const [picked, setPicked] = useState<string[]>([]);
  const [analysisType, setAnalysisType] = useState<AnalysisType>(kinds[0]?.kind ?? "");
  const [minSuccessPct, setMinSuccessPct] = useState(80);
  const { batch, error, busy, start, cancel, retryFailed, dismiss } = useBatch();
  const titles = new Map(listings.map((l) => [l.id, l.title]));
  const toggle = (id: string) =>
    setPicked((all) =>
      all.includes(id) ? all.filter((x) => x !== id) : [...all, id].slice(0, BATCH_MAX),
    );

  return (
    <section className="card batch" aria-labelledby="batch-heading" data-testid="batch-panel">
      <h2 id="batch-heading">Batch · analyse several listings</h2>
      {batch?.status !== "running" ? (
        <form
          className="batch-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start(
              picked,
              analysisType,
              defaultParams(kinds.find((k) => k.kind === analysisType)),
              minSuccessPct / 100,
            );
          }}
        >
          <fieldset>
            <legend className="hint">Listings ({picked.length} chosen)</legend>
            {listings.map((l) => (
              <label key={l.id} className="batch-pick">
                <input
                  type="checkbox"
                  checked={picked.includes(l.id)}
                  onChange={() => toggle(l.id)}
                  data-testid={`batch-pick-${l.id}`}
                />{" "}
                {l.title}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <label>
              Analysis{" "}
              <select
                value={analysisType}
                onChange={(e) => setAnalysisType(e.target.value as AnalysisType)}
                data-testid="batch-type"
              >
                {kinds.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                  </option>
                ))}
              </select>
            </label>
            <NumberField
              label="Succeeds when at least (% of listings)"
              value={minSuccessPct}
              min={1}
              max={100}
              onChange={setMinSuccessPct}
              testId="batch-min"
            />
            <button
              type="submit"
              className="primary"
              disabled={busy || picked.length === 0}
              data-testid="batch-start"
            >
              Start batch of {picked.length}
            </button>
          </div>
        </form>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error.message}
        </p>
      ) : null}
      {batch ? (
        <div className="batch-status" data-testid="batch" data-status={batch.status}>
          <div className="row spread">
            <strong>
              {kindLabel(kinds, batch.analysisType)} of {batch.children.length} listings
            </strong>
            <span className={`chip status-${batch.status}`} data-testid="batch-status">
              {STATUS_TEXT[batch.status]}
            </span>
          </div>
          <div
            className="progress"
            role="progressbar"
            aria-label="Batch progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={batch.progress}
          >
            <div className={`bar status-${batch.status}`} style={{ width: `${batch.progress}%` }} />
          </div>
          <p className="hint" data-testid="batch-counts">
            {batch.counts.succeeded} succeeded · {batch.counts.failed} failed ·{" "}
            {batch.counts.canceled} canceled · {batch.counts.queued + batch.counts.running} to go ·
            succeeds at {Math.ceil(batch.minSuccess * batch.children.length)} of{" "}
            {batch.children.length}
          </p>
          <ul className="batch-children">
            {batch.children.map((c) => (
              <li key={c.jobId} data-testid="batch-child" data-status={c.status}>
                <span>{titles.get(c.subject) ?? c.subject}</span>
                <span className="hint">
                  {c.status === "running"
                    ? `${c.progress} %`
                    : (c.errorCode ?? (c.cachedFrom ? "from cache" : ""))}
                </span>
                <span className={`chip status-${c.status}`}>{c.status}</span>
              </li>
            ))}
          </ul>
          <div className="row">
            {batch.status === "running" ? (
              <button
                type="button"
                onClick={() => void cancel()}
                disabled={busy}
                data-testid="batch-cancel"
              >
                Cancel batch
              </button>
            ) : null}
            {batch.counts.failed + batch.counts.canceled > 0 && batch.status !== "running" ? (
              <button
                type="button"
                className="primary"
                onClick={() => void retryFailed()}
                disabled={busy}
                data-testid="batch-retry"
              >
                Retry {batch.counts.failed + batch.counts.canceled} failed
              </button>
            ) : null}
            {batch.status !== "running" ? (
              <button type="button" onClick={dismiss}>
                Close
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
