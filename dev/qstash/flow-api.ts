/**
 * QStash's flow-control management API over the engine's gate, in the shapes @upstash/qstash
 * 2.12's FlowControlApi parses (FlowControlInfo, GlobalParallelismInfo). Every change is handed
 * to `changed`, which persists the key and wakes the scheduler (a resume, a wider pin or a reset
 * rate can let waiting messages start at once).
 */
import type { FlowGate, FlowKeyState } from "./flow-control.ts";
import type { StoredMessage } from "./types.ts";

/** GET /v2/flowControl/{key}: counts are live; unset limits read 0, as the SDK defaults them. */
export type FlowControlInfo = {
  flowControlKey: string;
  /** Messages of the key that are due but held by the gate (paused, or over a limit). */
  waitListSize: number;
  parallelismMax: number;
  parallelismCount: number;
  rateMax: number;
  rateCount: number;
  /** Seconds. */
  ratePeriod: number;
  /** Unix seconds (API reference: FlowControlKey.ratePeriodStart). */
  ratePeriodStart: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
};

export type FlowApi = ReturnType<typeof createFlowApi>;

export function createFlowApi(o: {
  gate: FlowGate;
  waiting: () => Iterable<StoredMessage>;
  changed: (state: FlowKeyState) => void;
}) {
  const { gate } = o;

  function waitListSizes(now: number): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const m of o.waiting()) {
      if (m.flowControl && m.dueAt <= now)
        sizes.set(m.flowControl.key, (sizes.get(m.flowControl.key) ?? 0) + 1);
    }
    return sizes;
  }

  function info(s: FlowKeyState, now: number, sizes: Map<string, number>): FlowControlInfo {
    return {
      flowControlKey: s.key,
      waitListSize: sizes.get(s.key) ?? 0,
      parallelismMax: s.parallelism ?? 0,
      parallelismCount: s.inFlight,
      rateMax: s.rate ?? 0,
      rateCount: gate.rateCount(s, now),
      ratePeriod: s.periodSec,
      ratePeriodStart: Math.floor(s.windowStart / 1000),
      isPaused: s.paused,
      isPinnedParallelism: s.pinnedParallelism,
      isPinnedRate: s.pinnedRate,
    };
  }

  const change = (s: FlowKeyState) => void o.changed(s);

  return {
    get(key: string): FlowControlInfo | undefined {
      const s = gate.get(key);
      const now = Date.now();
      return s && info(s, now, waitListSizes(now));
    },
    /** Every key, or those whose name contains `search` (the list endpoint's search parameter). */
    list(search?: string): FlowControlInfo[] {
      const now = Date.now();
      const sizes = waitListSizes(now);
      return gate
        .keys()
        .filter((key) => !search || key.includes(search))
        .sort()
        .map((key) => info(gate.get(key)!, now, sizes));
    },
    /** Held messages stay in the waitlist and new ones join it; the rate period keeps running. */
    pause(key: string) {
      const s = gate.state(key);
      s.paused = true;
      change(s);
    },
    resume(key: string) {
      const s = gate.state(key);
      s.paused = false;
      change(s);
    },
    pin: (key: string, pin: { parallelism?: number; rate?: number; periodSec?: number }) =>
      change(gate.pin(key, pin, Date.now())),
    unpin: (key: string, which: { parallelism: boolean; rate: boolean }) =>
      change(gate.unpin(key, which)),
    resetRate: (key: string) => change(gate.resetRate(key, Date.now())),
    global: () => gate.global(),
  };
}
