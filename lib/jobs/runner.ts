import "server-only";
import { env } from "@/lib/env";
import { classify, maxAgeError, timeoutError } from "@/lib/telemetry/classify";
import { RunClock } from "@/lib/jobs/timeout";
import type { JobContext, JobKind, ModelRequest, PlannedStep } from "@/lib/jobs/kind";
import { PROGRESS_INTERVAL_MS, type StopReason } from "@/lib/jobs/progress";
import { publishJob, retryPolicy } from "@/lib/jobs/publish";
import { recheckLater } from "@/lib/jobs/waits";
import { retryDelayMs } from "@/lib/jobs/retry-policy";
import type { ConsumeOutcome } from "@/lib/qstash/answer";
import type { Job, JobError, Params, Usage } from "@/lib/jobs/schema";
import { remainingMs } from "@/lib/jobs/eta";
import { callModel } from "@/lib/jobs/model-call";
import { addUsage, invalidStored } from "@/lib/jobs/run-ends";
import { checkpoint, releaseLease, type Billing } from "@/lib/jobs/lease";
import { finishJob } from "@/lib/jobs/store";
import { overMaxAge } from "@/lib/jobs/flow-pause";
import type { StreamResult } from "@/lib/openai/stream";
import { errorEvent } from "@/lib/telemetry/error-event";
import { recordError } from "@/lib/telemetry/error-record";
import { log } from "@/lib/telemetry/log";
import { visitorHash } from "@/lib/telemetry/visitor";

/** The last step of every plan: the engine's own write of the result. */
const SAVE: PlannedStep = { name: "save", label: "saving the result" };

class Stopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`stopped: ${reason}`);
  }
}

/** Thrown by a step that finds the delivery's time budget spent: the rest goes to a continuation. */
class ContinueLater extends Error {
  /** `midCall`: the step whose model call goes on at the provider, to be resumed. */
  constructor(readonly midCall?: string) {
    super("continue later");
  }
}
/** Thrown by a step when the job has run longer under leases than its kind allows. */
class TimedOut extends Error {}

/** The step under way: its name and its place in the plan. */
type Current = { name: string; index: number };

/** One delivery's work on one job, under its lease: runs its kind's code with a JobContext. */
export class JobRun {
  /** This delivery's clock: its budget and the job's run-time bound. */
  private readonly clock: RunClock;
  private readonly params: Params;
  private readonly done = new Map<string, unknown>();
  /** Aborted when the job must stop (canceled, lease lost, ended elsewhere): the kind's ctx.signal. */
  private readonly stop = new AbortController();
  private stopReason: StopReason | null = null;
  private usage: Usage;
  private stepsRun = 0;
  /** The steps ahead as the kind declared them, then the engine's save. */
  private plan: PlannedStep[] = [SAVE];
  /** The step under way, for error reports and progress writes; null between steps. */
  private current: Current | null = null;
  private lastStep = "start";
  /** Answers received from the AI provider in this delivery (a checkpoint after one closes its circuit). */
  private providerAnswers = 0;
  /** Billed tokens of finished calls still to be written to the budget (see takeUnbilled). */
  private unbilled = 0;
  /** A ctx.progress write in flight, if any (one at a time, at most every PROGRESS_INTERVAL_MS). */
  private progressWrite: Promise<void> | null = null;
  private lastProgressAt = 0;

  private readonly messageId: string | null;

  constructor(
    private readonly kind: JobKind,
    private readonly job: Job,
    private readonly token: string,
    checkpoints: Record<string, string>,
    private readonly delivery: {
      messageId: string | null;
      retried: number;
      lastError: JobError | null;
    },
  ) {
    this.messageId = delivery.messageId;
    this.clock = new RunClock(job);
    this.params = kind.params.parse(job.params) as Params;
    this.usage = job.usage;
    for (const [name, value] of Object.entries(checkpoints)) this.done.set(name, JSON.parse(value));
  }

  async execute(): Promise<ConsumeOutcome> {
    if (this.job.cancelRequested) return this.end({ status: "canceled" });
    // Queued longer ago than any job may live (the app, Redis or the provider was down): stop
    // here. A wait behind an operator's pause of the flow is not counted (lib/jobs/flow-pause.ts).
    if (await overMaxAge(this.job.enqueuedAt))
      return this.fail(maxAgeError(env().JOB_MAX_AGE_MS, this.delivery.lastError), undefined);
    try {
      const input = this.kind.input.safeParse(this.job.input);
      if (!input.success) throw invalidStored("input", input.error);
      const value = await this.kind.run(this.context(), input.data);
      if (this.clock.timedOut()) return this.fail(timeoutError(this.clock.timeoutMs()), undefined);
      const result = this.kind.result.safeParse(value);
      if (!result.success) throw invalidStored("result", result.error);
      // Saving is one quick write: never worth a continuation of its own.
      return this.end({ status: "succeeded", result: result.data });
    } catch (error) {
      if (error instanceof ContinueLater) return this.continueLater(error.midCall);
      if (error instanceof TimedOut)
        return this.fail(timeoutError(this.clock.timeoutMs()), undefined);
      return this.handle(error);
    }
  }

  /** What the kind's code sees: its params, the stop signal and the step primitives. */
  private context(): JobContext<Params> {
    return {
      jobId: this.job.id,
      params: this.params,
      signal: this.stop.signal,
      plan: (steps) => {
        this.plan = [...steps.filter((s) => s.name !== SAVE.name), SAVE];
      },
      step: (name, fn) => this.step(name, fn),
      model: (name, request) =>
        this.current
          ? this.stream(this.current, name, request)
          : this.step(name, () => this.stream(this.current!, name, request)),
      progress: (fraction) => this.progress(fraction),
    };
  }

  /** Runs one step unless its checkpoint exists, then checkpoints it (renewing the lease, reading cancel). */
  private async step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.current)
      throw new Error(
        `ctx.step("${name}") inside ctx.step("${this.current.name}"): steps do not nest`,
      );
    if (this.done.has(name)) return this.done.get(name) as T;
    if (this.clock.timedOut()) throw new TimedOut();
    if (this.stepsRun > 0 && this.clock.outOfTime(this.stepsRun)) throw new ContinueLater();
    const index = this.indexOf(name);
    this.current = { name, index };
    this.lastStep = name;
    const stepStarted = Date.now();
    const answersBefore = this.providerAnswers;
    let result: T;
    try {
      result = await fn();
      if (this.stop.signal.aborted) throw this.stop.signal.reason;
    } finally {
      this.current = null;
      await this.progressWrite;
    }
    this.stepsRun++;
    log("info", "step_done", {
      jobId: this.job.id,
      step: name,
      attempt: this.job.attempt,
      messageId: this.messageId,
      durationMs: Date.now() - stepStarted,
    });
    const outcome = await checkpoint(
      this.job.id,
      this.token,
      // The step's model call, if any, is done with: nothing to resume.
      { ...this.fields(index + 1, 0, ""), modelCall: "" },
      { name, checkpoint: result, providerOk: this.providerAnswers > answersBefore },
      this.takeUnbilled(),
    );
    if (!outcome.ok) throw this.halt(outcome.reason === "lease_lost" ? "lease_lost" : "ended");
    this.done.set(name, result);
    if (outcome.cancelRequested) throw this.halt("canceled");
    return result;
  }

  /** The step's place in the plan; a step the kind did not plan goes before save. */
  private indexOf(name: string): number {
    const at = this.plan.findIndex((s) => s.name === name);
    if (at >= 0) return at;
    this.plan.splice(this.plan.length - 1, 0, { name, label: name });
    return this.plan.length - 2;
  }

  /** Stops the run: the signal the kind sees, and the error that unwinds it. */
  private halt(reason: StopReason): Stopped {
    const stopped = new Stopped(reason);
    this.stopReason ??= reason;
    if (!this.stop.signal.aborted) this.stop.abort(stopped);
    return stopped;
  }

  /** A kind's own progress within the step under way: written at most every PROGRESS_INTERVAL_MS. */
  private progress(fraction: number): void {
    const current = this.current;
    if (!current || this.progressWrite || Date.now() - this.lastProgressAt < PROGRESS_INTERVAL_MS)
      return;
    this.lastProgressAt = Date.now();
    this.progressWrite = checkpoint(
      this.job.id,
      this.token,
      this.fields(current.index, fraction, ""),
    )
      .then((outcome) => {
        if (!outcome.ok) this.halt(outcome.reason === "lease_lost" ? "lease_lost" : "ended");
        else if (outcome.cancelRequested) this.halt("canceled");
      })
      .catch(() => {})
      .finally(() => {
        this.progressWrite = null;
      });
  }

  /** One streamed model call of the step under way (lib/jobs/model-call.ts). */
  private stream(current: Current, name: string, req: ModelRequest): Promise<StreamResult> {
    return callModel(
      {
        jobId: this.job.id,
        owner: this.job.owner,
        token: this.token,
        stop: this.stop.signal,
        stopped: () => this.stopReason,
        inFlight: this.job.modelCall
          ? { record: this.job.modelCall, partial: this.job.partialOutput }
          : null,
        handOffInMs: () => this.clock.handOffAt() - Date.now(),
        handOff: () => new ContinueLater(current.name),
        fields: (fraction, partial) => this.fields(current.index, fraction, partial),
        halt: (reason) => this.halt(reason),
        answered: () => void this.providerAnswers++,
        billed: (tokens) => void (this.unbilled += tokens),
        used: (usage) => void (this.usage = addUsage(this.usage, usage)),
      },
      current.name === name ? name : `${current.name}/${name}`,
      req,
    );
  }

  /** Billed tokens not yet written (the provider's correction of the last calls' estimates), handed to one write. */
  private takeUnbilled(): Billing {
    const tokens = this.unbilled;
    this.unbilled = 0;
    return { owner: this.job.owner, tokens };
  }

  /** Job fields for a progress write: `index` steps done plus `fraction` of the next. */
  private fields(
    index: number,
    fraction: number,
    partial: string,
  ): Record<string, string | number> {
    const total = this.plan.length;
    const { name, label } = this.plan[Math.min(index, total - 1)];
    const done = (index + fraction) / total;
    // ETA from the job's own pace over its model work, in time run under leases (lib/jobs/eta.ts).
    const ran = this.clock.ran();
    const etaMs =
      remainingMs(
        this.plan.map((s) => s.weight ?? 0),
        index,
        fraction,
        ran,
      ) ?? "";
    return {
      progress: Math.min(99, Math.floor(100 * done)),
      step: JSON.stringify({ name, index: Math.min(index + 1, total), total, label }),
      etaMs,
      partialOutput: partial,
      usageIn: this.usage.inputTokens,
      usageOut: this.usage.outputTokens,
    };
  }

  /** Hands the rest to a continuation message: release first, so the continuation can lease at once. */
  private async continueLater(midCall?: string): Promise<ConsumeOutcome> {
    await releaseLease(this.job.id, this.token, null);
    try {
      await publishJob(this.job, { kind: "continuation", seq: this.job.attempt });
    } catch {
      // Lease released, nothing lost: failing this delivery makes QStash bring it back.
      return { kind: "retry", retryAfterS: null, note: "could not publish the continuation" };
    }
    const where = midCall ? `, ${midCall} mid-call` : "";
    return { kind: "ack", note: `continued after ${this.stepsRun} step(s)${where}` };
  }

  private async end(end: Parameters<typeof finishJob>[2]): Promise<ConsumeOutcome> {
    const outcome = await finishJob(this.job.id, this.token, end);
    if (!outcome.finished && outcome.reason === "lease_lost") return this.recheckLostLease();
    return outcome.finished
      ? { kind: "ack", note: `job ${outcome.status}` }
      : {
          kind: "ack",
          note: outcome.reason === "ended" ? `job already ${outcome.status}` : outcome.reason,
        };
  }

  /**
   * The lease was lost under this delivery (it ran past it, and another took the job or may):
   * a recheck comes back once the new holder's lease could have ended.
   */
  private recheckLostLease(): Promise<ConsumeOutcome> {
    const { id, analysisType, attempt } = this.job;
    return recheckLater(id, analysisType, attempt + 1, env().JOB_LEASE_MS, this.messageId);
  }

  private async fail(error: JobError, raw: unknown): Promise<ConsumeOutcome> {
    await this.report(error, raw);
    const outcome = await this.end({ status: "failed", error });
    return outcome.kind === "ack" ? { kind: "fatal", note: `failed: ${error.code}` } : outcome;
  }

  private async handle(error: unknown): Promise<ConsumeOutcome> {
    if (error instanceof Stopped) {
      if (error.reason === "canceled") return this.end({ status: "canceled" });
      if (error.reason === "lease_lost") return this.recheckLostLease();
      return { kind: "ack", note: "the job ended while running" };
    }
    const { error: jobError, retryAfterS } = classify(error);
    if (!jobError.retryable) return this.fail(jobError, error);
    await this.report(jobError, error);
    await releaseLease(this.job.id, this.token, jobError, this.nextDeliveryAt(retryAfterS)).catch(
      () => {},
    );
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
    return (
      Date.now() + (retryAfterS ? retryAfterS * 1000 : retryDelayMs(policy, this.delivery.retried))
    );
  }

  /** Files the failure with its error group (ops), sanitized; never throws. */
  private report(jobError: JobError, raw: unknown): Promise<void> {
    return recordError(
      errorEvent(
        jobError,
        `consume:${this.current?.name ?? this.lastStep}`,
        raw,
        jobError.retryable ? "retrying" : "final",
      ),
      {
        jobId: this.job.id,
        analysisType: this.job.analysisType,
        attempt: this.job.attempt,
        messageId: this.messageId,
        visitor: visitorHash(this.job.owner),
      },
    );
  }
}
