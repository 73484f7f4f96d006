import "server-only";
import type { Job, Usage } from "@/lib/jobs/schema";
import { finishJob } from "@/lib/jobs/store";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import { JobFailure } from "@/lib/telemetry/classify";

/*
 * How a run ends when the stored job cannot be run as it is: its kind is gone from this build,
 * its input or its result does not fit the kind's schema. Each fails the job for good.
 */

export const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
});

/** Stored data the job's kind cannot read (its input, or the result its code returned). */
export function invalidStored(
  what: "input" | "result",
  error: { issues: Array<{ path: PropertyKey[]; message: string }> },
): JobFailure {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join(".") || what;
  if (what === "result") {
    return new JobFailure({
      code: "invalid_output",
      category: "VALIDATION",
      message: `The analysis produced a result of the wrong shape (${where}: ${issue?.message}).`,
      retryable: false,
    });
  }
  return new JobFailure({
    code: "invalid_data",
    category: "VALIDATION",
    message: `The job's stored input cannot be read (${where}: ${issue?.message}).`,
    retryable: false,
  });
}

/** A job whose kind this build does not run (renamed or removed): it fails for good, as data it cannot read. */
export async function unknownKind(job: Job, token: string): Promise<ConsumeOutcome> {
  const error = {
    code: "invalid_data",
    category: "VALIDATION",
    message: `This app no longer runs analyses of the type "${job.analysisType}".`,
    retryable: false,
  } as const;
  const outcome = await finishJob(job.id, token, { status: "failed", error });
  return outcome.finished
    ? { kind: "fatal", note: "failed: unknown kind" }
    : { kind: "ack", note: "job already ended" };
}
