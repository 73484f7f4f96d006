"use client";

import type { ReactNode } from "react";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { OpsOverview, SeriesPoint } from "@/lib/ops/types";
import { formatDuration, formatRate, formatTick, formatTime } from "./format";

type Props = { series: SeriesPoint[]; resolution: OpsOverview["resolution"] };

/** Colors from app/globals.css (recharts takes plain values, not CSS variables, for SVG fills). */
const COLOR = {
  started: "#2456d6",
  succeeded: "#137a3a",
  failed: "#b42318",
  canceled: "#9aa6b5",
  p50: "#2456d6",
  p95: "#c26a00",
  errorRate: "#b42318",
};
const HEIGHT = 240;

/** One row per bucket, in the units each chart draws: counts, ms, percent (null leaves a gap). */
function rows(series: SeriesPoint[]) {
  return series.map((p) => ({
    t: p.t,
    started: p.started,
    succeeded: p.succeeded,
    failed: p.failed,
    canceled: p.canceled,
    p50: p.durationMs?.p50 ?? null,
    p95: p.durationMs?.p95 ?? null,
    errorRate: p.errorRate === null ? null : p.errorRate * 100,
  }));
}

function Chart({
  id,
  title,
  note,
  children,
}: {
  id: string;
  title: string;
  note: string;
  children: ReactNode;
}) {
  return (
    <section
      className="card ops-chart"
      data-testid={`chart-${id}`}
      aria-labelledby={`chart-${id}-heading`}
    >
      <h2 id={`chart-${id}-heading`}>{title}</h2>
      <p className="hint">{note}</p>
      {children}
    </section>
  );
}

/**
 * Throughput, durations and error rate per bucket of the overview's window. Animation is off:
 * the data refreshes every 5 s, and re-animating each time would make the charts twitch.
 */
export function OverviewCharts({ series, resolution }: Props) {
  const data = rows(series);
  const tick = (t: number) => formatTick(t, resolution);
  const label = (t: unknown) => formatTime(Number(t));
  // Dots make lone values visible (a line needs two points); in a dense series they are noise.
  const dot = (key: "p50" | "p95" | "errorRate") =>
    data.filter((d) => d[key] !== null).length > 30 ? false : { r: 2.5 };
  const axis = { dataKey: "t", tickFormatter: tick, minTickGap: 24, fontSize: 12 } as const;
  return (
    <div className="ops-charts">
      <Chart
        id="throughput"
        title="Throughput"
        note={`Jobs started and ended per ${resolution}; ended stacked by outcome.`}
      >
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid stroke="#eef1f5" vertical={false} />
            <XAxis {...axis} />
            <YAxis allowDecimals={false} fontSize={12} />
            <Tooltip labelFormatter={label} />
            <Legend />
            <Bar
              dataKey="succeeded"
              stackId="ended"
              fill={COLOR.succeeded}
              isAnimationActive={false}
            />
            <Bar dataKey="failed" stackId="ended" fill={COLOR.failed} isAnimationActive={false} />
            <Bar
              dataKey="canceled"
              stackId="ended"
              fill={COLOR.canceled}
              isAnimationActive={false}
            />
            <Line
              dataKey="started"
              stroke={COLOR.started}
              strokeWidth={2}
              dot={false}
              type="monotone"
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </Chart>
      <Chart
        id="durations"
        title="Durations"
        note="Job duration, start to end: p50 and p95 per bucket."
      >
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#eef1f5" vertical={false} />
            <XAxis {...axis} />
            <YAxis tickFormatter={(v: number) => formatDuration(v)} fontSize={12} width={64} />
            <Tooltip labelFormatter={label} formatter={(v) => formatDuration(Number(v))} />
            <Legend />
            <Line
              dataKey="p50"
              stroke={COLOR.p50}
              strokeWidth={2}
              dot={dot("p50")}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              dataKey="p95"
              stroke={COLOR.p95}
              strokeWidth={2}
              dot={dot("p95")}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </Chart>
      <Chart
        id="error-rate"
        title="Error rate"
        note="Failed jobs as a share of ended ones (succeeded + failed), in %."
      >
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
            <CartesianGrid stroke="#eef1f5" vertical={false} />
            <XAxis {...axis} />
            <YAxis domain={[0, 100]} unit=" %" fontSize={12} width={56} />
            <Tooltip labelFormatter={label} formatter={(v) => formatRate(Number(v) / 100)} />
            <Line
              dataKey="errorRate"
              name="error rate"
              stroke={COLOR.errorRate}
              strokeWidth={2}
              dot={dot("errorRate")}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </Chart>
    </div>
  );
}
