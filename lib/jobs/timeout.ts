import { env } from "@/lib/env";
import type { Job } from "@/lib/jobs/schema";

/**
 * How long a job may run under leases before it is failed with a timeout, ms: its kind's limit,
 * fixed on the job when it was created, unless JOB_TIMEOUT_MS overrides every kind's.
 */
export function jobTimeoutMs(job: Pick<Job, "timeoutMs">): number {
  return env().JOB_TIMEOUT_MS || job.timeoutMs;
}
