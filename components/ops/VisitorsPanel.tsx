"use client";

import { useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { OpsVisitors } from "@/lib/ops/types";
import { formatCount, humanize } from "./format";
import { PeakHours } from "./PeakHours";
import { Loading, Problem } from "./Problem";
import { Tile } from "./StatTiles";
import { EmptyRow, TableScroll } from "./TableScroll";
import { useOps } from "./useOps";

/**
 * Visitor figures move by the hour, not by the second: the panel asks every minute (the overview
 * around it every 5 s), so it adds about one command per minute to an open /ops.
 */
const VISITORS_REFRESH_MS = 60_000;
const SPANS = [7, 30, 90] as const;
const COLOR = { active: "#2456d6", returning: "#137a3a" };

/** "2026-12-01" as "Dec 1" (a UTC day, printed as such). */
const dayLabel = (day: unknown) =>
  new Date(`${String(day)}T00:00:00Z`).toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

/** /ops overview: who used the service, when, and what they asked for (GET /api/ops/visitors). */
export function VisitorsPanel() {
  const [days, setDays] = useState<number>(30);
  const { data, error, isLoading } = useOps<OpsVisitors>(`/api/ops/visitors?days=${days}`, {
    refreshMs: VISITORS_REFRESH_MS,
  });
  const noHll = data !== undefined && data.dau === null;
  return (
    <div className="ops-stack" data-testid="ops-visitors">
      <section className="card" aria-labelledby="visitors-heading">
        <div className="row spread ops-toolbar">
          <h2 id="visitors-heading">Visitors</h2>
          {/* biome-ignore lint/a11y/useSemanticElements: a segmented row of toggle buttons, as the time window's */}
          <div className="ops-segmented" role="group" aria-label="Visitor days">
            {SPANS.map((n) => (
              <button key={n} type="button" aria-pressed={n === days} onClick={() => setDays(n)}>
                {n} days
              </button>
            ))}
          </div>
        </div>
        <p className="hint">
          A visitor is active on a UTC day when it starts, follows, cancels or retries an analysis
          of its own. Distinct counts are HyperLogLog estimates (±0.81 %); week and month are the
          last 7 and 30 days, today included.
        </p>
        <Problem error={error} what="the visitors" />
        {isLoading && !data ? <Loading what="the visitors" /> : null}
        {noHll ? (
          <p className="hint" data-testid="visitors-no-hll">
            This Redis has no HyperLogLog (the in-process engine of npm run dev without
            redis-server), so there are no distinct counts; the usage below is still counted.
          </p>
        ) : null}
        {data ? (
          <div className="ops-tiles">
            <Tile id="dau" label="Active today" value={formatCount(data.dau)} />
            <Tile id="wau" label="Active this week" value={formatCount(data.wau)} sub="7 days" />
            <Tile id="mau" label="Active this month" value={formatCount(data.mau)} sub="30 days" />
            <Tile
              id="returning-today"
              label="Returning today"
              value={formatCount(data.days.at(-1)?.returning)}
              sub={`seen before, within ${data.retentionDays} days`}
            />
          </div>
        ) : null}
      </section>
      {data ? (
        <>
          <section
            className="card ops-chart"
            data-testid="chart-visitor-days"
            aria-labelledby="chart-visitor-days-heading"
          >
            <h2 id="chart-visitor-days-heading">Active and returning visitors per day</h2>
            <p className="hint">
              Returning: active that day and on an earlier one within {data.retentionDays} days.
            </p>
            <ResponsiveContainer width="100%" height={240}>
              <BarChart data={data.days} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                <CartesianGrid stroke="#eef1f5" vertical={false} />
                <XAxis dataKey="day" tickFormatter={dayLabel} minTickGap={24} fontSize={12} />
                <YAxis allowDecimals={false} fontSize={12} />
                <Tooltip labelFormatter={dayLabel} />
                <Legend />
                <Bar dataKey="active" fill={COLOR.active} isAnimationActive={false} />
                <Bar dataKey="returning" fill={COLOR.returning} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </section>
          <PeakHours hours={data.peakHours} />
          <UsageTable rows={data.usage} days={data.windowDays} />
        </>
      ) : null}
    </div>
  );
}

/** Analyses started by type, with how often each param value was asked for. */
function UsageTable({ rows, days }: { rows: OpsVisitors["usage"]; days: number }) {
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">
        Usage by analysis type <span className="hint">· last {days} days</span>
      </h2>
      <TableScroll label="Usage by analysis type table">
        <table className="ops-table stack" data-testid="usage-by-type">
          <thead>
            <tr>
              <th>Type</th>
              <th className="num">Starts</th>
              <th>Param values</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={rows.length === 0} columns={3}>
              No analyses started in these days.
            </EmptyRow>
            {rows.map((r) => (
              <tr key={r.analysisType}>
                <td data-label="Type">{humanize(r.analysisType)}</td>
                <td data-label="Starts" className="num">
                  {formatCount(r.starts)}
                </td>
                <td data-label="Param values" className="wide">
                  {r.params.length ? paramSummary(r.params) : <span className="hint">none</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

/** "riskTolerance: low 168 · medium 168 · high 167", one line per param name. */
function paramSummary(params: OpsVisitors["usage"][number]["params"]) {
  const byName = new Map<string, string[]>();
  for (const p of params)
    byName.set(p.name, [...(byName.get(p.name) ?? []), `${p.value} ${formatCount(p.starts)}`]);
  return [...byName].map(([name, values]) => (
    <div key={name}>
      {name}: {values.join(" · ")}
    </div>
  ));
}
