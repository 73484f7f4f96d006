/**
 * Flow control per Upstash-Flow-Control-Key (docs: features/flowcontrol, api-reference
 * flow-control): at most `parallelism` deliveries of a key in flight and at most `rate` started
 * per `period` (fixed windows), plus what the management API changes: a paused key holds its
 * messages, pinned values override what later messages carry, resetRate starts a new period now.
 * Limits are per key, not per URL; the latest publish's values win unless pinned, as in QStash.
 * A global parallelism (the plan's) bounds all deliveries together. Messages over a limit simply
 * wait; the scheduler asks again when a slot frees, a window ends or a key is resumed.
 */
import type { FlowControl, StoredMessage } from "./types.ts";

/** What outlives a restart: the limits in force and the operator's pause and pins. */
export type FlowKeyRecord = {
  key: string;
  parallelism?: number;
  rate?: number;
  periodSec: number;
  pinnedParallelism: boolean;
  pinnedRate: boolean;
  paused: boolean;
};

export type FlowKeyState = FlowKeyRecord & {
  inFlight: number;
  windowStart: number;
  started: number;
};

/** `ok`, or not yet: `until` is when a rate window reopens (absent: wait for a release or resume). */
export type GateVerdict = { ok: true } | { ok: false; until?: number };

export type FlowGate = ReturnType<typeof createFlowGate>;

export function createFlowGate(opts: { globalParallelism: number }) {
  const keys = new Map<string, FlowKeyState>();
  let globalInFlight = 0;

  function stateOf(key: string, now = Date.now()): FlowKeyState {
    let state = keys.get(key);
    if (!state) {
      state = {
        key,
        periodSec: 1,
        pinnedParallelism: false,
        pinnedRate: false,
        paused: false,
        inFlight: 0,
        windowStart: now,
        started: 0,
      };
      keys.set(key, state);
    }
    return state;
  }

  /** Started in the current window; a window that has ended counts nothing. */
  const rateCount = (s: FlowKeyState, now: number) =>
    now >= s.windowStart + s.periodSec * 1000 ? 0 : s.started;

  function rollWindow(s: FlowKeyState, now: number): void {
    if (now < s.windowStart + s.periodSec * 1000) return;
    s.windowStart = now;
    s.started = 0;
  }

  return {
    /** A published message's limits; returns the key's state when what is in force changed. */
    configure(fc: FlowControl): FlowKeyState | undefined {
      const s = stateOf(fc.key);
      const before = JSON.stringify([s.parallelism, s.rate, s.periodSec]);
      if (!s.pinnedParallelism) s.parallelism = fc.parallelism;
      if (!s.pinnedRate) [s.rate, s.periodSec] = [fc.rate, fc.periodSec];
      return before === JSON.stringify([s.parallelism, s.rate, s.periodSec]) ? undefined : s;
    },
    check(message: StoredMessage, now: number): GateVerdict {
      if (globalInFlight >= opts.globalParallelism) return { ok: false };
      const s = message.flowControl && keys.get(message.flowControl.key);
      if (!s) return { ok: true };
      if (s.paused || (s.parallelism !== undefined && s.inFlight >= s.parallelism))
        return { ok: false };
      rollWindow(s, now);
      if (s.rate !== undefined && s.started >= s.rate)
        return { ok: false, until: s.windowStart + s.periodSec * 1000 };
      return { ok: true };
    },
    acquire(message: StoredMessage, now: number): void {
      globalInFlight++;
      if (!message.flowControl) return;
      const s = stateOf(message.flowControl.key, now);
      rollWindow(s, now);
      s.inFlight++;
      s.started++;
    },
    release(message: StoredMessage): void {
      globalInFlight = Math.max(0, globalInFlight - 1);
      const s = message.flowControl && keys.get(message.flowControl.key);
      if (s) s.inFlight = Math.max(0, s.inFlight - 1);
    },
    get: (key: string) => keys.get(key),
    /** The key's state, created when the operator acts on a key no message has used yet. */
    state: stateOf,
    keys: () => [...keys.keys()],
    rateCount,
    /** Pinning resets the rate state (docs: "resets the current state (rate count and period)"). */
    pin(
      key: string,
      pin: { parallelism?: number; rate?: number; periodSec?: number },
      now: number,
    ): FlowKeyState {
      const s = stateOf(key, now);
      if (pin.parallelism !== undefined)
        [s.parallelism, s.pinnedParallelism] = [pin.parallelism, true];
      if (pin.rate !== undefined)
        [s.rate, s.periodSec, s.pinnedRate] = [pin.rate, pin.periodSec ?? s.periodSec, true];
      [s.windowStart, s.started] = [now, 0];
      return s;
    },
    /** The pinned values stay in force until a message brings others (docs: unpin). */
    unpin(key: string, which: { parallelism: boolean; rate: boolean }): FlowKeyState {
      const s = stateOf(key);
      if (which.parallelism) s.pinnedParallelism = false;
      if (which.rate) s.pinnedRate = false;
      return s;
    },
    resetRate(key: string, now: number): FlowKeyState {
      const s = stateOf(key, now);
      [s.windowStart, s.started] = [now, 0];
      return s;
    },
    global: () => ({ parallelismMax: opts.globalParallelism, parallelismCount: globalInFlight }),
    restore(record: FlowKeyRecord): void {
      Object.assign(stateOf(record.key), record);
    },
    reset(): void {
      keys.clear();
      globalInFlight = 0;
    },
  };
}

export function flowRecord(s: FlowKeyState): FlowKeyRecord {
  const { key, parallelism, rate, periodSec, pinnedParallelism, pinnedRate, paused } = s;
  return { key, parallelism, rate, periodSec, pinnedParallelism, pinnedRate, paused };
}
