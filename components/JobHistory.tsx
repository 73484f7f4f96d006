"use client";

import useSWR from "swr";
import { fetchJson } from "@/lib/http/fetcher";
import { isTerminal, type PublicJob } from "@/lib/jobs/schema";
import type { JobSummary } from "@/lib/jobs/store";
import { kindLabel, type KindView } from "@/lib/kinds/view";

/** `subjects`: what this page knows by title (listings, uploaded conversations). */
type Props = {
  kinds: readonly KindView[];
  subjects: ReadonlyArray<{ id: string; title: string }>;
  current: PublicJob | null;
  refreshKey: string;
  onOpen: (job: JobSummary) => void;
};

/** How often the list is read again while a job it shows runs that this page does not follow, ms. */
const OTHERS_REFRESH_MS = 10_000;

/**
 * This visitor's recent analyses, newest first. The list is read when the current job changes
 * state, so on its own its row of the current job would keep the progress of that moment (the
 * 14 % of the first step while the card is at step 4/7): that row shows the job the card shows,
 * as the hook polls it. Another job still running is re-read every 10 s while the tab is
 * visible (SWR's refreshInterval pauses in hidden tabs).
 */
export function JobHistory({ kinds, subjects, current, refreshKey, onOpen }: Props) {
  const { data } = useSWR(
    ["/api/analysis/history", refreshKey],
    ([url]) => fetchJson<{ jobs: JobSummary[] }>(url),
    {
      revalidateOnFocus: false,
      refreshInterval: (latest) =>
        latest?.jobs.some((j) => j.id !== current?.id && !isTerminal(j.status))
          ? OTHERS_REFRESH_MS
          : 0,
    },
  );
  const jobs = (data?.jobs ?? []).map((j) =>
    j.id === current?.id ? { ...j, status: current.status, progress: current.progress } : j,
  );
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Your analyses</h2>
      {jobs.length === 0 ? (
        <p className="hint">Nothing yet. Finished analyses stay here for 24 hours.</p>
      ) : (
        <ul className="history" data-testid="history">
          {jobs.map((j) => (
            <li key={j.id} data-job-id={j.id}>
              <button
                type="button"
                className={j.id === current?.id ? "history-item current" : "history-item"}
                aria-current={j.id === current?.id ? "true" : undefined}
                onClick={() => onOpen(j)}
              >
                <span>
                  <strong>{kindLabel(kinds, j.analysisType)}</strong> ·{" "}
                  {subjects.find((s) => s.id === j.subject)?.title ??
                    untitled(kinds, j.analysisType)}
                </span>
                <span className="row">
                  <span className="hint">
                    {new Date(j.createdAt).toLocaleString("en", {
                      dateStyle: "short",
                      timeStyle: "short",
                    })}
                  </span>
                  <span className={`chip status-${j.status}`} data-testid="history-status">
                    {j.status === "running" ? `${j.progress}%` : j.status}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What a job's subject is called when this page does not know its title. */
function untitled(kinds: readonly KindView[], name: string): string {
  return kinds.find((k) => k.kind === name)?.subject === "conversation"
    ? "Uploaded conversation"
    : "Pasted listing";
}
