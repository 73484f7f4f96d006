import type { PublicJob } from "@/lib/jobs/schema";

type Announced = Pick<PublicJob, "status" | "step" | "error">;

/**
 * What the page's live region says about a job: one sentence per milestone (queued, each step
 * begun, the end) and nothing in between. The region speaks whenever its text changes, so the
 * text must not carry the percent, the streamed output or the elapsed time, which change every
 * moment; the progress bar and the step label show those to whoever looks.
 */
export function announcement(job: Announced): string {
  switch (job.status) {
    case "queued":
      return "Analysis queued.";
    case "running":
      return job.step
        ? `Step ${job.step.index} of ${job.step.total}: ${job.step.label}.`
        : "Analysis started.";
    case "succeeded":
      return "Analysis done. The report follows.";
    case "failed":
      return `Analysis failed. ${job.error?.message ?? ""}`.trim();
    case "canceled":
      return "Analysis canceled.";
  }
}
