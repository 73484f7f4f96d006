import "server-only";
import { AppError } from "@/lib/errors";
import { publishJob } from "@/lib/jobs/publish";
import type { Job } from "@/lib/jobs/schema";
import { budgetSpent } from "@/lib/jobs/budget";
import { jobError } from "@/lib/telemetry/error-codes";
import { takeStartSlot } from "@/lib/jobs/rate-limit";
import { finishJob, getJob, retryJob } from "@/lib/jobs/store";
import type { Caller } from "@/lib/limits/caller";

/**
 * A person retries a failed or canceled analysis (a start, for the limits): the same job is queued again with its
 * checkpoints, so the steps it finished before are not paid again, and the retry is recorded in
 * its history. A newer live job with the same identity wins (409 naming it); if the queue is
 * unreachable the job is failed again (never left queued with no message) and the answer is 503.
 */
export async function retryAnalysis(caller: Caller, jobId: string): Promise<Job> {
  const owner = caller.owner.id;
  // A retry is new work: it counts as a start (given back when the job cannot be retried).
  const slot = await takeStartSlot(caller);
  if (!slot.ok) throw slot.error;
  const outcome = await retryJob(jobId, owner);
  if (!outcome.ok) {
    await slot.giveBack();
    if (outcome.reason === "missing")
      throw new AppError("not_found:job", "No such analysis (it may have expired).");
    if (outcome.reason === "superseded")
      throw new AppError(
        "conflict:job",
        `A newer run of this analysis is already under way (${outcome.jobId}).`,
      );
    if (outcome.reason === "over_budget") throw budgetSpent(outcome.which);
    throw new AppError(
      "conflict:job",
      `Only a failed or canceled analysis can be retried; this one is ${outcome.status}.`,
    );
  }
  const job = await getJob(jobId);
  if (!job) throw new AppError("not_found:job", "No such analysis (it may have expired).");
  try {
    await publishJob(job, { kind: "retry", seq: outcome.retries });
  } catch {
    const message = "The analysis could not be queued. Please try again.";
    const error = jobError("queue_unavailable", "NETWORK", message);
    await finishJob(jobId, null, { status: "failed", error });
    throw new AppError(
      "unavailable:queue",
      "The analysis could not be queued right now. Please try again in a moment.",
    );
  }
  return job;
}
