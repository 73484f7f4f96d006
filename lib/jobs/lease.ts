import "server-only";
import { env } from "@/lib/env";
import { budgetMeter, NO_BILLING } from "@/lib/jobs/budget";
import { fromHash, type Job, type JobError, type JobStatus } from "@/lib/jobs/schema";
import { flat, splitSteps } from "@/lib/jobs/store";
import { CHECKPOINT_STEP, LEASE_JOB, RELEASE_LEASE } from "@/lib/jobs/worker-scripts";
import { probeWindowMs } from "@/lib/openai/circuit";
import { rememberForMs } from "@/lib/qstash/replay";
import type { SignatureId } from "@/lib/qstash/verify";
import { keys } from "@/lib/redis/keys";
import { pairsToRecord } from "@/lib/redis/script";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";

/*
 * The worker's side of a job while it runs: the lease a delivery takes, the checkpoints and
 * progress it writes under that lease, and the release that hands the job back. Each is one
 * Lua script (lib/jobs/worker-scripts.ts); how a job is created, ended and read is ./store.ts.
 */

export type Lease =
  | { leased: true; job: Job; lastError: JobError | null; checkpoints: Record<string, string> }
  | { leased: false; reason: "missing" }
  | { leased: false; reason: "ended"; status: JobStatus; lastMessageId: string }
  | {
      leased: false;
      reason: "held";
      retryInMs: number;
      holderAttempt: number;
      holderMessageId: string;
    }
  | { leased: false; reason: "circuit_open"; retryInMs: number }
  | { leased: false; reason: "replayed" };

/** `signature`: the delivery's token id, claimed in the same script (a replay touches nothing). */
export async function leaseJob(
  id: string,
  token: string,
  messageId: string,
  signature: SignatureId | null = null,
): Promise<Lease> {
  const now = Date.now();
  const seen = signature ? keys.seenSignature(signature.id) : "";
  const { outcome, values } = await LEASE_JOB.run({
    keys: {
      job: keys.job(id),
      lease: keys.jobLease(id),
      steps: keys.jobSteps(id),
      ...metricKeys(now),
      circuit: keys.circuit(),
      seen,
    },
    args: {
      token,
      leaseMs: env().JOB_LEASE_MS,
      now,
      messageId,
      ...metricTtls(),
      probeMs: probeWindowMs(),
      rememberMs: signature ? rememberForMs(signature, now) : 0,
    },
  });
  switch (outcome) {
    case "replayed":
    case "missing":
      return { leased: false, reason: outcome };
    case "ended": {
      const [status, lastMessageId] = values;
      const ended = { status: status as JobStatus, lastMessageId: String(lastMessageId ?? "") };
      return { leased: false, reason: "ended", ...ended };
    }
    case "circuit_open":
      return { leased: false, reason: "circuit_open", retryInMs: Math.max(0, Number(values[0])) };
    case "held": {
      const [pttl, attempt, messageId] = values;
      return {
        leased: false,
        reason: "held",
        retryInMs: Math.max(0, Number(pttl)),
        holderAttempt: Number(attempt ?? 0),
        holderMessageId: String(messageId ?? ""),
      };
    }
    case "leased": {
      const [jobPairs, stepPairs] = values;
      const hash = pairsToRecord(jobPairs);
      const lastError = hash.lastError ? (JSON.parse(hash.lastError) as JobError) : null;
      const { checkpoints } = splitSteps(stepPairs);
      return { leased: true, job: fromHash(id, hash), lastError, checkpoints };
    }
  }
}

export type WriteOutcome =
  | { ok: true; cancelRequested: boolean }
  | { ok: false; reason: "lease_lost" }
  | { ok: false; reason: "ended"; status: string };

/** Tokens the AI provider billed since the job's last write (see lib/jobs/budget.ts), and whose they are. */
export type Billing = { owner: string; tokens: number };

/**
 * Progress (and, with `step`, a finished step's checkpoint); renews the lease; reads the cancel
 * flag; adds `bill` to the job's billed tokens and the budget. `step.providerOk`: the step got an
 * answer from the AI provider (closes its circuit).
 */
export async function checkpoint(
  id: string,
  token: string,
  fields: Record<string, string | number>,
  step?: { name: string; checkpoint: unknown; providerOk?: boolean },
  bill?: Billing,
): Promise<WriteOutcome> {
  const e = env();
  const now = Date.now();
  const meter = bill ? budgetMeter(bill.owner, now) : NO_BILLING;
  const { outcome, values } = await CHECKPOINT_STEP.run({
    keys: {
      job: keys.job(id),
      steps: keys.jobSteps(id),
      lease: keys.jobLease(id),
      circuit: keys.circuit(),
      ...meter.keys,
    },
    args: {
      token,
      leaseMs: e.JOB_LEASE_MS,
      now,
      stepName: step?.name ?? "",
      checkpoint: step ? JSON.stringify(step.checkpoint) : "",
      jobTtl: e.JOB_RETENTION_SECONDS + 3600,
      providerOk: step?.providerOk ? "1" : "0",
      billedTokens: bill?.tokens ?? 0,
      ...meter.args,
    },
    rest: flat(fields),
  });
  switch (outcome) {
    case "lease_lost":
      return { ok: false, reason: "lease_lost" };
    case "ended":
      return { ok: false, reason: "ended", status: String(values[0]) };
    case "written":
      return { ok: true, cancelRequested: values[0] === 1 };
  }
}

/** `waitUntil`: when QStash will deliver the job again (ms), so it is not taken for stranded meanwhile. */
export async function releaseLease(
  id: string,
  token: string,
  lastError: JobError | null,
  waitUntil?: number,
): Promise<boolean> {
  const now = Date.now();
  const { outcome } = await RELEASE_LEASE.run({
    keys: { job: keys.job(id), lease: keys.jobLease(id), ...metricKeys(now) },
    args: {
      token,
      now,
      lastError: lastError ? JSON.stringify(lastError) : "",
      ...metricTtls(),
      waitUntil: waitUntil ?? "",
    },
  });
  return outcome === "released";
}
