import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysWithTtl } from "../helpers/redis-scan.ts";
import { startTestStack, type TestStack } from "../helpers/stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.stop());

describe("GET /api/stack/check — the skeleton proven end to end through the SDKs", () => {
  it("writes to Redis, gets a signed QStash delivery back and reaches the OpenAI simulator", async () => {
    const res = await fetch(`${stack.app.url}/api/stack/check`);
    const body = (await res.json()) as {
      ok: boolean;
      redis: { ok: boolean };
      qstash: { ok: boolean; messageId?: string };
      openai: { ok: boolean; simulator: boolean };
    };
    expect(body).toMatchObject({
      ok: true,
      redis: { ok: true },
      qstash: { ok: true },
      openai: { ok: true, simulator: true },
    });
    expect(res.status).toBe(200);
    expect(body.qstash.messageId).toBeTruthy();
    // The check's own key, and the id of the delivery's signature (remembered so it cannot be replayed).
    const written = (await keysWithTtl(stack.prefix)).sort((a, b) => a.key.localeCompare(b.key));
    expect(
      written.map((k) => k.key.slice(stack.prefix.length).split(":").slice(0, 2).join(":")),
    ).toEqual(["qstash:seen", expect.stringMatching(/^stackcheck:/)]);
    for (const k of written) expect(k.ttl).toBeGreaterThan(0);
  });

  it("refuses an unsigned or forged echo delivery with 401 and writes nothing", async () => {
    const before = await keysWithTtl(stack.prefix);
    const unsigned = await fetch(`${stack.app.url}/api/stack/echo`, {
      method: "POST",
      body: JSON.stringify({ nonce: "x" }),
    });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(`${stack.app.url}/api/stack/echo`, {
      method: "POST",
      headers: { "upstash-signature": "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJVcHN0YXNoIn0.AAAA" },
      body: JSON.stringify({ nonce: "x" }),
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe(
      "unauthorized:signature",
    );
    expect(await keysWithTtl(stack.prefix)).toEqual(before);
  });

  it("reports a broken service as 503 with the reason instead of throwing", async () => {
    await stack.qstash.stop();
    const res = await fetch(`${stack.app.url}/api/stack/check`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      ok: boolean;
      redis: { ok: boolean };
      qstash: { ok: boolean; detail?: string };
    };
    expect(body).toMatchObject({ ok: false, redis: { ok: true }, qstash: { ok: false } });
    expect(body.qstash.detail).toBeTruthy();
  });
});
