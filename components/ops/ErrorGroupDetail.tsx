"use client";

import Link from "next/link";
import { useState } from "react";
import type { ApiError } from "@/lib/http/fetcher";
import type { ErrorGroup } from "@/lib/ops/types";
import { GroupStatusBadge, SeverityBadge } from "./Badge";
import { formatCount, formatTime, humanize } from "./format";
import { Pattern } from "./Pattern";
import { Loading, Problem } from "./Problem";
import { opsFetch, useOps } from "./useOps";

/** /ops/errors/[fingerprint]: one group with everything known about it and its recent samples. */
export function ErrorGroupDetail({ fingerprint }: { fingerprint: string }) {
  const url = `/api/ops/errors/${encodeURIComponent(fingerprint)}`;
  const { data: g, error, isLoading, mutate } = useOps<ErrorGroup>(url);
  const [resolving, setResolving] = useState(false);
  const [resolveError, setResolveError] = useState<ApiError | null>(null);

  async function resolve() {
    setResolving(true);
    setResolveError(null);
    try {
      const { group } = await opsFetch<{ group: ErrorGroup }>(`${url}/resolve`, { method: "POST" });
      await mutate(group, { revalidate: false });
    } catch (e) {
      setResolveError(e as ApiError);
    } finally {
      setResolving(false);
    }
  }

  return (
    <div className="ops-stack">
      <p>
        <Link href="/ops/errors">← All error groups</Link>
      </p>
      <Problem error={error} what="this error group" />
      {isLoading && !g ? <Loading what="the error group" /> : null}
      {g ? (
        <>
          <section
            className="card"
            aria-labelledby="group-heading"
            data-testid="error-group-detail"
          >
            <div className="row spread">
              <h2 id="group-heading" className="mono">
                {g.code}
              </h2>
              <div className="row">
                <GroupStatusBadge status={g.status} />
                {g.status === "open" ? (
                  <button
                    type="button"
                    className="primary"
                    onClick={resolve}
                    disabled={resolving}
                    data-testid="resolve"
                  >
                    {resolving ? "Resolving…" : "Mark resolved"}
                  </button>
                ) : null}
              </div>
            </div>
            <Problem error={resolveError} what="the resolution" />
            <dl className="ops-fields">
              <dt>Message</dt>
              <dd>
                <Pattern text={g.message} />
              </dd>
              <dt>Shown to people</dt>
              <dd>{g.userMessage}</dd>
              <dt>Category</dt>
              <dd>{humanize(g.category)}</dd>
              <dt>Severity</dt>
              <dd>
                <SeverityBadge severity={g.severity} />
              </dd>
              <dt>Retryable</dt>
              <dd>{g.retryable ? "yes" : "no"}</dd>
              <dt>Caused by</dt>
              <dd data-testid="group-cause">
                {g.cause === "input"
                  ? "the listing (its content, or it is empty or gone): not counted in the error rate, health or alerts"
                  : "the service or its providers"}
              </dd>
              <dt>Where</dt>
              <dd className="mono">{g.where}</dd>
              <dt>Count</dt>
              <dd>{formatCount(g.count)}</dd>
              <dt>First seen</dt>
              <dd>{formatTime(g.firstSeen)}</dd>
              <dt>Last seen</dt>
              <dd>{formatTime(g.lastSeen)}</dd>
              <dt>Analysis types</dt>
              <dd>{g.analysisTypes.map(humanize).join(", ") || "—"}</dd>
              <dt>Resolved</dt>
              <dd>{g.resolvedAt ? formatTime(g.resolvedAt) : "—"}</dd>
              <dt>Fingerprint</dt>
              <dd className="mono">{g.fingerprint}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="samples-heading">
            <h2 id="samples-heading">Recent samples</h2>
            {g.samples.length === 0 ? <p className="hint">No samples kept.</p> : null}
            <ol className="ops-samples">
              {g.samples.map((s, i) => (
                <li key={`${s.at}-${i}`} data-testid="error-sample" data-job-id={s.jobId ?? ""}>
                  <div className="ops-sample-meta">
                    <strong>{formatTime(s.at)}</strong>
                    <span>
                      job{" "}
                      {s.jobId ? (
                        <Link href={`/ops/jobs/${encodeURIComponent(s.jobId)}`} className="mono">
                          {s.jobId}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </span>
                    <span>attempt {s.attempt ?? "—"}</span>
                    <span>
                      message <span className="mono">{s.messageId ?? "—"}</span>
                    </span>
                    <span>
                      visitor <span className="mono">{s.visitor ?? "—"}</span>
                    </span>
                    {s.analysisType ? <span>{humanize(s.analysisType)}</span> : null}
                  </div>
                  <pre className="raw">{s.detail}</pre>
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
    </div>
  );
}
