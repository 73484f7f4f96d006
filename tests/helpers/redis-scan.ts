import { Redis } from "@upstash/redis";

/** A raw SDK client on the test stack, for asserting on Redis state the app wrote. */
export function testRedis(): Redis {
  return new Redis({
    url: process.env.UPSTASH_REDIS_REST_URL!,
    token: process.env.UPSTASH_REDIS_REST_TOKEN!,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
}

/** Every key under `prefix`, with its TTL in seconds (-1: none, -2: gone). */
export async function keysWithTtl(prefix: string): Promise<Array<{ key: string; ttl: number }>> {
  const redis = testRedis();
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, { match: `${prefix}*`, count: 500 });
    cursor = String(next);
    found.push(...batch);
  } while (cursor !== "0");
  const ttls = found.length ? await Promise.all(found.map((k) => redis.ttl(k))) : [];
  return found.map((key, i) => ({ key, ttl: ttls[i] }));
}

/** Invariant 6: every key the suite's app wrote has a TTL. */
export async function keysWithoutTtl(prefix: string): Promise<string[]> {
  return (await keysWithTtl(prefix)).filter((k) => k.ttl < 0).map((k) => k.key);
}
