import type { ReactNode } from "react";
import type { OpsOverview } from "@/lib/ops/types";
import { formatCount, formatDuration, formatMoney, formatRate, humanize } from "./format";

/** One number with its label; `tone` colors the value when it is worth a glance. */
function Tile({ label, value, sub, tone, id }: { label: string; value: ReactNode; sub?: ReactNode; tone?: "ok" | "bad" | "warn"; id: string }) {
  return (
    <div className="ops-tile" data-testid={`stat-${id}`}>
      <span className="ops-tile-label">{label}</span>
      <span className={`ops-tile-value${tone ? ` tone-text-${tone}` : ""}`} data-testid={`stat-${id}-value`}>
        {value}
      </span>
      {sub ? <span className="hint">{sub}</span> : null}
    </div>
  );
}

/** A rate is good at or above `good`, bad below `bad` (both fractions). */
const rateTone = (r: number | null, good: number, bad: number) => (r === null ? undefined : r >= good ? "ok" : r < bad ? "bad" : "warn");

/** The headline numbers: live queue, outcomes, speed and the API's own response time. */
export function StatTiles({ overview: o }: { overview: OpsOverview }) {
  const t = o.totals;
  return (
    <section className="card" aria-labelledby="stats-heading">
      <h2 id="stats-heading">Last {formatDuration(o.windowMinutes * 60_000)}</h2>
      <div className="ops-tiles">
        <Tile id="queued" label="Queued now" value={formatCount(o.live.queued)} />
        <Tile id="running" label="Running now" value={formatCount(o.live.running)} />
        <Tile id="stuck" label="Stuck" value={formatCount(o.live.stuck)} tone={o.live.stuck > 0 ? "bad" : undefined} />
        <Tile id="started" label="Started" value={formatCount(t.started)} sub={`${formatCount(t.deduplicated)} deduplicated · ${formatCount(t.cacheHits)} cache hits`} />
        <Tile id="succeeded" label="Succeeded" value={formatCount(t.succeeded)} />
        <Tile id="failed" label="Failed" value={formatCount(t.failed)} tone={t.failed > 0 ? "bad" : undefined} sub={`${formatCount(t.canceled)} canceled · ${formatCount(t.retried)} retried`} />
        <Tile id="success-rate" label="Success rate" value={formatRate(o.successRate)} tone={rateTone(o.successRate, 0.95, 0.8)} />
        <Tile id="error-rate" label="Error rate" value={formatRate(o.errorRate)} tone={o.errorRate === null ? undefined : o.errorRate > 0.05 ? "bad" : "ok"} sub={`${formatCount(t.errors)} errors recorded`} />
        <Tile id="duration-p50" label="Duration p50" value={formatDuration(o.durationMs?.p50)} sub={o.durationMs ? `avg ${formatDuration(o.durationMs.avg)} over ${formatCount(o.durationMs.count)} jobs` : undefined} />
        <Tile id="duration-p95" label="Duration p95" value={formatDuration(o.durationMs?.p95)} sub="start to end" />
        <Tile id="throughput" label="Throughput" value={`${formatCount(o.throughputPerMin)} /min`} sub="jobs ended" />
        <Tile id="queue-wait" label="Queue wait p50" value={formatDuration(o.queueWaitMs?.p50)} sub={o.queueWaitMs ? `p95 ${formatDuration(o.queueWaitMs.p95)}` : undefined} />
        <Tile id="api-response" label="API response avg" value={formatDuration(o.apiResponseMs?.avg)} sub={o.apiResponseMs ? `${formatCount(o.apiResponseMs.count)} requests · ${formatCount(t.polls)} polls` : undefined} />
        <Tile
          id="budget"
          label="AI tokens billed today"
          value={formatCount(o.budget.billedTokens)}
          tone={o.budget.limitTokens > 0 && o.budget.billedTokens >= o.budget.limitTokens ? "bad" : undefined}
          sub={o.budget.limitTokens > 0 ? `of ${formatCount(o.budget.limitTokens)} (UTC day; ${formatCount(o.budget.perVisitorLimitTokens)} per visitor)` : "no daily budget set"}
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
      <div className="ops-table-wrap">
        <table className="ops-table" data-testid="by-type">
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
            {rows.length === 0 ? (
              <tr>
                <td colSpan={7} className="hint">No jobs in this window.</td>
              </tr>
            ) : null}
            {rows.map((r) => (
              <tr key={r.analysisType}>
                <td>{humanize(r.analysisType)}</td>
                <td className="num">{formatCount(r.started)}</td>
                <td className="num">{formatCount(r.succeeded)}</td>
                <td className="num">{formatCount(r.failed)}</td>
                <td className="num">{formatCount(r.canceled)}</td>
                <td className="num">{formatDuration(r.durationMs?.p50)}</td>
                <td className="num">{formatDuration(r.durationMs?.p95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Tokens and what they cost, per model. */
export function TokenTable({ rows }: { rows: OpsOverview["tokens"] }) {
  const total = rows.reduce((sum, r) => sum + r.costUsd, 0);
  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Tokens and cost {rows.length ? <span className="hint">· {formatMoney(total)} in total</span> : null}</h2>
      <div className="ops-table-wrap">
        <table className="ops-table" data-testid="tokens">
          <thead>
            <tr>
              <th>Model</th>
              <th className="num">Input tokens</th>
              <th className="num">Output tokens</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={4} className="hint">No model usage in this window.</td>
              </tr>
            ) : null}
            {rows.map((r) => (
              <tr key={r.model}>
                <td>{r.model}</td>
                <td className="num">{formatCount(r.inputTokens)}</td>
                <td className="num">{formatCount(r.outputTokens)}</td>
                <td className="num">{formatMoney(r.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
