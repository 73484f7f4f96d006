"use client";

import { useEffect, useRef, useState } from "react";
import { useSWRConfig } from "swr";
import type { ApiError } from "@/lib/http/fetcher";
import type { FlowAction, FlowKeyRow, FlowState } from "@/lib/ops/flow-types";
import { holds, limits, outcomeText, state } from "./flow-format";
import { Badge } from "./Badge";
import { formatCount, formatTime } from "./format";
import { Loading, Problem } from "./Problem";
import { TableScroll } from "./TableScroll";
import { opsFetch, useOps } from "./useOps";

/**
 * QStash's flow control toward the AI provider, per key the app publishes under: deliveries
 * waiting and under way, the limits and whether the key is paused, with Pause and Resume.
 * Pausing holds every analysis, so it asks first and says what it stops; resuming only
 * restores the normal flow, so it does not ask.
 */
export function FlowPanel() {
  const { data, error, isLoading, mutate } = useOps<FlowState>("/api/ops/flow");
  const { mutate: revalidate } = useSWRConfig();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  // Once the confirmation closes, focus goes back to the row's button (Pause, or now Resume).
  const [refocus, setRefocus] = useState<string | null>(null);
  const rows = data?.keys ?? [];
  const toConfirm = rows.find((r) => r.key === confirming) ?? null;
  useEffect(() => {
    if (!refocus) return;
    document.getElementById(actionId(refocus))?.focus();
    setRefocus(null);
  }, [refocus]);

  function close(key: string) {
    setConfirming(null);
    setRefocus(key);
  }

  async function act(action: "pause" | "resume", key: string) {
    setBusy(true);
    setOutcome(null);
    setActionError(null);
    try {
      const body = JSON.stringify({ key });
      const answer = await opsFetch<FlowAction>(`/api/ops/flow/${action}`, {
        method: "POST",
        body,
      });
      setOutcome(outcomeText(action, answer));
      await mutate();
      // Health says it too, now rather than at its next refresh.
      void revalidate("/api/ops/health");
      if (action === "pause") close(key);
    } catch (e) {
      setActionError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="flow-heading" data-testid="flow">
      <div className="row spread">
        <h2 id="flow-heading">Flow control</h2>
        {data?.global ? (
          <span className="hint" data-testid="flow-global">
            QStash account: {formatCount(data.global.parallelismCount)} of{" "}
            {formatCount(data.global.parallelismMax)} deliveries at once
          </span>
        ) : null}
      </div>
      <p className="hint">
        Analyses wait in QStash under these keys before they reach OpenAI. Pause a key during a
        provider incident: nothing is lost, every analysis waits until it is resumed.
      </p>
      {outcome ? (
        <p className="banner" role="status" data-testid="flow-outcome">
          {outcome}
        </p>
      ) : null}
      <Problem error={actionError} what="the flow-control action" />
      <Problem error={error} what="flow control" />
      {data?.problem ? (
        <p className="ops-problem" role="alert" data-testid="flow-error">
          Flow control unknown: {data.problem}
        </p>
      ) : null}
      {isLoading && !data ? <Loading what="flow control" /> : null}
      {data && !data.enabled ? (
        <p className="hint" data-testid="flow-off">
          Flow control is off (QSTASH_FLOW_PARALLELISM and QSTASH_FLOW_RATE are 0): QStash delivers
          every analysis as soon as it is due.
        </p>
      ) : null}
      {rows.length ? (
        <TableScroll label="Flow-control keys table">
          <table className="ops-table stack" data-testid="flow-keys">
            <thead>
              <tr>
                <th>Key</th>
                <th className="num">Waiting</th>
                <th className="num">Under way</th>
                <th>Limits</th>
                <th>State</th>
                <th>Action</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <FlowRow
                  key={r.key}
                  row={r}
                  busy={busy}
                  onPause={() => setConfirming(r.key)}
                  onResume={() => act("resume", r.key)}
                />
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {toConfirm && !toConfirm.paused ? (
        <ConfirmPause
          row={toConfirm}
          busy={busy}
          onConfirm={() => act("pause", toConfirm.key)}
          onCancel={() => close(toConfirm.key)}
        />
      ) : null}
    </section>
  );
}

function FlowRow(p: { row: FlowKeyRow; busy: boolean; onPause(): void; onResume(): void }) {
  const r = p.row;
  return (
    <tr data-testid="flow-row" data-key={r.key} data-state={state(r).label}>
      <td data-label="Key" className="mono">
        {r.key}
      </td>
      <td data-label="Waiting" className="num" data-testid="flow-waiting">
        {formatCount(r.waiting)}
      </td>
      <td data-label="Under way" className="num" data-testid="flow-running">
        {formatCount(r.running)}
      </td>
      <td data-label="Limits">{limits(r)}</td>
      <td data-label="State">
        <Badge tone={state(r).tone} testId="flow-state">
          {state(r).label}
        </Badge>
        {r.paused ? (
          <div className="hint">
            {r.pausedSince ? `since ${formatTime(r.pausedSince)}` : "paused outside /ops"}
          </div>
        ) : null}
      </td>
      <td data-label="Action">
        <button
          type="button"
          className={r.paused ? "primary" : "danger"}
          disabled={p.busy}
          onClick={r.paused ? p.onResume : p.onPause}
          id={actionId(r.key)}
          aria-label={`${r.paused ? "Resume" : "Pause"} ${r.key}`}
          data-testid={r.paused ? "flow-resume" : "flow-pause"}
        >
          {r.paused ? "Resume" : "Pause…"}
        </button>
      </td>
    </tr>
  );
}

/** Pausing stops every analysis: say so, and leave the safe choice focused. */
function ConfirmPause(p: { row: FlowKeyRow; busy: boolean; onConfirm(): void; onCancel(): void }) {
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  return (
    <section
      className="ops-confirm"
      aria-labelledby="flow-confirm-title"
      aria-describedby="flow-confirm-what"
      data-testid="flow-confirm"
    >
      <p id="flow-confirm-title">
        <strong>Pause {p.row.key}?</strong>
      </p>
      <p id="flow-confirm-what">
        No analysis reaches OpenAI until you resume: {holds(p.row)}, and people see theirs as
        queued. The wait does not count against a job's age limit.
      </p>
      <div className="row">
        <button
          type="button"
          className="danger"
          disabled={p.busy}
          onClick={p.onConfirm}
          data-testid="flow-confirm-pause"
        >
          Pause every analysis
        </button>
        <button type="button" ref={keep} onClick={p.onCancel} data-testid="flow-confirm-cancel">
          Keep running
        </button>
      </div>
    </section>
  );
}

const actionId = (key: string) => `flow-action-${key}`;
