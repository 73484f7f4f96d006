"use client";

import Link from "next/link";
import { isTerminal, type JobError } from "@/lib/jobs/schema";
import type { OpsJobDetail } from "@/lib/ops/types";
import { StatusBadge } from "./Badge";
import { formatCount, formatDuration, formatTime, humanize } from "./format";
import { Loading, Problem } from "./Problem";
import { EmptyRow } from "./TableScroll";
import { useOps } from "./useOps";

function ErrorBox({ title, error }: { title: string; error: JobError }) {
  return (
    <div className="ops-errorbox" data-testid={title === "Error" ? "job-error" : "job-last-error"}>
      <strong>{title}</strong> <span className="mono">{error.code}</span> ·{" "}
      {humanize(error.category)} · {error.retryable ? "retryable" : "not retryable"}
      <p>{error.message}</p>
    </div>
  );
}

/** /ops/jobs/[id]: the job's fields, the steps it checkpointed, and every delivery that ran it. */
export function JobDetail({ id }: { id: string }) {
  const { data, error, isLoading } = useOps<OpsJobDetail>(
    `/api/ops/jobs/${encodeURIComponent(id)}`,
  );
  const job = data?.job;
  return (
    <div className="ops-stack">
      <p>
        <Link href="/ops/jobs">← All jobs</Link>
      </p>
      <Problem error={error} what={`job ${id}`} />
      {isLoading && !data ? <Loading what="the job" /> : null}
      {data && job ? (
        <>
          <section
            className="card"
            aria-labelledby="job-heading"
            data-testid="job-detail"
            data-status={job.status}
          >
            <div className="row spread">
              <h2 id="job-heading">
                Job <span className="mono">{job.id}</span>
              </h2>
              <StatusBadge status={job.status} />
            </div>
            <dl className="ops-fields">
              <dt>Subject</dt>
              <dd className="mono">{job.subject}</dd>
              <dt>Type</dt>
              <dd>{humanize(job.analysisType)}</dd>
              <dt>Params</dt>
              <dd className="mono">{JSON.stringify(job.params)}</dd>
              <dt>Progress</dt>
              <dd>
                {job.progress} %
                {job.step ? ` · step ${job.step.index}/${job.step.total} ${job.step.label}` : ""}
              </dd>
              <dt>Attempt</dt>
              <dd>{job.attempt}</dd>
              <dt>Created</dt>
              <dd>{formatTime(job.createdAt)}</dd>
              <dt>Started</dt>
              <dd>
                {formatTime(job.startedAt)}
                {job.startedAt ? ` (waited ${formatDuration(job.startedAt - job.createdAt)})` : ""}
              </dd>
              <dt>Finished</dt>
              <dd>
                {formatTime(job.finishedAt)}
                {job.finishedAt && job.startedAt
                  ? ` (ran ${formatDuration(job.finishedAt - job.startedAt)})`
                  : ""}
              </dd>
              <dt>Updated</dt>
              <dd>{formatTime(job.updatedAt)}</dd>
              <dt>Cancel requested</dt>
              <dd>{job.cancelRequested ? "yes" : "no"}</dd>
              <dt>Usage</dt>
              <dd>
                {formatCount(job.usage.inputTokens)} input · {formatCount(job.usage.outputTokens)}{" "}
                output tokens in the result
              </dd>
              <dt>Billed</dt>
              <dd data-testid="job-billed">
                {formatCount(job.billed)} tokens
                {job.billed > job.usage.inputTokens + job.usage.outputTokens
                  ? ` (${formatCount(job.billed - job.usage.inputTokens - job.usage.outputTokens)} on calls cut off, cancelled or asked again)`
                  : ""}
              </dd>
              <dt>QStash message</dt>
              <dd className="mono" data-testid="job-message-id">
                {job.messageId ?? "—"}
              </dd>
              <dt>Visitor</dt>
              <dd className="mono">{job.visitor}</dd>
            </dl>
            {job.error ? <ErrorBox title="Error" error={job.error} /> : null}
            {job.lastError && job.lastError.message !== job.error?.message ? (
              <ErrorBox title="Last error" error={job.lastError} />
            ) : null}
            {!isTerminal(job.status) ? (
              <p className="hint">Still {job.status}: this page refreshes every 5 s.</p>
            ) : null}
          </section>
          <div className="ops-columns">
            <section className="card" aria-labelledby="steps-heading">
              <h2 id="steps-heading">Steps</h2>
              {data.steps.length === 0 ? <p className="hint">No step checkpointed yet.</p> : null}
              <ol className="ops-timeline" data-testid="job-steps">
                {data.steps.map((s, i) => (
                  <li key={`${s.name}-${i}`} data-testid="job-step">
                    <strong>{s.name}</strong>
                    <span className="hint">
                      {formatTime(s.at)} · attempt {s.attempt ?? "—"}
                    </span>
                  </li>
                ))}
              </ol>
            </section>
            <section className="card" aria-labelledby="attempts-heading">
              <h2 id="attempts-heading">Deliveries</h2>
              <table className="ops-table" data-testid="job-attempts">
                <thead>
                  <tr>
                    <th className="num">Attempt</th>
                    <th>At</th>
                    <th>QStash message id</th>
                  </tr>
                </thead>
                <tbody>
                  <EmptyRow when={data.attempts.length === 0} columns={3}>
                    Not delivered yet.
                  </EmptyRow>
                  {data.attempts.map((a, i) => (
                    <tr key={`${a.messageId}-${a.attempt}-${i}`}>
                      <td className="num">{a.attempt}</td>
                      <td className="nowrap">{formatTime(a.at)}</td>
                      <td className="mono">{a.messageId}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </>
      ) : null}
    </div>
  );
}
