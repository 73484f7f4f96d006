/**
 * QStash schedules (docs: features/schedules): a message template and a cron expression. At
 * each time the expression names, on the real clock, the schedule publishes a new message
 * through the engine's normal path (signed, retried, logged, dead-lettered like any other),
 * carrying its scheduleId. One timer per schedule is armed for its next firing.
 *
 * Invariants:
 * - A paused schedule has no timer; resuming arms it for the next firing after now, so nothing
 *   missed while paused (or while the stand-in was down) is made up.
 * - Every change is written through the persistence in order, so with Redis a restarted
 *   stand-in has the same schedules, paused or not, and re-arms them.
 * - `lastScheduleStates` holds the messages of the last firing and how each ended.
 */
import { randomInt } from "node:crypto";
import { parseCron, type Cron } from "./cron.ts";
import { nextFireTime } from "./cron-time.ts";
import type { Engine } from "./engine.ts";
import type { Persistence } from "./persistence.ts";
import { newMessage, type Template } from "./publish.ts";
import { MAX_TIMER_MS } from "./scheduler.ts";
import type { MessageState, StoredMessage } from "./types.ts";

/** How a firing's message ended, in the SDK's words (Schedule.lastScheduleStates). */
export type ScheduleState = "IN_PROGRESS" | "SUCCESS" | "FAIL";

/** A schedule as stored (JSON), in the field names the views answer with where they match. */
export type ScheduleRecord = {
  scheduleId: string;
  /** The Upstash-Cron value, trimmed. */
  cron: string;
  /** Unix ms. */
  createdAt: number;
  /** What each firing publishes: destination, header, body and delivery settings. */
  template: Template;
  isPaused: boolean;
  /** Unix ms of the last firing. */
  lastScheduleTime?: number;
  /** The last firing's message ids and their states. */
  lastScheduleStates?: Record<string, ScheduleState>;
};

type Entry = { record: ScheduleRecord; cron: Cron; timer?: NodeJS.Timeout; due?: number };

export type Schedules = ReturnType<typeof createSchedules>;

const ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789";
/** "scd_" and 24 random letters and digits, the shape of QStash's schedule ids. */
export const newScheduleId = () =>
  `scd_${Array.from({ length: 24 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join("")}`;

export function createSchedules(o: {
  engine: Pick<Engine, "publish" | "context">;
  persistence: Persistence;
  log: (line: string) => void;
}) {
  const entries = new Map<string, Entry>();
  let stopped = false;
  let writes: Promise<void> = Promise.resolve();

  /** Queues a write after the earlier ones; a failure is logged, and returned to whoever answers for it. */
  function write(fn: () => Promise<void>): Promise<void> {
    const result = writes.then(fn);
    writes = result.catch((error) =>
      o.log(`qstash: schedule write failed: ${error instanceof Error ? error.message : error}`),
    );
    return result;
  }
  const save = (r: ScheduleRecord) => write(() => o.persistence.saveSchedule(r));

  /** Sets the next firing after `now` (none while paused) and its timer. */
  function arm(entry: Entry, now = Date.now()): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.due = entry.record.isPaused || stopped ? undefined : nextFireTime(entry.cron, now);
    if (entry.due !== undefined) wait(entry);
  }

  function wait(entry: Entry): void {
    const ms = Math.min(Math.max(0, (entry.due ?? 0) - Date.now()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => void fire(entry), ms);
  }

  async function fire(entry: Entry): Promise<void> {
    entry.timer = undefined;
    const r = entry.record;
    if (stopped || entries.get(r.scheduleId) !== entry || entry.due === undefined) return;
    // A far firing is reached in hourly steps (Node's timers overflow), and a timer may run a
    // millisecond early: not due yet, wait again.
    const now = Date.now();
    if (now < entry.due) return wait(entry);
    arm(entry, now);
    const base = { ...r.template.base, scheduleId: r.scheduleId };
    const message = newMessage(base, r.template.cfg, o.engine.context());
    r.lastScheduleTime = message.createdAt;
    r.lastScheduleStates = { [message.messageId]: "IN_PROGRESS" };
    try {
      await o.engine.publish(message);
      // Replaced or deleted meanwhile: writing this record would bring the old one back.
      if (entries.get(r.scheduleId) === entry) await save(r);
    } catch (error) {
      o.log(
        `qstash: schedule ${r.scheduleId} could not publish: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  return {
    /**
     * Creates the schedule, or replaces the one with the same id. A replaced schedule starts
     * afresh (not paused, no last firing): "the old one will be discarded and new schedule will
     * be used" (docs: sdks/ts/examples/schedules).
     */
    async put(record: ScheduleRecord, cron: Cron): Promise<void> {
      const old = entries.get(record.scheduleId);
      if (old) clearTimeout(old.timer);
      const entry: Entry = { record, cron };
      entries.set(record.scheduleId, entry);
      arm(entry);
      await save(record);
    },
    /** The schedule and, unless it is paused, the unix ms of its next firing. */
    get(scheduleId: string): { record: ScheduleRecord; next?: number } | undefined {
      const entry = entries.get(scheduleId);
      return entry && { record: entry.record, next: entry.due };
    },
    /** Oldest first. */
    list(): Array<{ record: ScheduleRecord; next?: number }> {
      return [...entries.values()]
        .sort((a, b) => a.record.createdAt - b.record.createdAt)
        .map((e) => ({ record: e.record, next: e.due }));
    },
    /** False when there is no such schedule. Messages it already published go on. */
    async remove(scheduleId: string): Promise<boolean> {
      const entry = entries.get(scheduleId);
      if (!entry) return false;
      clearTimeout(entry.timer);
      entries.delete(scheduleId);
      await write(() => o.persistence.deleteSchedule(scheduleId));
      return true;
    },
    /** Pause or resume; either is a no-op on a schedule already so. False when there is none. */
    async setPaused(scheduleId: string, paused: boolean): Promise<boolean> {
      const entry = entries.get(scheduleId);
      if (!entry) return false;
      if (entry.record.isPaused === paused) return true;
      entry.record.isPaused = paused;
      arm(entry);
      await save(entry.record);
      return true;
    },
    /** The engine reports each message's end; a firing's message updates its schedule's states. */
    settled(m: StoredMessage, state: MessageState): void {
      const entry = m.scheduleId && m.kind === "message" ? entries.get(m.scheduleId) : undefined;
      const states = entry?.record.lastScheduleStates;
      if (!entry || !states || !(m.messageId in states)) return;
      // The SDK's type has no third end: a cancelled firing did not deliver, so it failed.
      states[m.messageId] = state === "DELIVERED" ? "SUCCESS" : "FAIL";
      void save(entry.record).catch(() => {});
    },
    /** Takes over what a previous run persisted and arms it; each is written again (its TTL renewed). */
    async restore(): Promise<number> {
      const records = await o.persistence.loadSchedules();
      for (const record of records) {
        const parsed = parseCron(record.cron);
        if (!parsed.ok) {
          o.log(`qstash: schedule ${record.scheduleId} not restored: ${parsed.error}`);
          continue;
        }
        const entry: Entry = { record, cron: parsed.cron };
        entries.set(record.scheduleId, entry);
        arm(entry);
        void save(record).catch(() => {});
      }
      return entries.size;
    },
    /** Forgets every schedule (the persistence is flushed by the engine). */
    clear(): void {
      for (const entry of entries.values()) clearTimeout(entry.timer);
      entries.clear();
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const entry of entries.values()) clearTimeout(entry.timer);
      await writes;
    },
  };
}
