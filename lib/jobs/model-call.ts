import "server-only";
import { env } from "@/lib/env";
import { BillMeter, estimateTokens } from "@/lib/jobs/budget";
import type { ModelRequest } from "@/lib/jobs/kind";
import type { Billing } from "@/lib/jobs/lease";
import { ProgressWriter, type StopReason } from "@/lib/jobs/progress";
import type { Usage } from "@/lib/jobs/schema";
import { streamResponse, type StreamResult } from "@/lib/openai/stream";
import { StreamStalled } from "@/lib/telemetry/classify";

/** What a model call needs of the run it belongs to (lib/jobs/runner.ts JobRun). */
export type ModelHost = {
  jobId: string;
  owner: string;
  token: string;
  /** The run's stop signal: a cancel, a lost lease or an end elsewhere aborts the call. */
  stop: AbortSignal;
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
};

/**
 * Streams one OpenAI call with throttled partial-output writes that can abort it: each write
 * renews the lease, reads the cancel flag and bills the tokens streamed meanwhile; a heartbeat
 * keeps the lease alive while the model thinks and gives up on a stream that went silent.
 */
export async function callModel(
  host: ModelHost,
  name: string,
  req: ModelRequest,
): Promise<StreamResult> {
  const controller = new AbortController();
  if (host.stop.aborted) throw host.stop.reason;
  const onStop = () => controller.abort(host.stop.reason);
  host.stop.addEventListener("abort", onStop, { once: true });
  const meter = new BillMeter(estimateTokens(req.instructions.length + req.input.length));
  const bill = (): Billing => ({
    owner: host.owner,
    tokens: meter.streaming(writer.streamed),
  });
  const writer = new ProgressWriter(
    host.jobId,
    host.token,
    (partial, fraction) => host.fields(fraction, partial),
    req.format ? 1_500 : 800,
    (reason) => controller.abort(host.halt(reason)),
    bill,
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
      ...req,
      signal: controller.signal,
      onDelta: (d) => writer.push(d),
      onEvent: () => writer.touch(),
      metadata: { job_id: host.jobId, step: name },
    });
    host.answered();
    await writer.settle();
    // The provider's own figure corrects the estimates written while streaming: with the step's checkpoint.
    host.billed(meter.settle(result.usage));
    if (writer.stopReason) throw host.halt(writer.stopReason);
    host.used(result.usage);
    return result;
  } catch (error) {
    await writer.settle();
    if (writer.stopReason) throw host.halt(writer.stopReason);
    throw controller.signal.reason instanceof StreamStalled ? controller.signal.reason : error;
  } finally {
    clearInterval(heartbeat);
    host.stop.removeEventListener("abort", onStop);
  }
}
