import "server-only";
import { checkpoint, type Billing, type WriteOutcome } from "@/lib/jobs/lease";

/** Minimum time between two partial-output writes of one job, in ms. */
export const PROGRESS_INTERVAL_MS = 500;
/** How much of the streamed text the job keeps while running (the UI shows the tail), in characters. */
export const PARTIAL_TAIL_CHARS = 1_200;

export type StopReason = "canceled" | "lease_lost" | "ended";

/**
 * Streams partial output into the job at most every PROGRESS_INTERVAL_MS. Each write renews the
 * lease, reads the cancel flag and adds the tokens billed meanwhile to the budget; when a write
 * says stop, `abort` is called at once so the in-flight OpenAI request is cut instead of paid to
 * the end.
 */
export class ProgressWriter {
  /** The tail of the output, as the job shows it. */
  private text: string;
  /** Characters streamed in all (by earlier deliveries too, for a resumed call). */
  private chars: number;
  private lastWrite = Date.now();
  /** When the stream last showed life, ms epoch. */
  lastActivity = Date.now();
  private inFlight: Promise<void> | null = null;
  stopReason: StopReason | null = null;

  constructor(
    private readonly jobId: string,
    private readonly token: string,
    private readonly fields: (partial: string, fraction: number) => Record<string, string | number>,
    private readonly expectedChars: number,
    private readonly abort: (reason: StopReason) => void,
    /** Tokens billed since the last write (lib/jobs/budget.ts BillMeter), written with each write. */
    private readonly bill?: () => Billing,
    /** A resumed call: the partial output shown so far, and how many characters had streamed. */
    resumed?: { partial: string; chars: number },
  ) {
    this.text = resumed?.partial ?? "";
    this.chars = resumed?.chars ?? 0;
  }

  /** Characters streamed so far (by earlier deliveries too, for a resumed call). */
  get streamed(): number {
    return this.chars;
  }

  /** The partial output as the job shows it: the tail of what streamed. */
  get shown(): string {
    return this.text.slice(-PARTIAL_TAIL_CHARS);
  }

  /** The stream showed life (any event). */
  touch(): void {
    this.lastActivity = Date.now();
  }

  push(delta: string): void {
    this.text += delta;
    this.chars += delta.length;
    this.write(PROGRESS_INTERVAL_MS);
  }

  /** Writes (renewing the lease) if nothing was written for `intervalMs`, even without new text. */
  heartbeat(intervalMs: number): void {
    this.write(intervalMs);
  }

  private write(minIntervalMs: number): void {
    const now = Date.now();
    if (this.inFlight || now - this.lastWrite < minIntervalMs) return;
    this.lastWrite = now;
    this.text = this.text.slice(-PARTIAL_TAIL_CHARS);
    const fraction = Math.min(0.95, this.streamed / this.expectedChars);
    // Billing first: the fields may record what was billed (lib/jobs/model-call.ts).
    const bill = this.bill?.();
    this.inFlight = checkpoint(
      this.jobId,
      this.token,
      this.fields(this.text, fraction),
      undefined,
      bill,
    )
      .then((outcome) => this.react(outcome))
      .catch(() => {
        // A failed progress write is not fatal: the next one or the step checkpoint will tell.
      })
      .finally(() => {
        this.inFlight = null;
      });
  }

  /** Writes now, whatever the interval (unless a write is in flight). */
  writeNow(): void {
    this.write(0);
  }

  /** Writes now, whatever the interval, and waits for it: a hand-off records where the call stands. */
  async flush(): Promise<void> {
    await this.settle();
    this.write(0);
    await this.settle();
  }

  /** Waits for a write still in flight, so nothing lands after the step's own checkpoint. */
  async settle(): Promise<void> {
    await this.inFlight;
  }

  private react(outcome: WriteOutcome) {
    const reason: StopReason | null = outcome.ok
      ? outcome.cancelRequested
        ? "canceled"
        : null
      : outcome.reason === "lease_lost"
        ? "lease_lost"
        : "ended";
    if (reason && !this.stopReason) {
      this.stopReason = reason;
      this.abort(reason);
    }
  }
}
