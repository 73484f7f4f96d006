import "server-only";
import { Redis } from "@upstash/redis";
import { env } from "@/lib/env";

let client: Redis | undefined;

/**
 * The one Upstash Redis client. Automatic deserialization is off: it turns long numeric strings
 * into rounded numbers (upstash/redis-js#37, #497), so values are stored and read as strings and
 * parsed by our own zod schemas.
 */
export function redis(): Redis {
  const e = env();
  client ??= new Redis({
    url: e.UPSTASH_REDIS_REST_URL,
    token: e.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    enableTelemetry: false,
    // A refused connection is retried 3 times (50, 136, 369 ms): a blip is ridden out, an
    // outage is told within about half a second (503 to the browser, a retry to QStash).
    retry: { retries: 3 },
  });
  return client;
}

/**
 * HGETALL as a field map, or null when the key does not exist. With automatic deserialization
 * off the SDK hands back Redis's flat [field, value, …] reply; values stay strings.
 */
export async function hgetallRecord(key: string): Promise<Record<string, string> | null> {
  const reply: unknown = await redis().hgetall(key);
  if (!Array.isArray(reply) || reply.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}
