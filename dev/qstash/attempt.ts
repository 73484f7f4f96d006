/**
 * One delivery attempt of a message, as QStash makes it (docs: howto/receiving): the original
 * body and method, Content-Type and forwarded headers, a fresh Upstash-Signature, and
 * Upstash-Message-Id / Upstash-Retried / User-Agent / Upstash-Caller-Ip, plus Upstash-Schedule-Id
 * when a schedule published it. Injected faults
 * (latency, drop, duplicate, cutoff) are applied here, so the engine only sees outcomes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { flatHeaders } from "./headers.ts";
import { httpCall } from "./http-call.ts";
import { signDelivery } from "./signing.ts";
import type { DestinationResponse, QStashFaults, StoredMessage } from "./types.ts";

/**
 * QStash aborts an attempt after the plan's "Max HTTP Response Duration" when no Upstash-Timeout
 * is given; 15 minutes is the free plan's documented value (pricing: Max HTTP Response Duration).
 */
export const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;

export type AttemptOutcome = {
  /** Present when the destination answered (and the answer was not lost to a fault). */
  response?: DestinationResponse;
  error?: string;
  fault?: "drop" | "cutoff";
  /** The stand-in stopped mid-attempt: nothing is known, the message stays pending. */
  stopped?: boolean;
  durationMs: number;
};

export type FaultCounter = (kind: "dropped" | "duplicated" | "cutoff") => void;

export async function deliver(
  message: StoredMessage,
  ctx: {
    signingKey: string;
    faults: () => QStashFaults;
    signal: AbortSignal;
    countFault: FaultCounter;
  },
): Promise<AttemptOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const { signal } = ctx;
  await faultDelay(started, ctx.faults, signal);
  if (signal.aborted) return { stopped: true, durationMs: elapsed() };
  const faults = ctx.faults();
  if (chance(faults.dropRate)) {
    ctx.countFault("dropped");
    return {
      error: "dropped before delivery (fault injection: dropRate)",
      fault: "drop",
      durationMs: elapsed(),
    };
  }
  const body = Buffer.from(message.bodyBase64, "base64");
  const call = () => ({
    url: message.url,
    method: message.method,
    headers: deliveryHeaders(message, ctx.signingKey, body),
    body,
    timeoutMs: message.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal,
  });
  if (chance(faults.duplicateRate)) {
    ctx.countFault("duplicated");
    // The twin's answer is ignored: QStash counts one attempt, the destination sees two.
    void httpCall(call());
  }
  const cut = chance(faults.cutoffRate);
  if (cut) ctx.countFault("cutoff");
  const result = await httpCall({
    ...call(),
    cutoffAfterMs: cut ? (faults.cutoffAfterMs ?? 10) : undefined,
  });
  if (result.ok) {
    return {
      response: {
        status: result.status,
        header: result.header,
        bodyBase64: result.body.toString("base64"),
      },
      durationMs: elapsed(),
    };
  }
  if (result.reason === "aborted") return { stopped: true, durationMs: elapsed() };
  return {
    error: result.error,
    fault: result.reason === "cutoff" ? "cutoff" : undefined,
    durationMs: elapsed(),
  };
}

/**
 * The delayMs fault. The knob is re-read while waiting, so lowering it (setFaults({})) releases
 * attempts already held back, which is how tests "keep a message queued for a while".
 */
async function faultDelay(
  started: number,
  faults: () => QStashFaults,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const remaining = started + (faults().delayMs ?? 0) - Date.now();
    if (remaining <= 0 || signal.aborted) return;
    await sleep(Math.min(remaining, 50), undefined, { signal }).catch(() => {});
  }
}

function deliveryHeaders(
  message: StoredMessage,
  signingKey: string,
  body: Buffer,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...flatHeaders(message.header),
    "User-Agent": "Upstash-QStash",
    "Upstash-Signature": signDelivery(signingKey, message.url, body),
    "Upstash-Message-Id": message.messageId,
    "Upstash-Retried": String(message.retried),
  };
  if (message.callerIp) headers["Upstash-Caller-Ip"] = message.callerIp;
  if (message.scheduleId) headers["Upstash-Schedule-Id"] = message.scheduleId;
  return headers;
}

function chance(rate: number | undefined): boolean {
  return rate !== undefined && rate > 0 && Math.random() < rate;
}
