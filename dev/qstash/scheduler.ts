/**
 * Starts deliveries when they are due. There is no polling loop: one timer is armed for the
 * earliest moment something can start (the next due time, or a flow-control rate window
 * reopening), and `wake()` is called whenever the picture changes (a publish, a settled
 * attempt freeing a parallelism slot, a cancel). Due messages start in due-time order, so
 * messages held back by flow control keep their order.
 */
import type { FlowGate } from "./flow-control.ts";
import type { StoredMessage } from "./types.ts";

export type Scheduler = {
  /** Re-examines the waiting messages soon (coalesced: many wakes in one tick pump once). */
  wake(): void;
  stop(): void;
};

/** Node timers overflow past 2^31-1 ms; far-off deliveries are re-checked hourly instead. */
export const MAX_TIMER_MS = 3_600_000;

export function createScheduler(opts: {
  /** Pending messages that are not in flight. */
  waiting: () => Iterable<StoredMessage>;
  gate: FlowGate;
  /** Begins a delivery; the gate slot is already acquired. */
  start: (message: StoredMessage) => void;
}): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let queued = false;
  let stopped = false;

  function pump(): void {
    queued = false;
    if (stopped) return;
    const now = Date.now();
    const candidates = [...opts.waiting()].sort(
      (a, b) => a.dueAt - b.dueAt || a.createdAt - b.createdAt,
    );
    let next = Number.POSITIVE_INFINITY;
    for (const message of candidates) {
      if (message.dueAt > now) {
        next = Math.min(next, message.dueAt);
        break;
      }
      const verdict = opts.gate.check(message, now);
      if (verdict.ok) {
        opts.gate.acquire(message, now);
        opts.start(message);
      } else if (verdict.until !== undefined) {
        next = Math.min(next, verdict.until);
      }
    }
    arm(next, now);
  }

  function arm(at: number, now: number): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!Number.isFinite(at)) return;
    timer = setTimeout(wake, Math.min(Math.max(0, at - now), MAX_TIMER_MS));
  }

  function wake(): void {
    if (queued || stopped) return;
    queued = true;
    setImmediate(pump);
  }

  return {
    wake,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
