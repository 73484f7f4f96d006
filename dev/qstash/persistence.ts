/**
 * Where the stand-in keeps what must outlive it. The engine (and schedules.ts) hold the working
 * state in memory and write every change through a Persistence, so a Redis-backed one lets a
 * restarted stand-in resume pending deliveries and keep its DLQ, deduplication ids, flow-control
 * keys and schedules. The in-memory one persists nothing except dedupe ids (which it alone
 * answers for).
 */
import type { FlowKeyRecord } from "./flow-control.ts";
import type { ScheduleRecord } from "./schedules.ts";
import type { DlqEntry, StoredMessage } from "./types.ts";

export type Persistence = {
  /** What a previous run left: pending messages (in flight ones included), the DLQ, flow-control keys. */
  load(): Promise<{ messages: StoredMessage[]; dlq: DlqEntry[]; flowKeys: FlowKeyRecord[] }>;
  saveMessage(message: StoredMessage): Promise<void>;
  deleteMessage(messageId: string): Promise<void>;
  saveDlq(entry: DlqEntry): Promise<void>;
  deleteDlq(dlqIds: string[]): Promise<void>;
  /** A flow-control key's limits, pins and pause, written whenever one of them changes. */
  saveFlowKey(record: FlowKeyRecord): Promise<void>;
  /** Schedules (schedules.ts keeps them in memory and writes each change here). */
  loadSchedules(): Promise<ScheduleRecord[]>;
  saveSchedule(record: ScheduleRecord): Promise<void>;
  deleteSchedule(scheduleId: string): Promise<void>;
  /**
   * Claims `key` for `messageId` for `ttlMs`. Returns null when claimed, or the message id that
   * already holds it (the publish is then a duplicate).
   */
  claimDedup(key: string, messageId: string, ttlMs: number): Promise<string | null>;
  /** Drops everything this stand-in stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

export function memoryPersistence(): Persistence {
  const dedup = new Map<string, { messageId: string; until: number }>();
  return {
    async load() {
      return { messages: [], dlq: [], flowKeys: [] };
    },
    async saveMessage() {},
    async deleteMessage() {},
    async saveDlq() {},
    async deleteDlq() {},
    async saveFlowKey() {},
    async loadSchedules() {
      return [];
    },
    async saveSchedule() {},
    async deleteSchedule() {},
    async claimDedup(key, messageId, ttlMs) {
      const now = Date.now();
      const held = dedup.get(key);
      if (held && held.until > now) return held.messageId;
      dedup.set(key, { messageId, until: now + ttlMs });
      // Expired claims are swept on the way so a long dev session does not grow without bound.
      if (dedup.size > 10_000) for (const [k, v] of dedup) if (v.until <= now) dedup.delete(k);
      return null;
    },
    async flush() {
      dedup.clear();
    },
    async close() {},
  };
}
