import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysWithTtl } from "../helpers/redis-scan.ts";
import { startTestStack, type TestStack } from "../helpers/stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.stop());

const post = (
  body: BodyInit,
  headers: Record<string, string> = { "content-type": "application/json" },
) => fetch(`${stack.app.url}/api/listings`, { method: "POST", headers, body });

describe("listings", () => {
  it("lists the sample catalog without full texts, including listings long enough for several chunks", async () => {
    const res = await fetch(`${stack.app.url}/api/listings`);
    expect(res.status).toBe(200);
    const { listings } = (await res.json()) as {
      listings: Array<{ id: string; chars: number; excerpt: string; text?: string }>;
    };
    expect(listings.length).toBeGreaterThanOrEqual(5);
    expect(listings.every((l) => l.text === undefined && l.excerpt.length <= 160)).toBe(true);
    expect(Math.max(...listings.map((l) => l.chars))).toBeGreaterThan(2000);
    expect(Math.min(...listings.map((l) => l.chars))).toBeLessThan(800);
  });

  it("stores a pasted listing with a TTL and serves it back by id", async () => {
    const text =
      "A family-run bicycle repair shop with a loyal customer base and growing e-bike service revenue.";
    const res = await post(JSON.stringify({ title: "  Spoke & Chain  ", text }));
    expect(res.status).toBe(201);
    const { listing } = (await res.json()) as {
      listing: { id: string; title: string; text: string; source: string };
    };
    expect(listing).toMatchObject({ title: "Spoke & Chain", text, source: "pasted" });
    expect(listing.id).toMatch(/^lst_[a-z0-9]{12}$/);

    const got = await fetch(`${stack.app.url}/api/listings/${listing.id}`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { listing: { text: string } }).listing.text).toBe(text);

    // The listing, and the visitor's and the address's indexes of what they pasted (their quotas).
    const written = (await keysWithTtl(stack.prefix)).sort((a, b) => a.key.localeCompare(b.key));
    expect(written.map((k) => k.key.slice(stack.prefix.length).replace(/:[^:]+$/, ""))).toEqual([
      "listing",
      "listings:address",
      "listings:owner",
    ]);
    expect(written[0].key).toBe(`${stack.prefix}listing:${listing.id}`);
    for (const k of written) expect(k.ttl).toBeGreaterThan(6 * 24 * 3600);
  });

  it("answers an unknown or malformed listing id with a 404 JSON error", async () => {
    for (const id of ["lst_doesnotexist1", "not-an-id", "lst_%00"]) {
      const res = await fetch(`${stack.app.url}/api/listings/${id}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { code: "not_found:listing", message: expect.any(String) },
      });
    }
  });

  it.each([
    ["invalid JSON", "{title:", 400, "bad_request:json"],
    ["a missing title", JSON.stringify({ text: "x".repeat(100) }), 400, "bad_request:body"],
    [
      "a text that is too short",
      JSON.stringify({ title: "t", text: "short" }),
      400,
      "bad_request:body",
    ],
    [
      "a text that is too long",
      JSON.stringify({ title: "t", text: "x".repeat(60_001) }),
      400,
      "bad_request:body",
    ],
    [
      "unknown fields",
      JSON.stringify({ title: "t", text: "x".repeat(100), admin: true }),
      400,
      "bad_request:body",
    ],
    ["wrong types", JSON.stringify({ title: 42, text: ["x"] }), 400, "bad_request:body"],
    ["a JSON array", JSON.stringify([1, 2]), 400, "bad_request:body"],
    [
      "prototype-pollution keys",
      `{"__proto__":{"polluted":1},"title":"t","text":"${"x".repeat(100)}"}`,
      400,
      "bad_request:body",
    ],
    [
      "control characters",
      JSON.stringify({ title: "t", text: `${"x".repeat(60)}\u0000` }),
      400,
      "bad_request:body",
    ],
    [
      "a body over the size limit",
      JSON.stringify({ title: "t", text: "x".repeat(300_000) }),
      413,
      "payload_too_large:body",
    ],
  ])(
    "rejects %s with a clear 4xx JSON error and writes nothing",
    async (_name, body, status, code) => {
      const before = await keysWithTtl(stack.prefix);
      const res = await post(body);
      expect(res.status).toBe(status);
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.length).toBeGreaterThan(5);
      expect(await keysWithTtl(stack.prefix)).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it("rejects a body that is not JSON by content type with 415", async () => {
    const res = await post("title=t&text=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "unsupported_media_type:body",
    );
  });
});
