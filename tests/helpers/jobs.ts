import { eventually } from "./eventually.ts";
import type { JobView, Visitor } from "./visitor.ts";

/** Polls the status route until the job is in one of `statuses`. */
export function waitForStatus(
  visitor: Visitor,
  jobId: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<JobView> {
  return eventually(
    async () => {
      const { job } = await visitor.status(jobId);
      if (!job || !statuses.includes(job.status))
        throw new Error(
          `job ${jobId} is ${job?.status ?? "missing"}, waiting for ${statuses.join("|")}`,
        );
      return job;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

export const SHORT_LISTING = "lst_harbor-coffee";
export const LONG_LISTING = "lst_northwind-bakery";
