"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { jobStatuses } from "@/lib/jobs/schema";
import type { OpsJobRow } from "@/lib/ops/types";
import { StatusBadge } from "./Badge";
import type { JobFilters } from "./filters";
import { formatTime, humanize } from "./format";
import { Loading, Problem } from "./Problem";
import { EmptyRow, TableScroll } from "./TableScroll";
import { opsFetch, query, replaceQuery, useOps } from "./useOps";

const LIMIT = 100;
const jobHref = (id: string) => `/ops/jobs/${encodeURIComponent(id)}`;

/** /ops/jobs: recent jobs, searchable; a search for an exact job id opens that job. */
export function JobsTable({ initial }: { initial: JobFilters }) {
  const router = useRouter();
  const [filters, setFilters] = useState(initial);
  // The text fields apply on submit (not per keystroke); the status select applies at once.
  const [draft, setDraft] = useState({ q: initial.q, listing: initial.listing });
  const { data, error, isLoading } = useOps<{ jobs: OpsJobRow[] }>(
    `/api/ops/jobs${query({ ...filters, limit: LIMIT })}`,
  );
  const jobs = data?.jobs ?? [];

  function apply(next: JobFilters) {
    setFilters(next);
    replaceQuery(next);
  }

  async function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const q = draft.q.trim();
    // The API answers an exact job id with that one job: open it instead of listing it.
    if (q) {
      const found = await opsFetch<{ jobs: OpsJobRow[] }>(
        `/api/ops/jobs${query({ q, limit: 1 })}`,
      ).catch(() => null);
      if (found?.jobs[0]?.id === q) return router.push(jobHref(q));
    }
    apply({ ...filters, q, listing: draft.listing.trim() });
  }

  return (
    <section className="card" aria-labelledby="jobs-heading">
      <div className="row spread">
        <h2 id="jobs-heading">Jobs</h2>
        <span className="hint">
          {data ? `${jobs.length}${jobs.length === LIMIT ? "+" : ""} shown, newest first` : null}
        </span>
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: role="search" on the form is the landmark every browser maps; <search> is too new */}
      <form className="controls ops-filters" onSubmit={search} role="search">
        <label className="field ops-grow">
          <span>Search (job id opens the job)</span>
          <input
            type="search"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
            placeholder="a job id (or part of one) or a listing id"
            data-testid="job-search"
          />
        </label>
        <label className="field">
          <span>Status</span>
          <select
            value={filters.status}
            onChange={(e) => apply({ ...filters, status: e.target.value })}
            data-testid="filter-job-status"
          >
            <option value="">Any status</option>
            {jobStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Listing id</span>
          <input
            value={draft.listing}
            onChange={(e) => setDraft({ ...draft, listing: e.target.value })}
            placeholder="any listing"
            data-testid="filter-listing"
          />
        </label>
        <button type="submit" className="primary" data-testid="job-search-submit">
          Search
        </button>
      </form>
      <Problem error={error} what="jobs" />
      {isLoading && !data ? <Loading what="jobs" /> : null}
      <TableScroll label="Jobs table">
        <table className="ops-table" data-testid="jobs" aria-busy={isLoading}>
          <thead>
            <tr>
              <th>Job</th>
              <th>Listing</th>
              <th>Type</th>
              <th>Status</th>
              <th className="num">Progress</th>
              <th className="num">Attempt</th>
              <th>Created</th>
              <th>Finished</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={data && jobs.length === 0} columns={9}>
              No jobs match.
            </EmptyRow>
            {jobs.map((j) => (
              <tr key={j.id} data-testid="job-row" data-job-id={j.id}>
                <td>
                  <Link href={jobHref(j.id)} className="mono">
                    {j.id}
                  </Link>
                </td>
                <td className="mono">{j.subject}</td>
                <td>{humanize(j.analysisType)}</td>
                <td>
                  <StatusBadge status={j.status} />
                </td>
                <td className="num">{j.progress} %</td>
                <td className="num">{j.attempt}</td>
                <td className="nowrap">{formatTime(j.createdAt)}</td>
                <td className="nowrap">{formatTime(j.finishedAt)}</td>
                <td className="mono">{j.errorCode ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
