import { describe, expect, it } from "vitest";
import { SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { signDelivery } from "../../helpers/qstash-jwt.ts";
import { keysWithTtl, testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack();

describe("bad input gets a clear 4xx and changes nothing", () => {
  it.each([
    [
      "an unknown analysis type",
      { listingId: SHORT_LISTING, analysisType: "horoscope" },
      400,
      "bad_request:body",
    ],
    [
      "a malformed listing id",
      { listingId: "../etc", analysisType: "risk_assessment" },
      400,
      "bad_request:body",
    ],
    [
      "an unknown listing",
      { listingId: "lst_nosuchlisting", analysisType: "risk_assessment" },
      404,
      "not_found:listing",
    ],
    [
      "unknown params for the type",
      { listingId: SHORT_LISTING, analysisType: "risk_assessment", params: { temperature: 2 } },
      400,
      "bad_request:params",
    ],
    [
      "a param out of range",
      {
        listingId: SHORT_LISTING,
        analysisType: "market_intelligence",
        params: { horizonYears: 99 },
      },
      400,
      "bad_request:params",
    ],
    [
      "too many params",
      {
        listingId: SHORT_LISTING,
        analysisType: "market_intelligence",
        params: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`p${i}`, i])),
      },
      400,
      "bad_request:body",
    ],
    [
      "nested params",
      {
        listingId: SHORT_LISTING,
        analysisType: "market_intelligence",
        params: { horizonYears: { $gt: 1 } },
      },
      400,
      "bad_request:body",
    ],
    [
      "extra fields",
      { listingId: SHORT_LISTING, analysisType: "risk_assessment", owner: "someone-else" },
      400,
      "bad_request:body",
    ],
    [
      "a body over 4 KiB",
      {
        listingId: SHORT_LISTING,
        analysisType: "risk_assessment",
        params: { note: "x".repeat(5_000) },
      },
      413,
      "payload_too_large:body",
    ],
  ])("start with %s → %i", async (_name, body, status, code) => {
    const before = await keysWithTtl(stack.prefix);
    const published = stack.qstash.stats().published;
    const res = await new Visitor(stack.app.url).post("/api/analysis/start", body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(await keysWithTtl(stack.prefix)).toEqual(before);
    expect(stack.qstash.stats().published).toBe(published);
  });

  it.each([
    ["no query", "", 400],
    ["a malformed job id", "?jobId=..%2F..", 400],
    ["an unknown job", "?jobId=AAAAAAAAAAAAAAAA", 404],
    [
      "params that are not JSON",
      `?listingId=${SHORT_LISTING}&analysisType=risk_assessment&params=%7Bnope`,
      400,
    ],
  ])("status with %s → %i", async (_name, query, status) => {
    const res = await new Visitor(stack.app.url).request(`/api/analysis/status${query}`);
    expect(res.status).toBe(status);
    expect(
      ((await res.json()) as { error: { code: string; message: string } }).error.message,
    ).toBeTruthy();
  });
});

describe("status polling", () => {
  it("answers an unchanged job with 304 via its ETag, and tells when to poll next", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    const done = await waitForStatus(visitor, body.job.id, ["succeeded"]);
    const first = await visitor.request(`/api/analysis/status?jobId=${done.id}`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^".+\.\d+"$/);
    expect(((await first.json()) as { nextPollMs: number }).nextPollMs).toBe(0);
    const again = await visitor.request(`/api/analysis/status?jobId=${done.id}`, {
      headers: { "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get("x-next-poll-ms")).toBe("0");
  });
});

describe("the consume webhook only trusts QStash", () => {
  async function queuedJob() {
    stack.qstash.setFaults({ delayMs: 60_000 }); // the real delivery waits; we forge our own meanwhile
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
      params: { riskTolerance: "low" },
    });
    return { visitor, jobId: body.job.id };
  }

  it.each([
    ["no signature", async () => ({})],
    [
      "a signature with the wrong key",
      async (url: string, body: string) => ({
        "upstash-signature": await signDelivery({ key: "sig_wrong", url, body }),
      }),
    ],
    [
      "an expired signature",
      async (url: string, body: string) => ({
        "upstash-signature": await signDelivery({
          key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
          url,
          body,
          expiresInS: -60,
        }),
      }),
    ],
    [
      "a signature for another URL",
      async (_url: string, body: string) => ({
        "upstash-signature": await signDelivery({
          key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
          url: "https://evil.example/api/analysis/consume",
          body,
        }),
      }),
    ],
    [
      "a tampered body",
      async (url: string) => ({
        "upstash-signature": await signDelivery({
          key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
          url,
          body: '{"jobId":"somethingelse"}',
        }),
      }),
    ],
  ])("refuses a delivery with %s: 401 and the job untouched", async (_name, headers) => {
    const { jobId } = await queuedJob();
    try {
      const path = `/api/analysis/consume?job=${jobId}&type=risk_assessment`;
      const body = JSON.stringify({ jobId, analysisType: "risk_assessment" });
      const before = await testRedis().hgetall(`${stack.prefix}job:${jobId}`);
      const res = await fetch(`${stack.app.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(await headers(`${stack.app.url}${path}`, body)),
        },
        body,
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "unauthorized:signature",
      );
      expect(await testRedis().hgetall(`${stack.prefix}job:${jobId}`)).toEqual(before);
      expect(stack.openai.calls().filter((c) => c.metadata?.job_id === jobId)).toEqual([]);
    } finally {
      stack.qstash.setFaults({});
    }
  });

  it("accepts a delivery signed with the next signing key (key rotation)", async () => {
    const { visitor, jobId } = await queuedJob();
    try {
      const path = `/api/analysis/consume?job=${jobId}&type=risk_assessment`;
      const body = JSON.stringify({ jobId, analysisType: "risk_assessment" });
      const signature = await signDelivery({
        key: process.env.QSTASH_NEXT_SIGNING_KEY!,
        url: `${stack.app.url}${path}`,
        body,
      });
      const res = await fetch(`${stack.app.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "upstash-signature": signature },
        body,
      });
      expect(res.status).toBe(200);
      expect((await visitor.status(jobId)).job?.status).toBe("succeeded");
    } finally {
      stack.qstash.setFaults({});
    }
  });

  it("verifies the raw bytes: a signed body that starts with a byte-order mark is accepted as signed", async () => {
    const path = "/api/stack/echo";
    const body = `\uFEFF${JSON.stringify({ nonce: "not-a-stack-check" })}`;
    const signature = await signDelivery({
      key: process.env.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${stack.app.url}${path}`,
      body,
    });
    const res = await fetch(`${stack.app.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "upstash-signature": signature },
      body,
    });
    // Past the signature: the body is not a stack-check message, so it is refused as such (489), not as forged (401).
    expect(res.status).toBe(489);
  });

  it("refuses an oversized delivery before verifying it: 413, nothing read past the cap", async () => {
    const path = "/api/analysis/consume?job=abcdefgh12345678&type=risk_assessment";
    const res = await fetch(`${stack.app.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "upstash-signature": "forged" },
      body: "x".repeat(1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "payload_too_large:body",
    );
  });
});
