import type { ReactNode } from "react";
import {
  judgeErrorRate,
  judgeResponseTime,
  judgeSuccessRate,
  MIN_SAMPLES,
  type Judgement,
} from "@/lib/ops/alert-rules";
import { endedByService } from "@/lib/ops/summarize";
import type { OpsOverview } from "@/lib/ops/types";
import { formatCount, formatDuration, formatMoney, formatRate, humanize } from "./format";
import { EmptyRow, TableScroll } from "./TableScroll";

/** One number with its label; `tone` colors the value when it is worth a glance. */
export function Tile({
  label,
  value,
  sub,
  tone,
  id,
}: {
  label: string;
  value: ReactNode;
  sub?: ReactNode;
  tone?: "ok" | "bad" | "warn";
  id: string;
}) {
  return (
    <div className="ops-tile" data-testid={`stat-${id}`}>
      <span className="ops-tile-label">{label}</span>
      <span
        className={`ops-tile-value${tone ? ` tone-text-${tone}` : ""}`}
        data-testid={`stat-${id}-value`}
      >
        {value}
      </span>
      {sub ? <span className="hint">{sub}</span> : null}
    </div>
  );
}

/** A tile's tone from the verdict of the alert rule watching the same number (lib/ops/alert-rules.ts). */
const tone = (judgement: Judgement) => judgement ?? undefined;
/** Under a rate the rules do not judge yet: why it is not colored. */
const unjudged = (judgement: Judgement) =>
  judgement === null ? ` · not judged below ${MIN_SAMPLES}` : "";

/** The headline numbers: live queue, outcomes, speed and the API's own response time. */
export function StatTiles({ overview: o }: { overview: OpsOverview }) {
  const t = o.totals;
  const ended = endedByService(t);
  const success = judgeSuccessRate(o.successRate, ended);
  const errors = judgeErrorRate(o.errorRate, t.deliveries);
  const byInput = t.inputFailed ? ` · ${formatCount(t.inputFailed)} by their listing` : "";
  return (
    <section className="card" aria-labelledby="stats-heading">
      <h2 id="stats-heading">Last {formatDuration(o.windowMinutes * 60_000)}</h2>
      <div className="ops-tiles">
        <Tile id="queued" label="Queued now" value={formatCount(o.live.queued)} />
        <Tile id="running" label="Running now" value={formatCount(o.live.running)} />
        <Tile
          id="stuck"
          label="Stuck"
          value={formatCount(o.live.stuck)}
          tone={o.live.stuck > 0 ? "bad" : undefined}
        />
        <Tile
          id="started"
          label="Started"
          value={formatCount(t.started)}
          sub={`${formatCount(t.deduplicated)} deduplicated · ${formatCount(t.cacheHits)} cache hits`}
        />
        <Tile id="succeeded" label="Succeeded" value={formatCount(t.succeeded)} />
        <Tile
          id="failed"
          label="Failed"
          value={formatCount(t.failed)}
          tone={t.failed - t.inputFailed > 0 ? "bad" : undefined}
          sub={`${formatCount(t.canceled)} canceled · ${formatCount(t.retried)} retried${byInput}`}
        />
        <Tile
          id="success-rate"
          label="Success rate"
          value={formatRate(o.successRate)}
          tone={tone(success)}
          sub={`of ${formatCount(ended)} ended jobs${unjudged(success)}${t.inputFailed ? " · failures their listing caused left out" : ""}`}
        />
        <Tile
          id="error-rate"
          label="Error rate"
          value={formatRate(o.errorRate)}
          tone={tone(errors)}
          sub={`${formatCount(t.errors)} errors in ${formatCount(t.deliveries)} deliveries${unjudged(errors)}${t.inputErrors ? ` · ${formatCount(t.inputErrors)} caused by listings, not counted` : ""}`}
        />
        <Tile
          id="duration-p50"
          label="Duration p50"
          value={formatDuration(o.durationMs?.p50)}
          sub={
            o.durationMs
              ? `avg ${formatDuration(o.durationMs.avg)} over ${formatCount(o.durationMs.count)} jobs`
              : undefined
          }
        />
        <Tile
          id="duration-p95"
          label="Duration p95"
          value={formatDuration(o.durationMs?.p95)}
          sub="start to end"
        />
        <Tile
          id="throughput"
          label="Throughput"
          value={`${formatCount(o.throughputPerMin)} /min`}
          sub="jobs ended"
        />
        <Tile
          id="queue-wait"
          label="Queue wait p50"
          value={formatDuration(o.queueWaitMs?.p50)}
          sub={o.queueWaitMs ? `p95 ${formatDuration(o.queueWaitMs.p95)}` : undefined}
        />
        <Tile
          id="api-response"
          label="API response avg"
          value={formatDuration(o.apiResponseMs?.avg)}
          tone={tone(judgeResponseTime(o.apiResponseMs?.avg))}
          sub={
            o.apiResponseMs
              ? `${formatCount(o.apiResponseMs.count)} requests · ${formatCount(t.polls)} polls`
              : undefined
          }
        />
        <Tile
          id="budget"
          label="AI tokens billed today"
          value={formatCount(o.budget.billedTokens)}
          tone={
            o.budget.limitTokens > 0 && o.budget.billedTokens >= o.budget.limitTokens
              ? "bad"
              : undefined
          }
          sub={
            o.budget.limitTokens > 0
              ? `of ${formatCount(o.budget.limitTokens)} (UTC day; ${formatCount(o.budget.perVisitorLimitTokens)} per visitor)`
              : "no daily budget set"
          }
        />
      </div>
    </section>
  );
}

/** Outcomes and durations per analysis type. */
export function ByTypeTable({ rows }: { rows: OpsOverview["byType"] }) {
  return (
    <section className="card" aria-labelledby="bytype-heading">
      <h2 id="bytype-heading">By analysis type</h2>
      <TableScroll label="By analysis type table">
        <table className="ops-table stack" data-testid="by-type">
          <thead>
            <tr>
              <th>Type</th>
              <th className="num">Started</th>
              <th className="num">Succeeded</th>
              <th className="num">Failed</th>
              <th className="num">Canceled</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={rows.length === 0} columns={7}>
              No jobs in this window.
            </EmptyRow>
            {rows.map((r) => (
              <tr key={r.analysisType}>
                <td data-label="Type">{humanize(r.analysisType)}</td>
                <td data-label="Started" className="num">
                  {formatCount(r.started)}
                </td>
                <td data-label="Succeeded" className="num">
                  {formatCount(r.succeeded)}
                </td>
                <td data-label="Failed" className="num">
                  {formatCount(r.failed)}
                </td>
                <td data-label="Canceled" className="num">
                  {formatCount(r.canceled)}
                </td>
                <td data-label="p50" className="num">
                  {formatDuration(r.durationMs?.p50)}
                </td>
                <td data-label="p95" className="num">
                  {formatDuration(r.durationMs?.p95)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

/** Tokens and what they cost, per model: what ended in results, and what the provider billed. */
export function TokenTable({ rows }: { rows: OpsOverview["tokens"] }) {
  const billed = rows.reduce((sum, r) => sum + r.billedCostUsd, 0);
  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">
        Tokens and cost{" "}
        {rows.length ? <span className="hint">· {formatMoney(billed)} billed in total</span> : null}
      </h2>
      <p className="hint">
        Input and output: tokens that ended in results. Billed: what the provider charged for the
        same jobs, calls cut off, cancelled or asked again included (the extra priced as input).
      </p>
      <TableScroll label="Tokens and cost table">
        <table className="ops-table stack" data-testid="tokens">
          <thead>
            <tr>
              <th>Model</th>
              <th className="num">Input tokens</th>
              <th className="num">Output tokens</th>
              <th className="num">Cost</th>
              <th className="num">Billed tokens</th>
              <th className="num">Billed cost</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={rows.length === 0} columns={6}>
              No model usage in this window.
            </EmptyRow>
            {rows.map((r) => (
              <tr key={r.model}>
                <td data-label="Model">{r.model}</td>
                <td data-label="Input tokens" className="num">
                  {formatCount(r.inputTokens)}
                </td>
                <td data-label="Output tokens" className="num">
                  {formatCount(r.outputTokens)}
                </td>
                <td data-label="Cost" className="num">
                  {formatMoney(r.costUsd)}
                </td>
                <td data-label="Billed tokens" className="num">
                  {formatCount(r.billedTokens)}
                </td>
                <td data-label="Billed cost" className="num">
                  {formatMoney(r.billedCostUsd)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
