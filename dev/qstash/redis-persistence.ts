/**
 * Persistence in a real Redis (ioredis), so a restarted stand-in resumes where it stopped:
 *   {prefix}msg:{messageId}   JSON of a pending message    TTL: until due + 7 days
 *   {prefix}dlq:{dlqId}       JSON of a DLQ entry           TTL: 7 days (QStash's DLQ retention is plan-bound)
 *   {prefix}dedup:{sha256}    message id holding a dedupe id TTL: the deduplication window
 *   {prefix}fc:{key}          JSON of a flow-control key     TTL: 7 days after its last change
 *   {prefix}sched:{id}        JSON of a schedule             TTL: 7 days after its last change
 * Every key has a TTL, so nothing the stand-in writes outlives its use in a shared database. A
 * schedule changes at each tick and is written again at each start, so only one nobody ran a
 * stand-in for in 7 days (or paused and left for 7 days) is forgotten.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { FlowKeyRecord } from "./flow-control.ts";
import type { Persistence } from "./persistence.ts";
import type { ScheduleRecord } from "./schedules.ts";
import type { DlqEntry, StoredMessage } from "./types.ts";

const KEEP_MS = 7 * 24 * 3600 * 1000;

export async function redisPersistence(url: string, prefix: string): Promise<Persistence> {
  // Fail fast when Redis is unreachable instead of queueing commands forever.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
  });
  // Connection errors surface as failed commands, which the engine logs; without a listener
  // ioredis would also print every reconnect attempt as an unhandled error event.
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `QStash stand-in: cannot reach Redis at ${url}: ${error instanceof Error ? error.message : error}`,
    );
  }
  const msgKey = (id: string) => `${prefix}msg:${id}`;
  const dlqKey = (id: string) => `${prefix}dlq:${id}`;
  const scheduleKey = (id: string) => `${prefix}sched:${id}`;

  async function scanKeys(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    return keys;
  }

  async function readAll<T>(pattern: string): Promise<T[]> {
    const keys = await scanKeys(pattern);
    const out: T[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const values = await redis.mget(keys.slice(i, i + 500));
      for (const value of values) if (value) out.push(JSON.parse(value) as T);
    }
    return out;
  }

  return {
    async load() {
      const messages = await readAll<StoredMessage>(`${prefix}msg:*`);
      const dlq = await readAll<DlqEntry>(`${prefix}dlq:*`);
      const flowKeys = await readAll<FlowKeyRecord>(`${prefix}fc:*`);
      messages.sort((a, b) => a.dueAt - b.dueAt || a.createdAt - b.createdAt);
      dlq.sort((a, b) => a.dlqAt - b.dlqAt || a.dlqId.localeCompare(b.dlqId));
      return { messages, dlq, flowKeys };
    },
    async saveMessage(message) {
      const ttl = Math.max(0, message.dueAt - Date.now()) + KEEP_MS;
      await redis.set(msgKey(message.messageId), JSON.stringify(message), "PX", Math.round(ttl));
    },
    async deleteMessage(messageId) {
      await redis.del(msgKey(messageId));
    },
    async saveDlq(entry) {
      await redis.set(dlqKey(entry.dlqId), JSON.stringify(entry), "PX", KEEP_MS);
    },
    async deleteDlq(dlqIds) {
      if (dlqIds.length) await redis.del(...dlqIds.map(dlqKey));
    },
    async saveFlowKey(record) {
      await redis.set(`${prefix}fc:${record.key}`, JSON.stringify(record), "PX", KEEP_MS);
    },
    async loadSchedules() {
      const schedules = await readAll<ScheduleRecord>(`${prefix}sched:*`);
      return schedules.sort((a, b) => a.createdAt - b.createdAt);
    },
    async saveSchedule(record) {
      await redis.set(scheduleKey(record.scheduleId), JSON.stringify(record), "PX", KEEP_MS);
    },
    async deleteSchedule(scheduleId) {
      await redis.del(scheduleKey(scheduleId));
    },
    async claimDedup(key, messageId, ttlMs) {
      const redisKey = `${prefix}dedup:${createHash("sha256").update(key).digest("hex")}`;
      // SET NX makes concurrent publishes of one id race safely: exactly one claims it. A
      // holder that expires between SET and GET leaves the key free, so claim again once.
      for (let round = 0; round < 2; round++) {
        if ((await redis.set(redisKey, messageId, "PX", ttlMs, "NX")) === "OK") return null;
        const holder = await redis.get(redisKey);
        if (holder) return holder;
      }
      return null;
    },
    async flush() {
      const keys = await scanKeys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
