import { env } from "@/lib/env";
import type { Job } from "@/lib/jobs/schema";

/**
 * How long a job may run under leases before it is failed with a timeout, ms: its kind's limit,
 * fixed on the job when it was created, unless JOB_TIMEOUT_MS overrides every kind's.
 */
export function jobTimeoutMs(job: Pick<Job, "timeoutMs">): number {
  return env().JOB_TIMEOUT_MS || job.timeoutMs;
}

/**
 * One delivery's clock on one job: the job's run-time bound (time under leases, earlier
 * deliveries' and this one's) and the delivery's own budget (CONSUME_TIME_BUDGET_MS), which
 * steps and model calls hand over to a continuation before they overrun.
 */
export class RunClock {
  readonly started = Date.now();
  constructor(private readonly job: Pick<Job, "timeoutMs" | "runMs" | "leasedAt">) {}

  /** Time the job has run under leases, ms. */
  ran(): number {
    return this.job.runMs + (Date.now() - (this.job.leasedAt ?? this.started));
  }

  timeoutMs(): number {
    return jobTimeoutMs(this.job);
  }

  /** Has the job run longer than its kind allows? */
  timedOut(): boolean {
    return this.ran() > this.timeoutMs();
  }

  /** Would the next step likely overrun this delivery's budget? (Estimated by the average of `stepsRun` so far.) */
  outOfTime(stepsRun: number): boolean {
    const elapsed = Date.now() - this.started;
    return elapsed + elapsed / stepsRun > env().CONSUME_TIME_BUDGET_MS;
  }

  /**
   * When a model call still in flight is handed to a continuation (lib/jobs/model-call.ts): the
   * budget's end, less what the hand-off needs (one write, the release, the publish) and some room.
   */
  handOffAt(): number {
    const budget = env().CONSUME_TIME_BUDGET_MS;
    return this.started + budget - Math.min(2_000, budget / 4);
  }
}
