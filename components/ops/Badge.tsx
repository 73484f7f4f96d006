import type { ReactNode } from "react";
import type { JobStatus } from "@/lib/jobs/schema";
import type { AlertState, HealthStatus, Severity } from "@/lib/ops/types";

/**
 * Colored badges for the ops pages. A tone is a color family defined in app/ops/ops.css; the
 * text always says the state too, so nothing depends on color alone.
 */
export type Tone = "ok" | "bad" | "warn" | "info" | "muted" | "critical";

export function Badge({
  tone,
  children,
  testId,
}: {
  tone: Tone;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <span className={`badge tone-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

const statusTone: Record<JobStatus, Tone> = {
  queued: "info",
  running: "info",
  succeeded: "ok",
  failed: "bad",
  canceled: "muted",
};
export const StatusBadge = ({ status }: { status: JobStatus }) => (
  <Badge tone={statusTone[status]} testId="job-status">
    {status}
  </Badge>
);

const severityTone: Record<Severity, Tone> = {
  LOW: "muted",
  MEDIUM: "warn",
  HIGH: "bad",
  CRITICAL: "critical",
};
export const SeverityBadge = ({ severity }: { severity: Severity }) => (
  <Badge tone={severityTone[severity]}>{severity}</Badge>
);

const healthTone: Record<HealthStatus, Tone> = {
  healthy: "ok",
  degraded: "warn",
  unhealthy: "bad",
};
export const HealthBadge = ({ status }: { status: HealthStatus }) => (
  <Badge tone={healthTone[status]} testId="health-status">
    {status}
  </Badge>
);

const alertTone: Record<AlertState["state"], Tone> = { active: "bad", resolved: "ok", ok: "muted" };
export const AlertBadge = ({ state }: { state: AlertState["state"] }) => (
  <Badge tone={alertTone[state]}>{state}</Badge>
);

export const GroupStatusBadge = ({ status }: { status: "open" | "resolved" }) => (
  <Badge tone={status === "open" ? "warn" : "ok"} testId="group-status">
    {status}
  </Badge>
);

/** ok / failed for a yes-no health check. */
export const CheckBadge = ({ ok }: { ok: boolean }) => (
  <Badge tone={ok ? "ok" : "bad"}>{ok ? "ok" : "failed"}</Badge>
);
