"use client";

import type { ErrorBody } from "@/lib/errors";
import { ApiError } from "@/lib/http/fetcher";
import type { Health } from "@/lib/ops/types";
import { Badge, CheckBadge, HealthBadge, type Tone } from "./Badge";
import { formatCount, formatDuration, formatRate, formatTime } from "./format";
import { Loading, Problem } from "./Problem";
import { useOps } from "./useOps";

/**
 * GET /api/ops/health, read even when it answers 503: an unhealthy service still sends its
 * checks, and those are exactly what the operator needs to see.
 */
async function fetchHealth(url: string): Promise<Health> {
  const res = await fetch(url, { cache: "no-store" }).catch(() => null);
  if (!res) throw new ApiError("network", "Could not reach tabsafe. Check your connection.", 0);
  const body = (await res.json().catch(() => null)) as
    | (Partial<Health> & Partial<ErrorBody>)
    | null;
  if (body?.status && body.checks) return body as Health;
  throw new ApiError(
    body?.error?.code ?? `http:${res.status}`,
    body?.error?.message ?? `Request failed (${res.status})`,
    res.status,
  );
}

const openaiTone = { ok: "ok", degraded: "warn", failing: "bad" } as const;
const circuitTone = { closed: "ok", half_open: "warn", open: "bad" } as const;

/** Redis, QStash, OpenAI, flow control and recent job outcomes, each with its own verdict. */
export function HealthPanel() {
  const { data: h, error, isLoading } = useOps<Health>("/api/ops/health", { fetcher: fetchHealth });
  return (
    <section className="card" aria-labelledby="health-heading" data-testid="health">
      <div className="row spread">
        <h2 id="health-heading">Health</h2>
        {h ? <HealthBadge status={h.status} /> : null}
      </div>
      <Problem error={error} what="health" />
      {isLoading && !h ? <Loading what="health" /> : null}
      {h ? (
        <>
          {h.reasons.length ? (
            <ul className="ops-reasons">
              {h.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
          <table className="checks">
            <tbody>
              <tr>
                <th scope="row">Redis</th>
                <td>
                  <CheckBadge ok={h.checks.redis.ok} />
                </td>
                <td className="hint">
                  {formatDuration(h.checks.redis.latencyMs)}
                  {h.checks.redis.error ? ` · ${h.checks.redis.error}` : ""}
                </td>
              </tr>
              <tr>
                <th scope="row">QStash</th>
                <td>
                  <CheckBadge ok={h.checks.qstash.ok} />
                </td>
                <td className="hint">
                  {formatDuration(h.checks.qstash.latencyMs)} · DLQ{" "}
                  {formatCount(h.checks.qstash.dlqSize)}
                  {h.checks.qstash.error ? ` · ${h.checks.qstash.error}` : ""}
                </td>
              </tr>
              <tr>
                <th scope="row">OpenAI</th>
                <td>
                  <Badge tone={openaiTone[h.checks.openai.status]}>{h.checks.openai.status}</Badge>
                </td>
                <td className="hint">
                  {formatCount(h.checks.openai.recentFailures)} recent failures
                  {h.checks.openai.lastError ? ` · last: ${h.checks.openai.lastError}` : ""}
                </td>
              </tr>
              <tr data-testid="circuit">
                <th scope="row">Circuit</th>
                <td>
                  <Badge tone={circuitTone[h.checks.openai.circuit.state]}>
                    {h.checks.openai.circuit.state.replace("_", "-")}
                  </Badge>
                </td>
                <td className="hint">
                  {h.checks.openai.circuit.state === "closed"
                    ? "jobs reach the AI provider"
                    : `jobs wait in QStash${h.checks.openai.circuit.openUntil ? ` until ${formatTime(h.checks.openai.circuit.openUntil)}` : ""}`}
                  {` · ${formatCount(h.checks.openai.circuit.failures)} failures in a row · opened ${formatCount(h.checks.openai.circuit.opens)}×`}
                </td>
              </tr>
              <tr data-testid="background-calls">
                <th scope="row">Background calls</th>
                <td>
                  <Badge tone={backgroundTone(h.checks.openai.background)}>
                    {h.checks.openai.background.provider === "refused"
                      ? "refused"
                      : h.checks.openai.background.mode === "off"
                        ? "off"
                        : h.checks.openai.background.provider}
                  </Badge>
                </td>
                <td className="hint">{backgroundHint(h.checks.openai.background)}</td>
              </tr>
              <tr data-testid="health-flow">
                <th scope="row">Flow control</th>
                <td>
                  <Badge tone={flowBadge(h.checks.flow).tone}>
                    {flowBadge(h.checks.flow).label}
                  </Badge>
                </td>
                <td className="hint">{flowHint(h.checks.flow)}</td>
              </tr>
              <tr data-testid="health-schedule">
                <th scope="row">Maintenance</th>
                <td>
                  <Badge tone={scheduleBadge(h.checks.schedule).tone}>
                    {scheduleBadge(h.checks.schedule).label}
                  </Badge>
                </td>
                <td className="hint">{scheduleHint(h.checks.schedule)}</td>
              </tr>
              <tr>
                <th scope="row">Jobs</th>
                <td>{formatRate(h.checks.jobs.successRate)}</td>
                <td className="hint">
                  success rate, last {formatDuration(h.checks.jobs.windowMinutes * 60_000)}
                </td>
              </tr>
            </tbody>
          </table>
          <p className="hint">Checked {formatTime(h.checkedAt)}</p>
        </>
      ) : null}
    </section>
  );
}

type Background = Health["checks"]["openai"]["background"];

function backgroundTone(b: Background): Tone {
  if (b.provider === "refused") return b.mode === "on" ? "bad" : "warn";
  return b.provider === "supported" && b.mode !== "off" ? "ok" : "muted";
}

/** What the operator should know of model calls as background responses, in one line. */
function backgroundHint(b: Background): string {
  if (b.mode === "off") return "OPENAI_BACKGROUND=off: plain streams; a call cut off is paid again";
  if (b.provider === "refused")
    return `the provider refused background mode${b.refusedAt ? ` at ${formatTime(b.refusedAt)}` : ""}${b.mode === "auto" ? ": plain streams since; a call cut off is paid again" : ": model calls fail (OPENAI_BACKGROUND=on)"}`;
  if (b.provider === "supported")
    return "calls outlive their delivery: resumed, not paid again (responses kept ~10 min at the provider)";
  return `OPENAI_BACKGROUND=${b.mode}: no model call in this process yet`;
}

type Flow = Health["checks"]["flow"];

function flowBadge(f: Flow): { tone: Tone; label: string } {
  if (f.error) return { tone: "warn", label: "unknown" };
  if (!f.enabled) return { tone: "muted", label: "off" };
  if (f.keys.some((k) => k.paused)) return { tone: "bad", label: "paused" };
  if (f.keys.some((k) => k.backlog)) return { tone: "warn", label: "backlog" };
  return { tone: "ok", label: "ok" };
}

/** "openai-gpt-5-mini: 3 waiting, 1 under way · paused since …", one part per key. */
function flowHint(f: Flow): string {
  if (f.error) return f.error;
  if (!f.enabled) return "off: QStash delivers every analysis as soon as it is due";
  return f.keys
    .map((k) => {
      const paused = k.paused
        ? ` · paused ${k.pausedSince ? `since ${formatTime(k.pausedSince)}` : "outside /ops"}`
        : "";
      return `${k.key}: ${formatCount(k.waiting)} waiting, ${formatCount(k.running)} under way${paused}`;
    })
    .join("; ");
}

type Schedule = Health["checks"]["schedule"];

function scheduleBadge(s: Schedule): { tone: Tone; label: string } {
  if (!s.enabled) return { tone: "muted", label: "off" };
  if (s.ensured === "paused") return { tone: "warn", label: "paused" };
  if (s.error) return { tone: "warn", label: "unknown" };
  if (s.lastTick && Date.now() - s.lastTick.at > 3 * 60_000) return { tone: "bad", label: "late" };
  return { tone: s.lastTick ? "ok" : "muted", label: s.lastTick ? "ticking" : "no tick yet" };
}

/** "every minute (tabsafe-maintenance) · last tick 12:01:00: 2 revived, 0 failed, DLQ 0". */
function scheduleHint(s: Schedule): string {
  if (!s.enabled)
    return "off (OPS_SCHEDULE): stranded jobs wait for a poll, alerts for a read of /ops";
  const where = `every minute (${s.scheduleId})`;
  if (s.error) return `${where} · QStash could not be asked: ${s.error}`;
  const t = s.lastTick;
  if (!t) return `${where} · no tick recorded yet`;
  const unsent = t.alertsUnsent ? `, ${formatCount(t.alertsUnsent)} alert(s) not yet sent` : "";
  return `${where} · last tick ${formatTime(t.at)} (${formatDuration(t.tookMs)}): ${formatCount(t.revived)} revived, ${formatCount(t.failed)} failed, DLQ ${formatCount(t.dlq)}${unsent}`;
}
