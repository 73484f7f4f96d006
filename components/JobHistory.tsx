"use client";

import useSWR from "swr";
import { fetchJson } from "@/lib/http/fetcher";
import type { JobSummary } from "@/lib/jobs/store";
import type { ListingSummary } from "@/lib/listings/schema";
import { analysisTypeInfo } from "./analysis-types";

type Props = { listings: ListingSummary[]; currentJobId: string | null; refreshKey: string; onOpen: (job: JobSummary) => void };

/** This visitor's recent analyses, newest first; refreshed when the current job changes state. */
export function JobHistory({ listings, currentJobId, refreshKey, onOpen }: Props) {
  const { data } = useSWR(["/api/analysis/history", refreshKey], ([url]) => fetchJson<{ jobs: JobSummary[] }>(url), { revalidateOnFocus: false });
  const jobs = data?.jobs ?? [];
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Your analyses</h2>
      {jobs.length === 0 ? (
        <p className="hint">Nothing yet. Finished analyses stay here for 24 hours.</p>
      ) : (
        <ul className="history" data-testid="history">
          {jobs.map((j) => (
            <li key={j.id}>
              <button type="button" className={j.id === currentJobId ? "history-item current" : "history-item"} onClick={() => onOpen(j)}>
                <span>
                  <strong>{analysisTypeInfo[j.analysisType]?.label ?? j.analysisType}</strong> · {listings.find((l) => l.id === j.listingId)?.title ?? "Pasted listing"}
                </span>
                <span className="row">
                  <span className="hint">{new Date(j.createdAt).toLocaleString("en", { dateStyle: "short", timeStyle: "short" })}</span>
                  <span className={`chip status-${j.status}`}>{j.status === "running" ? `${j.progress}%` : j.status}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
