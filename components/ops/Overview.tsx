"use client";

import { useState } from "react";
import type { OpsOverview } from "@/lib/ops/types";
import { AlertHistory } from "./AlertHistory";
import { AlertBadge } from "./Badge";
import { DEFAULT_WINDOW, WINDOWS } from "./filters";
import { FlowPanel } from "./FlowPanel";
import { formatTime } from "./format";
import { HealthPanel } from "./HealthPanel";
import { OverviewCharts } from "./OverviewCharts";
import { ByTypeTable, StatTiles, TokenTable } from "./StatTiles";
import { Loading, Problem } from "./Problem";
import { replaceQuery, useOps } from "./useOps";
import { VisitorsPanel } from "./VisitorsPanel";

/** /ops: the state of the service over a chosen window, plus live queue counts, health and flow control. */
export function Overview({ initialWindow }: { initialWindow: number }) {
  const [windowMinutes, setWindowMinutes] = useState(initialWindow);
  const { data, error, isLoading } = useOps<OpsOverview>(
    `/api/ops/overview?window=${windowMinutes}`,
  );

  function choose(minutes: number) {
    setWindowMinutes(minutes);
    replaceQuery({ window: minutes === DEFAULT_WINDOW ? null : minutes });
  }

  return (
    <div className="ops-stack" data-testid="ops-overview">
      <div className="row spread ops-toolbar">
        {/* biome-ignore lint/a11y/useSemanticElements: a segmented row of toggle buttons; a fieldset would bring a border and a legend */}
        <div className="ops-segmented" role="group" aria-label="Time window">
          {WINDOWS.map((w) => (
            <button
              key={w.minutes}
              type="button"
              aria-pressed={w.minutes === windowMinutes}
              onClick={() => choose(w.minutes)}
            >
              {w.label}
            </button>
          ))}
        </div>
        <span className="hint" aria-live="polite">
          {data ? `Updated ${formatTime(data.generatedAt)}` : null}
        </span>
      </div>
      <Problem error={error} what="the overview" />
      {isLoading && !data ? <Loading what="the overview" /> : null}
      {data ? (
        <>
          <StatTiles overview={data} />
          <div className="ops-columns">
            <Alerts alerts={data.alerts} />
            <HealthPanel />
          </div>
          <AlertHistory history={data.alertHistory} webhook={data.alertWebhook} />
          <FlowPanel />
          <OverviewCharts series={data.series} resolution={data.resolution} />
          <ByTypeTable rows={data.byType} />
          <TokenTable rows={data.tokens} />
          <VisitorsPanel />
        </>
      ) : null}
    </div>
  );
}

/** Alert rules and where each stands; active ones first, highlighted. */
function Alerts({ alerts }: { alerts: OpsOverview["alerts"] }) {
  const order = { active: 0, resolved: 1, ok: 2 } as const;
  const sorted = [...alerts].sort((a, b) => order[a.state] - order[b.state]);
  const active = alerts.filter((a) => a.state === "active").length;
  return (
    <section className="card" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">
        Alerts {active ? <span className="ops-count bad">{active} active</span> : null}
      </h2>
      {sorted.length === 0 ? <p className="hint">No alert rules reported.</p> : null}
      <ul className="ops-alerts">
        {sorted.map((a) => (
          <li
            key={a.rule}
            className={`ops-alert state-${a.state}`}
            data-testid="alert"
            data-rule={a.rule}
            data-state={a.state}
          >
            <div className="row spread">
              <strong>{a.title}</strong>
              <AlertBadge state={a.state} />
            </div>
            <div className="hint">
              now {a.value} · threshold {a.threshold}
              {a.since ? ` · since ${formatTime(a.since)}` : ""}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
