import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDelivery } from "../../helpers/qstash-jwt.ts";
import { startOutageProxy, type OutageProxy } from "../../helpers/outage-proxy.ts";
import { testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";

/** The app reaches Redis through a proxy that can close its port (Redis unreachable). */
const stack = useTestStack({ env: { OPS_SCHEDULE: "on" } });
let redis: OutageProxy;
let redisUrl = "";

beforeAll(async () => {
  // Before the app's first request, so its environment (parsed once) points through the proxy.
  redisUrl = process.env.UPSTASH_REDIS_REST_URL!;
  redis = await startOutageProxy(redisUrl);
  process.env.UPSTASH_REDIS_REST_URL = redis.url;
});
afterAll(async () => {
  process.env.UPSTASH_REDIS_REST_URL = redisUrl;
  await redis?.stop();
});

async function signedTick(): Promise<Response> {
  const url = `${stack.app.url}/api/ops/tick`;
  const signature = await signDelivery({
    key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
    url,
    body: "{}",
  });
  return fetch(url, { method: "POST", headers: { "upstash-signature": signature }, body: "{}" });
}

describe("a tick while Redis is unreachable", () => {
  it("is answered 503 for QStash to retry (never a 500), and the next tick runs once Redis is back", async () => {
    await redis.down();
    const down = await signedTick();
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ outcome: "retry", note: "a service was unreachable" });
    process.env.UPSTASH_REDIS_REST_URL = redisUrl;
    expect(await testRedis().exists(`${stack.prefix}ops:tick`)).toBe(0);
    process.env.UPSTASH_REDIS_REST_URL = redis.url;
    await redis.up();
    const up = await signedTick();
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ candidates: 0, revived: 0, failed: 0 });
  });
});
