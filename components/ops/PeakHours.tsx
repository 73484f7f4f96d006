"use client";

import { useState } from "react";
import type { OpsVisitors } from "@/lib/ops/types";
import { formatCount } from "./format";
import { TableScroll } from "./TableScroll";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
type Measure = "visitors" | "starts";

/**
 * A cell's background: white to the accent's light tint, by its share of the busiest hour. The
 * tint stops where the page's ink on it still reads at more than 7:1 (axe checks the numbers).
 */
function shade(value: number, max: number): string | undefined {
  if (value <= 0 || max <= 0) return undefined;
  const t = 0.15 + 0.85 * (value / max);
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return `rgb(${mix(255, 150)} ${mix(255, 180)} ${mix(255, 242)})`;
}

/**
 * Peak hours as a week of UTC hours: a row per weekday, a column per hour, each cell the visitors
 * active (or analyses started) in that hour summed over the window's days, darker when busier.
 * A table, so a screen reader reads it by its headers like any other.
 */
export function PeakHours({ hours }: { hours: OpsVisitors["peakHours"] }) {
  const [measure, setMeasure] = useState<Measure>("visitors");
  const max = Math.max(0, ...hours.map((h) => h[measure]));
  const busiest = hours.find((h) => max > 0 && h[measure] === max);
  return (
    <section className="card" aria-labelledby="peak-hours-heading" data-testid="peak-hours">
      <div className="row spread ops-toolbar">
        <h2 id="peak-hours-heading">Peak hours (UTC)</h2>
        {/* biome-ignore lint/a11y/useSemanticElements: a segmented row of toggle buttons, as the time window's */}
        <div className="ops-segmented" role="group" aria-label="Peak hours measure">
          {(["visitors", "starts"] as const).map((m) => (
            <button
              key={m}
              type="button"
              aria-pressed={m === measure}
              onClick={() => setMeasure(m)}
            >
              {m === "visitors" ? "Visitors" : "Starts"}
            </button>
          ))}
        </div>
      </div>
      <p className="hint" data-testid="peak-hours-busiest">
        {measure === "visitors"
          ? "Visitors active in each hour, summed over the days shown (a visitor back in the same hour a week later counts twice)."
          : "Analyses started in each hour, summed over the days shown."}{" "}
        {busiest
          ? `Busiest: ${WEEKDAYS[Math.floor(busiest.hourOfWeek / 24)]} ${HOURS[busiest.hourOfWeek % 24]}:00 (${formatCount(max)}).`
          : "Nothing yet."}
      </p>
      <TableScroll label="Peak hours table">
        <table className="ops-heat">
          <caption className="sr-only">
            {measure === "visitors" ? "Visitors" : "Analyses started"} by weekday and UTC hour
          </caption>
          <thead>
            <tr>
              <td />
              {HOURS.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {WEEKDAYS.map((day, d) => (
              <tr key={day}>
                <th scope="row">{day}</th>
                {HOURS.map((h, hour) => {
                  const value = hours[d * 24 + hour]?.[measure] ?? 0;
                  return (
                    <td
                      key={h}
                      data-hour-of-week={d * 24 + hour}
                      style={{ background: shade(value, max) }}
                    >
                      {value > 0 ? formatCount(value) : ""}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
