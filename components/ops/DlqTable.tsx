"use client";

import Link from "next/link";
import { useState } from "react";
import type { ApiError } from "@/lib/http/fetcher";
import type { DlqPage, DlqReplay } from "@/lib/ops/types";
import { StatusBadge } from "./Badge";
import { formatTime, truncate } from "./format";
import { Loading, Problem } from "./Problem";
import { EmptyRow, TableScroll } from "./TableScroll";
import { opsFetch, query, useOps } from "./useOps";

/**
 * /ops/dlq: QStash's dead-letter queue, the deliveries that ran out of retries, with the job
 * each one was for. Replay publishes the message again; Delete drops it from the queue.
 */
export function DlqTable() {
  // The cursors of the pages seen so far, so "Previous page" can step back ("" = first page).
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors.at(-1) ?? "";
  const { data, error, isLoading, mutate } = useOps<DlqPage>(`/api/ops/dlq${query({ cursor })}`);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const rows = data?.messages ?? [];
  const allOnPage = rows.length > 0 && rows.every((r) => selected.has(r.dlqId));
  // Only rows still shown count: a refresh may have removed a selected message meanwhile.
  const chosen = rows.filter((r) => selected.has(r.dlqId)).map((r) => r.dlqId);

  function toggle(dlqId: string) {
    const next = new Set(selected);
    if (next.has(dlqId)) next.delete(dlqId);
    else next.add(dlqId);
    setSelected(next);
  }

  function turn(next: string[]) {
    setCursors(next);
    setSelected(new Set());
  }

  async function act(action: "replay" | "delete") {
    const dlqIds = chosen;
    if (
      action === "delete" &&
      !window.confirm(`Delete ${dlqIds.length} message(s) from the DLQ? This cannot be undone.`)
    )
      return;
    setBusy(true);
    setOutcome(null);
    setActionError(null);
    try {
      const body = JSON.stringify({ dlqIds });
      if (action === "replay") {
        const answer = await opsFetch<DlqReplay>("/api/ops/dlq/replay", { method: "POST", body });
        setOutcome(`Replayed ${answer.replayed.length} of ${dlqIds.length} message(s).`);
      } else {
        const answer = await opsFetch<{ deleted: number }>("/api/ops/dlq/delete", {
          method: "POST",
          body,
        });
        setOutcome(`Deleted ${answer.deleted} of ${dlqIds.length} message(s).`);
      }
      setSelected(new Set());
      await mutate();
    } catch (e) {
      setActionError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="dlq-heading">
      <div className="row spread">
        <h2 id="dlq-heading">Dead-letter queue</h2>
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={busy || chosen.length === 0}
            onClick={() => act("replay")}
            data-testid="dlq-replay"
          >
            Replay selected
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy || chosen.length === 0}
            onClick={() => act("delete")}
            data-testid="dlq-delete"
          >
            Delete selected
          </button>
        </div>
      </div>
      <p className="hint">
        Replaying a message whose job has already ended changes nothing: the job is not run again.
      </p>
      {outcome ? (
        <p className="banner" role="status">
          {outcome}
        </p>
      ) : null}
      <Problem error={actionError} what="the DLQ action" />
      <Problem error={error} what="the DLQ" />
      {isLoading && !data ? <Loading what="the DLQ" /> : null}
      <TableScroll label="Dead-letter queue table">
        <table className="ops-table" data-testid="dlq">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={allOnPage}
                  onChange={() =>
                    setSelected(allOnPage ? new Set() : new Set(rows.map((r) => r.dlqId)))
                  }
                />
              </th>
              <th>DLQ id</th>
              <th>Message id</th>
              <th>Label</th>
              <th>URL</th>
              <th>Created</th>
              <th className="num">Status</th>
              <th>Response</th>
              <th>Job</th>
            </tr>
          </thead>
          <tbody>
            <EmptyRow when={data && rows.length === 0} columns={9}>
              The DLQ is empty.
            </EmptyRow>
            {rows.map((r) => (
              <tr key={r.dlqId} data-testid="dlq-row">
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.dlqId}`}
                    checked={selected.has(r.dlqId)}
                    onChange={() => toggle(r.dlqId)}
                  />
                </td>
                <td className="mono nowrap">{r.dlqId}</td>
                <td className="mono">{r.messageId}</td>
                <td>{r.label ?? "—"}</td>
                <td className="mono" title={r.url}>
                  {truncate(r.url, 48)}
                </td>
                <td className="nowrap">{formatTime(r.createdAt)}</td>
                <td className="num">{r.responseStatus ?? "—"}</td>
                <td className="mono" title={r.responseBody ?? undefined}>
                  {truncate(r.responseBody, 80)}
                </td>
                <td>
                  {r.jobId ? (
                    <Link href={`/ops/jobs/${encodeURIComponent(r.jobId)}`} className="mono">
                      {r.jobId}
                    </Link>
                  ) : (
                    "—"
                  )}
                  {r.job ? (
                    <div className="row ops-tight">
                      <StatusBadge status={r.job.status} />
                      {r.job.errorCode ? <span className="mono">{r.job.errorCode}</span> : null}
                    </div>
                  ) : null}
                  {r.inputCaused ? (
                    <div className="hint" data-testid="dlq-input-caused">
                      caused by the listing: not alerted
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <div className="row ops-pager">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => turn(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        {data?.cursor ? (
          <button
            type="button"
            onClick={() => turn([...cursors, data.cursor!])}
            data-testid="dlq-next"
          >
            Next page
          </button>
        ) : null}
      </div>
    </section>
  );
}
