import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRedisServerBinary, startRedisRest, startRedisServer, type RedisRest } from "../../../dev/redis-rest/index.ts";

const hasRedisServer = findRedisServerBinary() !== null;
if (!hasRedisServer && process.env.CI) throw new Error("CI must install redis-server: the Redis stand-in suite runs on both backends there");

const token = randomBytes(8).toString("hex");
const backends = (hasRedisServer ? ["redis-server", "memory"] : ["memory"]) as Array<"redis-server" | "memory">;

/** A multi-key atomic create, in the style of the app's scripts (HSET + SET NX EX + ZADD + EXPIRE). */
const CREATE = `local unpack = unpack or table.unpack
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', 60) then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
  redis.call('EXPIRE', KEYS[1], 120)
  redis.call('ZADD', KEYS[3], 1, ARGV[1])
  return {1, ARGV[1], redis.call('HGETALL', KEYS[1])}
end
return {0, redis.call('GET', KEYS[2])}`;

describe.each(backends)("Redis REST stand-in on %s, through @upstash/redis", (backend) => {
  let rest: RedisRest;
  let redis: Redis;
  let raw: Redis;
  let p: string;
  beforeAll(async () => {
    rest = await startRedisRest({ port: 0, token, backend });
    redis = new Redis({ url: rest.url, token, enableTelemetry: false });
    raw = new Redis({ url: rest.url, token, enableTelemetry: false, automaticDeserialization: false });
  });
  afterAll(async () => rest?.stop());
  it.beforeEach(() => {
    p = `t${randomBytes(4).toString("hex")}:`;
  });

  it("runs strings, hashes, sorted sets and TTLs", async () => {
    expect(rest.backend).toBe(backend);
    expect(await redis.set(`${p}s`, "v", { ex: 100 })).toBe("OK");
    expect(await redis.get(`${p}s`)).toBe("v");
    expect(await redis.ttl(`${p}s`)).toBeGreaterThan(90);
    expect(await redis.ping()).toBe("PONG");
    expect(await redis.hset(`${p}h`, { a: "1", b: "x" })).toBe(2);
    expect(await raw.hgetall(`${p}h`)).toEqual(["a", "1", "b", "x"]); // the wire format, undeserialized
    expect(await redis.hgetall(`${p}h`)).toEqual({ a: 1, b: "x" });
    expect(await redis.zadd(`${p}z`, { score: 2, member: "b" }, { score: 1, member: "a" })).toBe(2);
    expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(["a", "b"]);
    expect(await redis.incr(`${p}n`)).toBe(1);
    expect(await redis.get(`${p}missing`)).toBeNull();
  });

  it("round-trips JSON values, unicode and long numeric strings (with deserialization off)", async () => {
    await redis.set(`${p}j`, { a: [1, 2], b: "ü€😀" });
    expect(await redis.get(`${p}j`)).toEqual({ a: [1, 2], b: "ü€😀" });
    await raw.set(`${p}big`, "12345678901234567890123");
    expect(await raw.get(`${p}big`)).toBe("12345678901234567890123");
    await raw.set(`${p}ok`, "OK");
    expect(await raw.get(`${p}ok`)).toBe("OK");
  });

  it("runs pipelines in order, with a failed command reported in place", async () => {
    const out = await redis.pipeline().set(`${p}a`, "1").incr(`${p}a`).evalsha("0".repeat(40), [], []).get(`${p}a`).exec({ keepErrors: true });
    expect(out.map((r) => r.result ?? null)).toEqual(["OK", 2, null, 2]);
    expect(out[2].error).toMatch(/NOSCRIPT/);
  });

  it("runs MULTI/EXEC atomically, and a transaction discarded as a whole throws", async () => {
    expect(await redis.multi().set(`${p}m`, "1").incr(`${p}m`).exec()).toEqual(["OK", 2]);
    const res = await fetch(`${rest.url}/multi-exec`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify([["SET", `${p}x`, "1"], ["NOSUCHCOMMAND"]]) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/EXECABORT|unknown command/i);
    expect(await redis.exists(`${p}x`)).toBe(0);
  });

  it("refuses a wrong token with 401", async () => {
    const stranger = new Redis({ url: rest.url, token: "wrong", enableTelemetry: false });
    await expect(stranger.get("x")).rejects.toThrow(/Unauthorized/);
    const res = await fetch(rest.url, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(405);
  });

  it("answers a failed command and malformed input with 400 {error}", async () => {
    await expect(redis.eval("return redis.call('NOPE')", [], [])).rejects.toThrow();
    const res = await fetch(rest.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it("runs Lua scripts: EVAL, SCRIPT LOAD + EVALSHA, and the SDK's EVALSHA→EVAL fallback", async () => {
    const script = raw.createScript<[number, string, string[]] | [number, string]>(CREATE);
    const keys = [`${p}job`, `${p}dedupe`, `${p}owner`];
    const first = await script.exec(keys, ["id1", "status", "queued", "n", "1"]);
    expect(first).toEqual([1, "id1", ["status", "queued", "n", "1"]]);
    expect(await script.exec(keys, ["id2", "status", "queued"])).toEqual([0, "id1"]);
    expect(await redis.ttl(`${p}job`)).toBeGreaterThan(100);
    const sha = await redis.scriptLoad("return ARGV[1] .. KEYS[1]");
    expect(await redis.evalsha(sha, ["k"], ["v"])).toBe("vk");
    expect(await redis.scriptExists(sha, "0".repeat(40))).toEqual([1, 0]);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });
});

describe.runIf(hasRedisServer)("a private redis-server", () => {
  it("keeps its data across a restart on the same data directory, and is shared by two stand-ins", async () => {
    const first = await startRedisServer();
    const a = await startRedisRest({ port: 0, token, redisUrl: first.url });
    const b = await startRedisRest({ port: 0, token, redisUrl: first.url });
    expect(a.backend).toBe("redis-url");
    await new Redis({ url: a.url, token, enableTelemetry: false }).set("persisted", "yes");
    expect(await new Redis({ url: b.url, token, enableTelemetry: false }).get("persisted")).toBe("yes");
    await a.stop();
    await b.stop();
    await first.stop();
    const again = await startRedisServer({ dataDir: first.dataDir });
    const c = await startRedisRest({ port: 0, token, redisUrl: again.url });
    expect(await new Redis({ url: c.url, token, enableTelemetry: false }).get("persisted")).toBe("yes");
    await c.stop();
    await again.stop();
  });
});
