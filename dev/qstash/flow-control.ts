/**
 * Flow control per Upstash-Flow-Control-Key (docs: features/flowcontrol): at most `parallelism`
 * deliveries of a key in flight, and at most `rate` deliveries started per `period` (fixed
 * windows). Limits are per key, not per URL, and the latest publish's values win, as in QStash.
 * Messages over a limit simply wait; the scheduler asks again when a slot frees or a window ends.
 */
import type { FlowControl, StoredMessage } from "./types.ts";

type KeyState = { limits: FlowControl; inFlight: number; windowStart: number; started: number };

/** `ok`, or not yet: `until` is when a rate window reopens (absent: wait for a release). */
export type GateVerdict = { ok: true } | { ok: false; until?: number };

export type FlowGate = {
  configure(limits: FlowControl): void;
  check(message: StoredMessage, now: number): GateVerdict;
  acquire(message: StoredMessage, now: number): void;
  release(message: StoredMessage): void;
  reset(): void;
};

export function createFlowGate(): FlowGate {
  const keys = new Map<string, KeyState>();

  function stateOf(message: StoredMessage): KeyState | undefined {
    const fc = message.flowControl;
    if (!fc) return undefined;
    let state = keys.get(fc.key);
    if (!state) {
      state = { limits: fc, inFlight: 0, windowStart: 0, started: 0 };
      keys.set(fc.key, state);
    }
    return state;
  }

  function rollWindow(state: KeyState, now: number): void {
    const periodMs = state.limits.periodSec * 1000;
    if (now >= state.windowStart + periodMs) {
      state.windowStart = now;
      state.started = 0;
    }
  }

  return {
    configure(limits) {
      const state = keys.get(limits.key);
      if (state) state.limits = limits;
      else keys.set(limits.key, { limits, inFlight: 0, windowStart: 0, started: 0 });
    },
    check(message, now) {
      const state = stateOf(message);
      if (!state) return { ok: true };
      const { parallelism, rate, periodSec } = state.limits;
      if (parallelism !== undefined && state.inFlight >= parallelism) return { ok: false };
      rollWindow(state, now);
      if (rate !== undefined && state.started >= rate) return { ok: false, until: state.windowStart + periodSec * 1000 };
      return { ok: true };
    },
    acquire(message, now) {
      const state = stateOf(message);
      if (!state) return;
      rollWindow(state, now);
      state.inFlight++;
      state.started++;
    },
    release(message) {
      const state = message.flowControl && keys.get(message.flowControl.key);
      if (state) state.inFlight = Math.max(0, state.inFlight - 1);
    },
    reset() {
      keys.clear();
    },
  };
}
