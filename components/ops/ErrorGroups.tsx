"use client";

import Link from "next/link";
import { useState } from "react";
import { errorCategories } from "@/lib/jobs/schema";
import { severities, type ErrorGroupSummary } from "@/lib/ops/types";
import { GroupStatusBadge, SeverityBadge } from "./Badge";
import { errorStatuses, type ErrorFilters } from "./filters";
import { formatCount, formatTime, humanize } from "./format";
import { Pattern } from "./Pattern";
import { Loading, Problem } from "./Problem";
import { EmptyRow, TableScroll } from "./TableScroll";
import { query, replaceQuery, useOps } from "./useOps";

const groupHref = (fingerprint: string) => `/ops/errors/${encodeURIComponent(fingerprint)}`;

/** "consume:synthesize" may wrap after its colon (a <wbr>, so copying it gives the text as is). */
const breakable = (where: string) =>
  where.split(":").map((part, i) =>
    i === 0 ? (
      part
    ) : (
      <span key={i}>
        :<wbr />
        {part}
      </span>
    ),
  );

/** /ops/errors: errors grouped by fingerprint (same code, place and normalized message), filterable. */
export function ErrorGroups({ initial }: { initial: ErrorFilters }) {
  const [filters, setFilters] = useState(initial);
  const { data, error, isLoading } = useOps<{ groups: ErrorGroupSummary[] }>(
    `/api/ops/errors${query(filters)}`,
  );
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
          <select
            value={filters.category}
            onChange={(e) => set("category", e.target.value)}
            data-testid="filter-category"
          >
            <option value="">All categories</option>
            {errorCategories.map((c) => (
              <option key={c} value={c}>
                {humanize(c)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Severity</span>
          <select
            value={filters.severity}
            onChange={(e) => set("severity", e.target.value)}
            data-testid="filter-severity"
          >
            <option value="">All severities</option>
            {severities.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Status</span>
          <select
            value={filters.status}
            onChange={(e) => set("status", e.target.value as ErrorFilters["status"])}
            data-testid="filter-status"
          >
            {errorStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Problem error={error} what="error groups" />
      {isLoading && !data ? <Loading what="error groups" /> : null}
      <TableScroll label="Error groups table">
        <table className="ops-table stack" data-testid="error-groups" aria-busy={isLoading}>
          <thead>
            <tr>
              <th>Code</th>
              <th>Severity</th>
              <th>Category</th>
              <th>Message</th>
              <th className="num">Count</th>
              <th>Last seen</th>
              <th>Analysis types</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={data && groups.length === 0} columns={8}>
              No error groups match these filters.
            </EmptyRow>
            {groups.map((g) => (
              <tr key={g.fingerprint} data-testid="error-group" data-fingerprint={g.fingerprint}>
                <td data-label="Code" className="nowrap">
                  <Link href={groupHref(g.fingerprint)} className="mono">
                    {g.code}
                  </Link>
                  <div className="hint mono">{breakable(g.where)}</div>
                </td>
                <td data-label="Severity">
                  <SeverityBadge severity={g.severity} />
                </td>
                <td data-label="Category">
                  {humanize(g.category)}
                  {g.cause === "input" ? (
                    <div className="hint" data-testid="group-cause">
                      caused by the listing
                    </div>
                  ) : null}
                </td>
                <td data-label="Message" className="wide" title={g.message}>
                  <Link href={groupHref(g.fingerprint)} className="ops-clamp">
                    <Pattern text={g.message} />
                  </Link>
                </td>
                <td data-label="Count" className="num">
                  {formatCount(g.count)}
                </td>
                <td data-label="Last seen">
                  {formatTime(g.lastSeen)}
                  <div className="hint">first {formatTime(g.firstSeen)}</div>
                </td>
                <td data-label="Analysis types">
                  {g.analysisTypes.map(humanize).join(", ") || "—"}
                </td>
                <td data-label="Status">
                  <GroupStatusBadge status={g.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
