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

/** A job's hash as the app stored it, field → string ({} when it is gone). */
export async function jobFields(prefix: string, jobId: string): Promise<Record<string, string>> {
  const pairs = (await testRedis().hgetall(`${prefix}job:${jobId}`)) as unknown;
  const out: Record<string, string> = {};
  if (Array.isArray(pairs))
    for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = String(pairs[i + 1]);
  return out;
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

/** Every key under `prefix` with its whole content as text (hash, string, list, set, zset), in two pipelines. */
export async function dumpKeys(prefix: string): Promise<Array<{ key: string; text: string }>> {
  const redis = testRedis();
  const found = (await keysWithTtl(prefix)).map((k) => k.key);
  if (found.length === 0) return [];
  const typesPipe = redis.pipeline();
  for (const key of found) typesPipe.type(key);
  const types = (await typesPipe.exec()) as string[];
  const pipe = redis.pipeline();
  found.forEach((key, i) => {
    if (types[i] === "hash") pipe.hgetall(key);
    else if (types[i] === "list") pipe.lrange(key, 0, -1);
    else if (types[i] === "set") pipe.smembers(key);
    else if (types[i] === "zset") pipe.zrange(key, 0, -1);
    else pipe.get(key);
  });
  const values = (await pipe.exec()) as unknown[];
  return found.map((key, i) => ({ key, text: JSON.stringify(values[i]) }));
}

/**
 * Invariant 6: no secret of the environment, and no raw visitor id in ops data, anywhere the
 * suite's app wrote. Returns "key: what" for each finding.
 */
export async function leakedSecrets(
  prefix: string,
  env: Record<string, string | undefined>,
): Promise<string[]> {
  const secrets = [
    "OPENAI_API_KEY",
    "QSTASH_TOKEN",
    "QSTASH_CURRENT_SIGNING_KEY",
    "QSTASH_NEXT_SIGNING_KEY",
    "SESSION_SECRET",
    "OPS_TOKEN",
    "UPSTASH_REDIS_REST_TOKEN",
  ]
    .map((name) => [name, env[name]] as const)
    .filter((pair): pair is readonly [string, string] => Boolean(pair[1] && pair[1].length >= 8));
  const findings: string[] = [];
  for (const { key, text } of await dumpKeys(prefix)) {
    for (const [name, value] of secrets) if (text.includes(value)) findings.push(`${key}: ${name}`);
    // Ops data and analytics name visitors by their keyed hash (vh_…), in values and key names.
    const ops = /^(metrics|errors|alerts|visitors|budget):/.test(key.slice(prefix.length));
    if (ops && /\bv_[A-Za-z0-9_-]{16}\b/.test(`${key} ${text}`))
      findings.push(`${key}: a raw visitor id`);
  }
  return findings;
}
