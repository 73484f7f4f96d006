"use client";

import Link from "next/link";
import { useState } from "react";
import { errorCategories } from "@/lib/jobs/schema";
import { severities, type ErrorGroupSummary } from "@/lib/ops/types";
import { GroupStatusBadge, SeverityBadge } from "./Badge";
import { errorStatuses, type ErrorFilters } from "./filters";
import { formatCount, formatTime, humanize, truncate } from "./format";
import { Loading, Problem } from "./Problem";
import { query, replaceQuery, useOps } from "./useOps";


const groupHref = (fingerprint: string) => `/ops/errors/${encodeURIComponent(fingerprint)}`;

/** /ops/errors: errors grouped by fingerprint (same code, place and normalized message), filterable. */
export function ErrorGroups({ initial }: { initial: ErrorFilters }) {
  const [filters, setFilters] = useState(initial);
  const { data, error, isLoading } = useOps<{ groups: ErrorGroupSummary[] }>(`/api/ops/errors${query(filters)}`);
  const groups = data?.groups ?? [];

  function set<K extends keyof ErrorFilters>(key: K, value: ErrorFilters[K]) {
    const next = { ...filters, [key]: value };
    setFilters(next);
    replaceQuery({ ...next, status: next.status === "open" ? null : next.status });
  }

  return (
    <section className="card" aria-labelledby="errors-heading">
      <div className="row spread">
        <h2 id="errors-heading">Error groups</h2>
        <span className="hint">{data ? `${groups.length} shown` : null}</span>
      </div>
      <div className="controls ops-filters">
        <label className="field">
          <span>Category</span>
          <select value={filters.category} onChange={(e) => set("category", e.target.value)} data-testid="filter-category">
            <option value="">All categories</option>
            {errorCategories.map((c) => (
              <option key={c} value={c}>{humanize(c)}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Severity</span>
          <select value={filters.severity} onChange={(e) => set("severity", e.target.value)} data-testid="filter-severity">
            <option value="">All severities</option>
            {severities.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Status</span>
          <select value={filters.status} onChange={(e) => set("status", e.target.value as ErrorFilters["status"])} data-testid="filter-status">
            {errorStatuses.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <Problem error={error} what="error groups" />
      {isLoading && !data ? <Loading what="error groups" /> : null}
      <div className="ops-table-wrap">
        <table className="ops-table" data-testid="error-groups" aria-busy={isLoading}>
          <thead>
            <tr>
              <th>Category</th>
              <th>Severity</th>
              <th>Code</th>
              <th>Where</th>
              <th>Message</th>
              <th className="num">Count</th>
              <th>First seen</th>
              <th>Last seen</th>
              <th>Analysis types</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {data && groups.length === 0 ? (
              <tr>
                <td colSpan={10} className="hint">No error groups match these filters.</td>
              </tr>
            ) : null}
            {groups.map((g) => (
              <tr key={g.fingerprint} data-testid="error-group" data-fingerprint={g.fingerprint}>
                <td className="nowrap">{humanize(g.category)}</td>
                <td><SeverityBadge severity={g.severity} /></td>
                <td><Link href={groupHref(g.fingerprint)} className="mono">{g.code}</Link></td>
                <td className="mono">{g.where}</td>
                <td className="wide" title={g.message}>
                  <Link href={groupHref(g.fingerprint)}>{truncate(g.message, 90)}</Link>
                </td>
                <td className="num">{formatCount(g.count)}</td>
                <td className="nowrap">{formatTime(g.firstSeen)}</td>
                <td className="nowrap">{formatTime(g.lastSeen)}</td>
                <td>{g.analysisTypes.map(humanize).join(", ") || "—"}</td>
                <td><GroupStatusBadge status={g.status} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
