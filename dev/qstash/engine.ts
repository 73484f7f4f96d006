/**
 * The delivery engine: holds pending messages, starts due ones through the scheduler and flow
 * gate, applies each attempt's outcome (deliver, retry with backoff, or DLQ plus failure
 * callback), publishes callbacks, and writes every change through the persistence in order.
 *
 * Invariants:
 * - A message stays in `pending` (and persisted) until its outcome is applied, so a stop or
 *   crash mid-attempt means it is delivered again after a restart: at least once, like QStash.
 * - Outcomes of attempts started before a stop() or flush() (an older `generation`) are ignored.
 * - Persistence writes run one at a time in the order the changes happened.
 */
import { randomInt } from "node:crypto";
import { deliver, type AttemptOutcome } from "./attempt.ts";
import { createDlq, newDlqId } from "./dlq.ts";
import { createEventLog } from "./events.ts";
import { createFlowApi } from "./flow-api.ts";
import { createFlowGate, flowRecord, type FlowKeyState } from "./flow-control.ts";
import type { Persistence } from "./persistence.ts";
import type { PublishContext } from "./publish.ts";
import { createScheduler } from "./scheduler.ts";
import { callbackBody, callbackMessage, decide } from "./settle.ts";
import type { DlqEntry, MessageState, QStashFaults, QStashStats, StoredMessage } from "./types.ts";

/** How long a deduplication id holds (docs: features/deduplication). */
export const DEDUP_WINDOW_MS = 10 * 60 * 1000;
/** Finished messages kept for GET /__admin/messages. */
const RECENT_LIMIT = 500;
const ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789";

export type EngineOptions = {
  persistence: Persistence;
  /** Deliveries in flight at once across all keys (the plan's parallelism). */
  globalParallelism: number;
  /** The plan's Upstash-Retries maximum; undefined: none. */
  maxRetries?: number;
  signingKey: string;
  faults: () => QStashFaults;
  log: (line: string) => void;
  /** Told of every message that ends (delivered, failed or cancelled): a schedule keeps its firings' states. */
  finished?: (message: StoredMessage, state: MessageState) => void;
};

export type Engine = ReturnType<typeof createEngine>;

const zeroCounters = () => ({
  published: 0,
  deduplicated: 0,
  attempted: 0,
  succeeded: 0,
  failed: 0,
  dropped: 0,
  duplicated: 0,
  cutoff: 0,
  callbacks: 0,
  canceled: 0,
});

export function createEngine(o: EngineOptions) {
  const pending = new Map<string, StoredMessage>();
  const inFlight = new Map<string, AbortController>();
  const running = new Set<Promise<void>>();
  const dlq = createDlq();
  const events = createEventLog();
  const gate = createFlowGate({ globalParallelism: o.globalParallelism });
  let recent: StoredMessage[] = [];
  let counters = zeroCounters();
  let generation = 0;
  let stopping: Promise<void> | undefined;
  let writes: Promise<void> = Promise.resolve();
  let idleWaiters: Array<() => void> = [];

  const waiting = () => [...pending.values()].filter((m) => !inFlight.has(m.messageId));
  const scheduler = createScheduler({ waiting, gate, start });
  /** A flow-control key changed: keep it across a restart, and let held messages start if they may. */
  const flowChanged = (state: FlowKeyState) => {
    quietly(write(() => o.persistence.saveFlowKey(flowRecord(state))));
    scheduler.wake();
  };
  const flow = createFlowApi({ gate, waiting, changed: flowChanged });

  /** Queues a write after the earlier ones. A failure is logged here and returned to callers who answer for it (a publish). */
  function write(fn: () => Promise<void>): Promise<void> {
    const result = writes.then(fn);
    writes = result.catch((error) =>
      o.log(`qstash: persistence write failed: ${error instanceof Error ? error.message : error}`),
    );
    return result;
  }
  /** For writes nobody waits on; their failure is already logged. */
  const quietly = (p: Promise<void>) => void p.catch(() => {});

  function context(): PublishContext {
    const newMessageId = () =>
      `msg_${Array.from({ length: 40 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join("")}`;
    return { now: Date.now(), newMessageId, maxRetries: o.maxRetries };
  }

  function enqueue(m: StoredMessage): Promise<void> {
    pending.set(m.messageId, m);
    const configured = m.flowControl && gate.configure(m.flowControl);
    if (configured) flowChanged(configured);
    if (m.kind !== "message") counters.callbacks++;
    events.record(m, "CREATED", { nextDeliveryTime: m.dueAt });
    scheduler.wake();
    return write(() => o.persistence.saveMessage(m));
  }

  function finish(
    m: StoredMessage,
    state: MessageState,
    extra: { responseStatus?: number; error?: string } = {},
  ): void {
    pending.delete(m.messageId);
    m.state = state;
    recent.push(m);
    if (recent.length > RECENT_LIMIT) recent = recent.slice(-RECENT_LIMIT);
    events.record(m, state, extra);
    o.finished?.(m, state);
    quietly(write(() => o.persistence.deleteMessage(m.messageId)));
  }

  function start(m: StoredMessage): void {
    const abort = new AbortController();
    const started = generation;
    inFlight.set(m.messageId, abort);
    m.state = "IN_PROGRESS";
    events.record(m, "ACTIVE");
    const countFault = (kind: "dropped" | "duplicated" | "cutoff") => void counters[kind]++;
    const run = deliver(m, {
      signingKey: o.signingKey,
      faults: o.faults,
      signal: abort.signal,
      countFault,
    })
      .then((outcome) => settle(m, outcome, started))
      .catch((error) =>
        o.log(
          `qstash: delivery of ${m.messageId} crashed: ${error instanceof Error ? error.stack : error}`,
        ),
      );
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  function settle(m: StoredMessage, outcome: AttemptOutcome, started: number): void {
    inFlight.delete(m.messageId);
    gate.release(m);
    scheduler.wake(); // a parallelism slot may have freed
    if (started !== generation || outcome.stopped) return checkIdle();
    const now = Date.now();
    const status = outcome.response?.status;
    m.attempts.push({
      at: now - outcome.durationMs,
      retried: m.retried,
      durationMs: outcome.durationMs,
      status,
      error: outcome.error,
      fault: outcome.fault,
    });
    counters.attempted++;
    // Canceled while in flight: this attempt could not be stopped, but nothing follows it.
    if (pending.get(m.messageId) !== m) return checkIdle();
    const decision = decide(m, outcome, now);
    const ctx = context();
    // QStash calls the callback after every attempt that got an answer, not only the last one.
    if (m.callback && outcome.response)
      quietly(enqueue(callbackMessage(m.callback, m, callbackBody(m, outcome), "callback", ctx)));
    if (decision.kind === "delivered") {
      counters.succeeded++;
      finish(m, "DELIVERED", { responseStatus: status });
    } else {
      counters.failed++;
      const response = outcome.response && {
        responseHeaders: outcome.response.header,
        responseBody: outcome.response.bodyBase64,
      };
      events.record(m, "ERROR", {
        responseStatus: status,
        ...response,
        error: outcome.error ?? `HTTP ${status}`,
      });
      if (decision.kind === "retry") {
        m.retried++;
        m.state = "RETRY";
        m.dueAt = now + Math.round(decision.waitMs);
        events.record(m, "RETRY", { nextDeliveryTime: m.dueAt });
        quietly(write(() => o.persistence.saveMessage(m)));
      } else {
        const entry: DlqEntry = {
          dlqId: newDlqId(now),
          dlqAt: now,
          message: m,
          response: outcome.response,
          error: outcome.error ?? decision.reason,
        };
        dlq.add(entry);
        quietly(write(() => o.persistence.saveDlq(entry)));
        o.log(
          `qstash: ${m.messageId} → DLQ ${entry.dlqId} (${decision.reason}; last: ${outcome.error ?? `HTTP ${status}`}) ${m.url}`,
        );
        if (m.failureCallback)
          quietly(
            enqueue(
              callbackMessage(
                m.failureCallback,
                m,
                callbackBody(m, outcome, entry.dlqId),
                "failure-callback",
                ctx,
              ),
            ),
          );
        finish(m, "FAILED", { responseStatus: status, error: decision.reason });
      }
    }
    checkIdle();
  }

  function checkIdle(): void {
    if (!stopping && (pending.size > 0 || inFlight.size > 0)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    context,
    dlq,
    events,
    flow,
    /** Dedupes, stores and schedules a parsed message; a duplicate answers with the holder's id. */
    async publish(
      m: StoredMessage,
      dedupKey?: string,
    ): Promise<{ messageId: string; deduplicated: boolean }> {
      if (stopping) throw new Error("the QStash stand-in is stopping");
      const held = dedupKey
        ? await o.persistence.claimDedup(dedupKey, m.messageId, DEDUP_WINDOW_MS)
        : null;
      if (held) {
        counters.deduplicated++;
        return { messageId: held, deduplicated: true };
      }
      counters.published++;
      await enqueue(m);
      return { messageId: m.messageId, deduplicated: false };
    },
    get: (messageId: string) => pending.get(messageId),
    /** Cancels pending messages chosen by `select`; one in flight finishes its attempt but is not retried. */
    async cancel(select: (m: StoredMessage) => boolean): Promise<number> {
      const chosen = [...pending.values()].filter(select);
      for (const m of chosen) finish(m, "CANCELED");
      counters.canceled += chosen.length;
      checkIdle();
      await writes;
      return chosen.length;
    },
    async deleteDlq(dlqIds: string[]): Promise<number> {
      const removed = dlq.remove(dlqIds);
      await write(() => o.persistence.deleteDlq(removed.map((e) => e.dlqId)));
      return removed.length;
    },
    /** Takes over what a previous run persisted; messages that were in flight are delivered again. */
    async restore(): Promise<number> {
      const loaded = await o.persistence.load();
      for (const m of loaded.messages) {
        if (m.state === "IN_PROGRESS") m.state = "RETRY";
        pending.set(m.messageId, m);
        if (m.flowControl) gate.configure(m.flowControl);
      }
      // The saved keys are the last word: pins, pauses and the limits last in force.
      for (const record of loaded.flowKeys) gate.restore(record);
      for (const entry of loaded.dlq) dlq.add(entry);
      scheduler.wake();
      return loaded.messages.length;
    },
    stats(): QStashStats {
      return {
        ...counters,
        dlq: dlq.size(),
        pending: pending.size - inFlight.size,
        inFlight: inFlight.size,
      };
    },
    snapshot: () => ({
      pending: [...pending.values()].map((m) => ({ ...m, inFlight: inFlight.has(m.messageId) })),
      recent: [...recent].reverse(),
    }),
    /** Resolves once nothing is pending or in flight and every write has landed. */
    async idle(): Promise<void> {
      if (!stopping && (pending.size > 0 || inFlight.size > 0))
        await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await writes;
    },
    async flush(): Promise<void> {
      generation++;
      for (const abort of inFlight.values()) abort.abort();
      pending.clear();
      dlq.clear();
      events.clear();
      gate.reset();
      recent = [];
      counters = zeroCounters();
      checkIdle();
      await write(() => o.persistence.flush());
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        generation++;
        scheduler.stop();
        for (const abort of inFlight.values()) abort.abort();
        await Promise.allSettled([...running]);
        await writes;
        checkIdle();
      })();
      return stopping;
    },
  };
}
