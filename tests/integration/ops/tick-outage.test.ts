import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMaintenance } from "@/lib/ops/maintenance";
import { eventually } from "../../helpers/eventually.ts";
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

  it("a tick QStash gave up on while Redis was down is not a failed job: no DLQ alert, and the next tick removes its dead letter", async () => {
    const sdk = new Client({ baseUrl: stack.qstash.url, token: process.env.QSTASH_TOKEN! });
    await redis.down();
    await sdk.publishJSON({ url: `${stack.app.url}/api/ops/tick`, body: {}, retries: 0 });
    const [letter] = await eventually(async () => {
      const { messages } = await sdk.dlq.listMessages();
      return messages.length ? messages : null;
    });
    expect(new URL(letter.url).pathname).toBe("/api/ops/tick");
    await redis.up();
    const outcome = await runMaintenance();
    expect(outcome).toMatchObject({ ran: true, summary: { missedTicks: 1, dlq: 0 } });
    if (outcome.ran) expect(outcome.summary.activeAlerts).not.toContain("dlq_not_empty");
    expect((await sdk.dlq.listMessages()).messages).toEqual([]);
  });
});
