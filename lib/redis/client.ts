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
  });
  return client;
}
