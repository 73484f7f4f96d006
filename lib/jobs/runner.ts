import "server-only";
import { nanoid } from "nanoid";
import { env } from "@/lib/env";
import { classify, JobFailure, maxAgeError, StreamStalled, timeoutError } from "@/lib/telemetry/classify";
import { definitions, jobTimeoutMs, type AnalysisDefinition } from "@/lib/jobs/definitions";
import { ProgressWriter, type StopReason } from "@/lib/jobs/progress";
import { publishJob, retryPolicy, type ConsumeMessage } from "@/lib/jobs/publish";
import { retryDelayMs } from "@/lib/jobs/retry-policy";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import type { Delivery } from "@/lib/qstash/verify";
import type { Job, JobError, Params, Usage } from "@/lib/jobs/schema";
import * as steps from "@/lib/jobs/steps";
import { BillMeter, estimateTokens } from "@/lib/jobs/budget";
import { remainingMs } from "@/lib/jobs/eta";
import { checkpoint, finishJob, leaseJob, releaseLease, type Billing } from "@/lib/jobs/store";
import { getListing } from "@/lib/listings/store";
import type { Listing } from "@/lib/listings/schema";
import { streamResponse, type StreamRequest, type StreamResult } from "@/lib/openai/stream";
import { errorEvent } from "@/lib/telemetry/error-event";
import { recordError } from "@/lib/telemetry/error-record";
import { log } from "@/lib/telemetry/log";
import { visitorHash } from "@/lib/telemetry/visitor";

class Stopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`stopped: ${reason}`);
  }
}

/** Leases the job named by a consume message and runs its remaining steps. */
export async function runDelivery(message: ConsumeMessage, delivery: Pick<Delivery, "messageId" | "retried" | "signature">): Promise<ConsumeOutcome> {
  const { jobId, analysisType } = message;
  const messageId = delivery.messageId;
  const started = Date.now();
  const token = nanoid();
  const lease = await leaseJob(jobId, token, messageId ?? "", delivery.signature);
  let outcome: ConsumeOutcome;
  if (!lease.leased && lease.reason === "replayed") {
    outcome = { kind: "refused", note: "a replay of a signed request seen before" };
  } else if (!lease.leased) {
    if (lease.reason === "held" && messageId && lease.holderMessageId === messageId && delivery.retried < env().QSTASH_RETRIES) {
      // A second copy of the very delivery under way: its answer (even a 489) must decide this
      // message, so this copy does not acknowledge it — QStash asks again once the lease could end.
      // (On the last attempt that would dead-letter the message: a recheck stands in for it instead.)
      outcome = { kind: "held", retryAfterS: Math.ceil(lease.retryInMs / 1000) + 1, note: "a duplicate of the delivery under way" };
    } else if (lease.reason === "held") outcome = await recheckLater(jobId, analysisType, lease.holderAttempt, lease.retryInMs, messageId);
    else if (lease.reason === "circuit_open") outcome = await waitForCircuit(jobId, analysisType, lease.retryInMs, messageId);
    else if (lease.reason === "ended" && lease.status === "failed" && lease.lastMessageId && (lease.lastMessageId === messageId || lease.lastMessageId === message.origin)) {
      // The job failed for good on this very message (or the one this recheck stands in for), and
      // that 489 may not have reached QStash: say it again, so the message lands in the DLQ.
      outcome = { kind: "fatal", note: "the job failed for good on this message" };
    } else outcome = { kind: "ack", note: lease.reason === "missing" ? "no such job (expired?)" : `job already ${lease.status}` };
  } else {
    outcome = await new JobRun(lease.job, token, lease.checkpoints, { messageId, retried: delivery.retried, lastError: lease.lastError }).execute();
  }
  const attempt = lease.leased ? lease.job.attempt : undefined;
  log(outcome.kind === "ack" ? "info" : "warn", "delivery", { jobId, attempt, messageId, durationMs: Date.now() - started, outcome: outcome.kind, note: outcome.note });
  return outcome;
}

/**
 * Another worker holds the job. Acknowledging outright could lose the job if that worker dies
 * (this may be a duplicate of its own message); failing would burn QStash retries while it is
 * healthy. So: queue a recheck for when its lease could have expired, then acknowledge. One
 * recheck per holder and lease deadline (deduplicated); if publishing fails, QStash retries us.
 */
export async function recheckLater(jobId: string, analysisType: Job["analysisType"], holderAttempt: number, leaseLeftMs: number, messageId: string | null): Promise<ConsumeOutcome> {
  const delayS = Math.ceil(leaseLeftMs / 1000) + 1;
  // Keyed by the holder, its lease deadline and the message that found it: copies of one message
  // share one recheck; a holder that renewed its lease (still alive) gets a fresh one when that
  // recheck lands; and a recheck that lands early (clocks differ) is not swallowed by dedup.
  const deadlineS = Math.ceil((Date.now() + leaseLeftMs) / 1000);
  try {
    await publishJob({ id: jobId, analysisType }, { kind: "recheck", seq: `${holderAttempt}-${deadlineS}.${(messageId ?? "none").slice(-12)}`, delayS, ...(messageId ? { origin: messageId } : {}) });
  } catch {
    return { kind: "held", retryAfterS: delayS, note: "another worker holds the lease; recheck could not be queued" };
  }
  return { kind: "ack", note: `another worker holds the lease; rechecking in ${delayS} s` };
}

/**
 * The AI provider's circuit is open: nothing was touched. Queue the job again for when the
 * circuit may let a probe through and acknowledge — the job waits in QStash, not in function
 * time, and no QStash retry is spent. If that publish fails, a 503 with Retry-After does it.
 */
async function waitForCircuit(jobId: string, analysisType: Job["analysisType"], waitMs: number, messageId: string | null): Promise<ConsumeOutcome> {
  const delayS = Math.max(1, Math.ceil(waitMs / 1000));
  // One wait per delivered message: duplicates of this message share it, and a wait message that
  // arrives early (clocks differ) makes a new one instead of being swallowed by deduplication.
  const seq = `${Math.ceil((Date.now() + waitMs) / 1000)}.${(messageId ?? "none").slice(-12)}`;
  try {
    await publishJob({ id: jobId, analysisType }, { kind: "circuit", seq, delayS });
  } catch {
    return { kind: "retry", retryAfterS: delayS, note: "the AI provider's circuit is open; could not queue the wait" };
  }
  return { kind: "ack", note: `the AI provider's circuit is open; trying again in ${delayS} s` };
}

/** One delivery's work on one job, under its lease. */
class JobRun {
  private readonly started = Date.now();
  private readonly def: AnalysisDefinition;
  private readonly params: Params;
  private readonly done = new Map<string, unknown>();
  private usage: Usage;
  private stepsRun = 0;
  private plan: string[] = [];
  private chunkCount = 0;
  /** The step under way, for error reports. */
  private current = "prepare";
  /** Answers received from the AI provider in this delivery (a checkpoint after one closes its circuit). */
  private providerAnswers = 0;
  /** Billed tokens of finished calls still to be written to the budget (see takeUnbilled). */
  private unbilled = 0;

  private readonly messageId: string | null;

  constructor(
    private readonly job: Job,
    private readonly token: string,
    checkpoints: Record<string, string>,
    private readonly delivery: { messageId: string | null; retried: number; lastError: JobError | null },
  ) {
    this.messageId = delivery.messageId;
    this.def = definitions[job.analysisType];
    this.params = this.def.params.parse(job.params) as Params;
    this.usage = job.usage;
    for (const [name, value] of Object.entries(checkpoints)) this.done.set(name, JSON.parse(value));
  }

  async execute(): Promise<ConsumeOutcome> {
    if (this.job.cancelRequested) return this.end({ status: "canceled" });
    // Queued longer ago than any job may live (the app, Redis or the provider was down): stop here.
    if (Date.now() - this.job.enqueuedAt > env().JOB_MAX_AGE_MS) return this.fail(maxAgeError(env().JOB_MAX_AGE_MS, this.delivery.lastError), undefined);
    try {
      const listing = await getListing(this.job.listingId);
      if (!listing) throw new JobFailure({ code: "listing_missing", category: "USER_INPUT", message: "The listing no longer exists (pasted listings expire after 7 days).", retryable: false });
      const { checkpoint: prepared, chunks } = steps.prepare(listing);
      const before = this.done.get("prepare") as steps.PrepareCheckpoint | undefined;
      if (before && before.textHash !== prepared.textHash) {
        throw new JobFailure({ code: "listing_changed", category: "FILE_PROCESSING", message: "The listing changed while it was being analysed. Start a new analysis.", retryable: false });
      }
      this.chunkCount = chunks.length;
      this.plan = steps.planSteps(chunks.length);
      for (const [index, name] of this.plan.entries()) {
        if (this.done.has(name)) continue;
        if (this.timedOut()) return this.fail(timeoutError(this.timeoutMs()), undefined);
        // Saving is one quick write: never worth a continuation of its own.
        if (name === "save") return this.end({ status: "succeeded", result: (this.done.get("validate") as steps.ValidateCheckpoint).result });
        if (this.stepsRun > 0 && this.outOfTime()) return this.continueLater();
        this.current = name;
        const stepStarted = Date.now();
        const answersBefore = this.providerAnswers;
        const result = await this.runStep(name, index, listing, chunks, prepared);
        this.stepsRun++;
        log("info", "step_done", { jobId: this.job.id, step: name, attempt: this.job.attempt, messageId: this.messageId, durationMs: Date.now() - stepStarted });
        const outcome = await checkpoint(this.job.id, this.token, this.fields(index + 1, 0, ""), { name, checkpoint: result, providerOk: this.providerAnswers > answersBefore }, this.takeUnbilled());
        if (!outcome.ok) throw new Stopped(outcome.reason === "lease_lost" ? "lease_lost" : "ended");
        this.done.set(name, result);
        if (outcome.cancelRequested) throw new Stopped("canceled");
      }
      return { kind: "ack", note: "nothing left to do" };
    } catch (error) {
      return this.handle(error);
    }
  }

  private async runStep(name: string, index: number, listing: Listing, chunks: string[], prepared: steps.PrepareCheckpoint): Promise<unknown> {
    if (name === "prepare") return prepared;
    if (name.startsWith("analyze:")) {
      const i = Number(name.slice(8));
      const input = `Listing: ${listing.title}\n\nPart ${i + 1} of ${chunks.length}:\n${chunks[i]}`;
      return this.stream(name, index, { instructions: this.def.chunkInstructions(this.params), input });
    }
    const notes = chunks.map((_, i) => (this.done.get(`analyze:${i}`) as steps.TextCheckpoint).text);
    const input = steps.synthesisInput(listing, notes);
    const format = { name: this.job.analysisType, schema: this.def.output };
    if (name === "synthesize") return this.stream(name, index, { instructions: this.def.synthesisInstructions(this.params), input, format });
    // validate: one repair attempt on output that is not valid JSON of the type's schema.
    const draft = this.done.get("synthesize") as steps.TextCheckpoint;
    const first = steps.validateOutput(this.def, draft.text);
    if (first.ok) return { result: first.result, repaired: false, usage: { inputTokens: 0, outputTokens: 0 } } satisfies steps.ValidateCheckpoint;
    const repair = await this.stream(name, index, {
      instructions: steps.repairInstructions(this.def, this.params, first.problem),
      input: `${input}\n\nRejected answer:\n${draft.text.slice(0, 4_000)}`,
      format,
    });
    const second = steps.validateOutput(this.def, repair.text);
    if (!second.ok) throw steps.invalidOutput(second.problem);
    return { result: second.result, repaired: true, usage: repair.usage } satisfies steps.ValidateCheckpoint;
  }

  /** Streams one OpenAI call with throttled partial-output writes that can abort it. */
  private async stream(name: string, index: number, req: Pick<StreamRequest, "instructions" | "input" | "format">): Promise<StreamResult> {
    const controller = new AbortController();
    const meter = new BillMeter(estimateTokens(req.instructions.length + req.input.length));
    const bill = (): Billing => ({ owner: this.job.owner, tokens: meter.streaming(writer.streamed) });
    const writer = new ProgressWriter(this.job.id, this.token, (partial, fraction) => this.fields(index, fraction, partial), req.format ? 1_500 : 800, (reason) => controller.abort(new Stopped(reason)), bill);
    // Keeps the lease alive while the model thinks, and gives up on a stream that went silent.
    const heartbeat = setInterval(() => {
      if (Date.now() - writer.lastActivity > env().OPENAI_STALL_TIMEOUT_MS) controller.abort(new StreamStalled());
      // Every 2 s at most: often enough to see a cancel fast, rare enough to stay cheap.
      else writer.heartbeat(Math.min(env().JOB_LEASE_MS / 3, 2_000));
    }, 1_000);
    try {
      const result = await streamResponse({ ...req, signal: controller.signal, onDelta: (d) => writer.push(d), onEvent: () => writer.touch(), metadata: { job_id: this.job.id, step: name } });
      this.providerAnswers++;
      await writer.settle();
      // The provider's own figure corrects the estimates written while streaming: with the step's checkpoint.
      this.unbilled += meter.settle(result.usage);
      if (writer.stopReason) throw new Stopped(writer.stopReason);
      this.usage = steps.addUsage(this.usage, result.usage);
      return result;
    } catch (error) {
      await writer.settle();
      if (writer.stopReason) throw new Stopped(writer.stopReason);
      throw controller.signal.reason instanceof StreamStalled ? controller.signal.reason : error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Billed tokens not yet written (the provider's correction of the last calls' estimates), handed to one write. */
  private takeUnbilled(): Billing {
    const tokens = this.unbilled;
    this.unbilled = 0;
    return { owner: this.job.owner, tokens };
  }

  /** Job fields for a progress write: `index` steps done plus `fraction` of the next. */
  private fields(index: number, fraction: number, partial: string): Record<string, string | number> {
    const total = this.plan.length;
    const name = this.plan[Math.min(index, total - 1)];
    const done = (index + fraction) / total;
    // ETA from the job's own pace over its model work, in time run under leases (lib/jobs/eta.ts).
    const ran = this.job.runMs + (Date.now() - (this.job.leasedAt ?? this.started));
    const etaMs = remainingMs(this.plan, index, fraction, ran) ?? "";
    return {
      progress: Math.min(99, Math.floor(100 * done)),
      step: JSON.stringify({ name, index: Math.min(index + 1, total), total, label: steps.stepLabel(name, this.chunkCount) }),
      etaMs,
      partialOutput: partial,
      usageIn: this.usage.inputTokens,
      usageOut: this.usage.outputTokens,
    };
  }

  private timeoutMs(): number {
    return jobTimeoutMs(this.job.analysisType, env().JOB_TIMEOUT_MS);
  }

  /** Has the job run longer than its type allows? Only time under leases counts (earlier deliveries' and this one's). */
  private timedOut(): boolean {
    return this.job.runMs + (Date.now() - (this.job.leasedAt ?? this.started)) > this.timeoutMs();
  }

  /** Would the next step likely overrun this delivery's time budget? (Estimated by the average step so far.) */
  private outOfTime(): boolean {
    const elapsed = Date.now() - this.started;
    return elapsed + elapsed / this.stepsRun > env().CONSUME_TIME_BUDGET_MS;
  }

  /** Hands the rest to a continuation message: release first, so the continuation can lease at once. */
  private async continueLater(): Promise<ConsumeOutcome> {
    await releaseLease(this.job.id, this.token, null);
    try {
      await publishJob(this.job, { kind: "continuation", seq: this.job.attempt });
    } catch {
      // Lease released, nothing lost: failing this delivery makes QStash bring it back.
      return { kind: "retry", retryAfterS: null, note: "could not publish the continuation" };
    }
    return { kind: "ack", note: `continued after ${this.stepsRun} step(s)` };
  }

  private async end(end: Parameters<typeof finishJob>[2]): Promise<ConsumeOutcome> {
    const outcome = await finishJob(this.job.id, this.token, end);
    if (!outcome.finished && outcome.reason === "lease_lost") return recheckLater(this.job.id, this.job.analysisType, this.job.attempt + 1, env().JOB_LEASE_MS, this.messageId);
    return outcome.finished ? { kind: "ack", note: `job ${outcome.status}` } : { kind: "ack", note: outcome.reason === "ended" ? `job already ${outcome.status}` : outcome.reason };
  }

  private async fail(error: JobError, raw: unknown): Promise<ConsumeOutcome> {
    await this.report(error, raw);
    const outcome = await this.end({ status: "failed", error });
    return outcome.kind === "ack" ? { kind: "fatal", note: `failed: ${error.code}` } : outcome;
  }

  private async handle(error: unknown): Promise<ConsumeOutcome> {
    if (error instanceof Stopped) {
      if (error.reason === "canceled") return this.end({ status: "canceled" });
      if (error.reason === "lease_lost") return recheckLater(this.job.id, this.job.analysisType, this.job.attempt + 1, env().JOB_LEASE_MS, this.messageId);
      return { kind: "ack", note: "the job ended while running" };
    }
    const { error: jobError, retryAfterS } = classify(error);
    if (!jobError.retryable) return this.fail(jobError, error);
    await this.report(jobError, error);
    await releaseLease(this.job.id, this.token, jobError, this.nextDeliveryAt(retryAfterS)).catch(() => {});
    return { kind: "retry", retryAfterS, note: jobError.code };
  }

  /**
   * When QStash will deliver this message again after this failed delivery, ms: the Retry-After
   * answered, else the retry policy's delay. Undefined on the last attempt (the failure callback
   * comes instead, at once).
   */
  private nextDeliveryAt(retryAfterS: number | null): number | undefined {
    const policy = retryPolicy();
    if (this.delivery.retried >= policy.retries) return undefined;
    return Date.now() + (retryAfterS ? retryAfterS * 1000 : retryDelayMs(policy, this.delivery.retried));
  }

  /** Files the failure with its error group (ops), sanitized; never throws. */
  private report(jobError: JobError, raw: unknown): Promise<void> {
    return recordError(errorEvent(jobError, `consume:${this.current}`, raw, jobError.retryable ? "retrying" : "final"), {
      jobId: this.job.id, analysisType: this.job.analysisType, attempt: this.job.attempt, messageId: this.messageId, visitor: visitorHash(this.job.owner),
    });
  }
}
