import "server-only";
import OpenAI from "openai";
import { env } from "@/lib/env";
import { BillMeter, estimateTokens } from "@/lib/jobs/budget";
import type { ModelRequest } from "@/lib/jobs/kind";
import type { Billing } from "@/lib/jobs/lease";
import { ProgressWriter, type StopReason } from "@/lib/jobs/progress";
import type { ModelCallRecord, Usage } from "@/lib/jobs/schema";
import {
  cancelResponse,
  type Cursor,
  ProviderResponseError,
  type StreamResult,
  streamResponse,
} from "@/lib/openai/stream";
import { StreamStalled } from "@/lib/telemetry/classify";
import { log } from "@/lib/telemetry/log";

/** What a model call needs of the run it belongs to (lib/jobs/runner.ts JobRun). */
export type ModelHost = {
  jobId: string;
  owner: string;
  token: string;
  /** The run's stop signal: a cancel, a lost lease or an end elsewhere aborts the call. */
  stop: AbortSignal;
  /** Why the run stopped, once it did. */
  stopped(): StopReason | null;
  /** The job's progress fields with `fraction` of the step under way and the partial output. */
  fields(fraction: number, partial: string): Record<string, string | number>;
  /** Stops the run for `reason`, returning the error that unwinds it. */
  halt(reason: StopReason): Error;
  /** The provider answered (a checkpoint after it closes the circuit). */
  answered(): void;
  /** Billed tokens still to be written: the provider's correction of the streamed estimate. */
  billed(tokens: number): void;
  /** The finished call's usage, for the job's total. */
  used(usage: Usage): void;
  /** The call an earlier delivery left in flight, and the partial output it showed. */
  inFlight: { record: ModelCallRecord; partial: string } | null;
  /** When this delivery should hand a call still in flight over to a continuation: in so many ms. */
  handOffInMs(): number;
  /** The error that hands the rest of the job to a continuation (the call goes on at the provider). */
  handOff(): Error;
};

/**
 * A delivery streams a call for at least this long before it hands it off, ms: every delivery
 * moves the call on, however little of its budget was left when the call began.
 */
const MIN_SHARE_MS = 1_000;
/**
 * A new background response still running this long after its id arrived is recorded at once,
 * not at the first throttled write: a worker killed before that write would leave it
 * generating, and billed, with nobody to resume it. Calls quicker than this never pay the write.
 */
const RECORD_AFTER_MS = 10;
/** A background stream that went silent is reopened this often within one delivery before it counts as stalled. */
const MAX_REOPENS = 2;

class HandingOff extends Error {}

/**
 * One model call of step `call`, streamed, with throttled partial-output writes that can abort
 * it: each write renews the lease, reads the cancel flag and bills the tokens streamed meanwhile;
 * a heartbeat keeps the lease alive while the model thinks and gives up on a stream that went
 * silent. As a background response (lib/openai/background.ts) the call outlives this delivery:
 * each write also records its cursor (the job's `modelCall`), a later delivery resumes it from
 * there instead of asking again, a delivery out of time hands off mid-call, and a cancel stops it
 * at the provider too.
 */
export async function callModel(
  host: ModelHost,
  call: string,
  req: ModelRequest,
): Promise<StreamResult> {
  if (host.stop.aborted) throw host.stop.reason;
  let resume = host.inFlight?.record.call === call ? host.inFlight : null;
  for (let reopens = 0; ; reopens++) {
    const attempt = new ModelAttempt(host, call, req, resume);
    try {
      return await attempt.run();
    } catch (error) {
      const cursor = attempt.cursor;
      if (resume && !attempt.streamedAny && isGoneOrEnded(error) && !host.stopped()) {
        // The response expired at the provider, or ended without a result: ask again.
        log("warn", "model_call_restarted", {
          jobId: host.jobId,
          step: call,
          responseId: resume.record.id,
          reason: error instanceof Error ? error.message.slice(0, 200) : String(error),
        });
        resume = null;
        continue;
      }
      if (error instanceof StreamStalled && cursor && reopens < MAX_REOPENS) {
        // The connection went quiet, not necessarily the response: pick it up where it was.
        resume = { record: attempt.record(cursor), partial: attempt.partial };
        continue;
      }
      throw error;
    }
  }
}

const isCancelled = (error: unknown) =>
  error instanceof ProviderResponseError && error.code === "response.cancelled";
const isGoneOrEnded = (error: unknown) =>
  error instanceof OpenAI.NotFoundError || error instanceof ProviderResponseError;

/** One HTTP stream of the call: a new request, or a resumed background response. */
class ModelAttempt {
  private readonly controller = new AbortController();
  private readonly meter: BillMeter;
  private readonly writer: ProgressWriter;
  cursor: Cursor | null;
  streamedAny = false;
  /** The delivery's time is up: hand off as soon as the call can be resumed (its cursor is known). */
  private timeUp = false;
  private handingOff = false;
  /** The early write of a new response's cursor, pending (see RECORD_AFTER_MS). */
  private recordSoon: ReturnType<typeof setTimeout> | null = null;
  private readonly resumed: boolean;

  constructor(
    private readonly host: ModelHost,
    private readonly call: string,
    private readonly req: ModelRequest,
    resume: { record: ModelCallRecord; partial: string } | null,
  ) {
    const promptTokens = estimateTokens(req.instructions.length + req.input.length);
    this.meter = new BillMeter(promptTokens, resume?.record.billed ?? 0);
    this.cursor = resume ? { id: resume.record.id, seq: resume.record.seq } : null;
    this.resumed = resume !== null;
    const bill = (): Billing => ({
      owner: host.owner,
      tokens: this.meter.streaming(this.writer.streamed),
    });
    this.writer = new ProgressWriter(
      host.jobId,
      host.token,
      (partial, fraction) => this.fields(partial, fraction),
      req.format ? 1_500 : 800,
      (reason) => this.controller.abort(host.halt(reason)),
      bill,
      resume ? { partial: resume.partial, chars: resume.record.chars } : undefined,
    );
  }

  get partial(): string {
    return this.writer.shown;
  }

  /** The progress fields, with the call's cursor while it is a background response. */
  private fields(partial: string, fraction: number): Record<string, string | number> {
    const fields = this.host.fields(fraction, partial);
    if (this.cursor) fields.modelCall = JSON.stringify(this.record(this.cursor));
    return fields;
  }

  record(cursor: Cursor): ModelCallRecord {
    return {
      call: this.call,
      id: cursor.id,
      seq: cursor.seq,
      chars: this.writer.streamed,
      billed: this.meter.billed,
    };
  }

  async run(): Promise<StreamResult> {
    const { host, controller, writer } = this;
    const onStop = () => controller.abort(host.stop.reason);
    host.stop.addEventListener("abort", onStop, { once: true });
    // A background call still in flight when the delivery's time is up goes on in the next one.
    const timeUp = setTimeout(
      () => {
        this.timeUp = true;
        this.handOffIfResumable();
      },
      Math.max(MIN_SHARE_MS, host.handOffInMs()),
    );
    // Keeps the lease alive while the model thinks, and gives up on a stream that went silent.
    const heartbeat = setInterval(() => {
      if (Date.now() - writer.lastActivity > env().OPENAI_STALL_TIMEOUT_MS)
        controller.abort(new StreamStalled());
      // Every 2 s at most: often enough to see a cancel fast, rare enough to stay cheap.
      else writer.heartbeat(Math.min(env().JOB_LEASE_MS / 3, 2_000));
    }, 1_000);
    try {
      const result = await streamResponse({
        ...this.req,
        signal: controller.signal,
        resume: this.cursor ?? undefined,
        onDelta: (d) => {
          this.streamedAny = true;
          writer.push(d);
        },
        onEvent: () => writer.touch(),
        onCursor: (cursor) => {
          if (!this.cursor && !this.resumed)
            this.recordSoon = setTimeout(() => writer.writeNow(), RECORD_AFTER_MS);
          this.cursor = cursor;
          this.handOffIfResumable();
        },
        metadata: { job_id: host.jobId, step: this.call },
      });
      host.answered();
      await writer.settle();
      // The provider's own figure corrects the estimates written while streaming: with the step's checkpoint.
      host.billed(this.meter.settle(result.usage));
      if (writer.stopReason) throw host.halt(writer.stopReason);
      host.used(result.usage);
      return result;
    } catch (error) {
      await writer.settle();
      if (this.handingOff && !writer.stopReason) {
        // Where the call stands goes with one last write; the next delivery resumes from there.
        await writer.flush();
        if (!writer.stopReason) throw host.handOff();
      }
      // A response cancelled at the provider (the cancel route does that too): was the job canceled?
      if (isCancelled(error) && !writer.stopReason) await writer.flush();
      const reason = writer.stopReason ?? host.stopped();
      if (reason) {
        // Canceled, or the job ended elsewhere: the provider stops generating (and billing) too.
        // A lost lease leaves it running: the delivery that holds the job now resumes it.
        if (this.cursor && reason !== "lease_lost") await cancelResponse(this.cursor.id);
        throw host.halt(reason);
      }
      throw controller.signal.reason instanceof StreamStalled ? controller.signal.reason : error;
    } finally {
      if (this.recordSoon) clearTimeout(this.recordSoon);
      clearTimeout(timeUp);
      clearInterval(heartbeat);
      host.stop.removeEventListener("abort", onStop);
    }
  }

  private handOffIfResumable(): void {
    if (!this.timeUp || !this.cursor || this.handingOff) return;
    this.handingOff = true;
    this.controller.abort(new HandingOff());
  }
}
