import { Redis as IORedis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../helpers/jobs.ts";
import { keysWithTtl } from "../helpers/redis-scan.ts";
import { useTestStack } from "../helpers/stack.ts";
import { Visitor } from "../helpers/visitor.ts";

/**
 * Someone making a public deployment spend without bound: fresh cookies on every request, batches,
 * retry loops, big pastes. Addresses are told apart by x-forwarded-for (what the platform in front
 * sets; lib/http/client-address.ts); each test is its own address.
 */
const stack = useTestStack({
  env: {
    CLIENT_ADDRESS_HEADER: "x-forwarded-for",
    START_RATE_LIMIT: "5/60",
    START_RATE_LIMIT_PER_ADDRESS: "8/60",
    SESSION_MINT_LIMIT_PER_ADDRESS: "12/3600",
    LISTING_RATE_LIMIT: "3/600",
    LISTING_RATE_LIMIT_PER_ADDRESS: "5/600",
    LISTING_QUOTA_PER_VISITOR: "10/130000",
    LISTING_QUOTA_PER_ADDRESS: "100/10000000",
  },
});

/** A client at `address`; `fresh`: a new session for every request (its cookie thrown away). */
const client = (address: string, fresh = false) =>
  new Visitor(stack.app.url, { headers: { "x-forwarded-for": address }, fresh });
const errorOf = async (res: Response) =>
  ((await res.clone().json()) as { error: { code: string; message: string } }).error;

const analyses = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    listingId: i % 2 ? SHORT_LISTING : LONG_LISTING,
    analysisType: "market_intelligence",
    params: { horizonYears: 1 + (i % 10) },
  }));

describe("starts", () => {
  it("from fresh cookies are limited per address: new sessions and new work both, each 429 saying what it counted", async () => {
    const attacker = client("203.0.113.1", true);
    const answers = [];
    for (const body of analyses(20)) answers.push(await attacker.start(body));
    const accepted = answers.filter((a) => a.res.status === 202).length;
    expect(accepted).toBe(8); // START_RATE_LIMIT_PER_ADDRESS, whatever the 20 sessions
    for (const refused of answers.filter((a) => a.res.status !== 202)) {
      expect(refused.res.status).toBe(429);
      expect(Number(refused.res.headers.get("retry-after"))).toBeGreaterThan(0);
      const message = (refused.body as unknown as { error: { message: string } }).error.message;
      expect(message).toMatch(
        /Your network has started 8 new analyses in the last 60 s|Too many new sessions from your network \(12 in 60 min\)/,
      );
    }
    // A visitor elsewhere is not affected.
    expect((await client("198.51.100.2").start(analyses(1)[0])).res.status).toBe(202);
    await stack.qstash.idle();
  });

  it("of a batch count one per child", async () => {
    const ids = await catalogIds();
    const pasted = await client("198.51.100.3").post("/api/listings", {
      title: "Corner shop",
      text: "A corner shop with steady foot traffic and a long lease. ".repeat(3),
    });
    const six = [
      ...ids.slice(0, 5),
      ((await pasted.json()) as { listing: { id: string } }).listing.id,
    ];
    // Five starts are a visitor's limit: a batch of six children is refused whole, one of five goes through.
    const big = await client("203.0.113.3").post("/api/analysis/batch", {
      listingIds: six,
      analysisType: "business_analysis",
    });
    expect(big.status).toBe(429);
    expect((await errorOf(big)).message).toMatch(
      /You have started 5 new analyses in the last 60 s.*this batch would start 6/,
    );
    const fits = await client("203.0.113.4").post("/api/analysis/batch", {
      listingIds: ids.slice(0, 5),
      analysisType: "business_analysis",
    });
    expect(fits.status).toBe(202);
    await stack.qstash.idle();
  });

  it("again by retrying count as starts: a cancel → retry loop is refused once the limit is reached", async () => {
    const visitor = client("203.0.113.5");
    stack.openai.setKnobs({ latencyMsPerToken: 20 });
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
      await waitForStatus(visitor, body.job.id, ["canceled"]);
      statuses.push((await visitor.post("/api/analysis/retry", { jobId: body.job.id })).status);
      if (statuses.at(-1) !== 202) break;
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429]); // the start and four retries: five
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
    await stack.qstash.idle();
  });
});

describe("pasted listings", () => {
  const paste = (c: Visitor, chars: number, title = "A listing") =>
    c.post("/api/listings", {
      title,
      text: `${"A bakery with a loyal following. ".repeat(Math.ceil(chars / 33))}`.slice(0, chars),
    });

  it("are limited per visitor and per address, and their storage per visitor by count and bytes", async () => {
    const visitor = client("203.0.113.6");
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await paste(visitor, 200)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    // Bytes: 60,000-character texts fill the 130 kB quota at the third.
    const big = client("203.0.113.7");
    const sizes = [(await paste(big, 60_000)).status, (await paste(big, 60_000)).status];
    const third = await paste(big, 60_000);
    expect([...sizes, third.status]).toEqual([201, 201, 429]);
    expect((await errorOf(third)).message).toMatch(
      /Your pasted listings already hold 2 listing\(s\), 0\.1 MB \(at most 10 and 0\.1 MB are kept, each for 7 days\)/,
    );
    // Fresh cookies do not reset it beyond the address's own limit (5 per 10 min).
    const fresh = client("203.0.113.8", true);
    const freshStatuses = [];
    for (let i = 0; i < 7; i++) freshStatuses.push((await paste(fresh, 100)).status);
    expect(freshStatuses.filter((s) => s === 201)).toHaveLength(5);
  });
});

describe("Redis full (maxmemory, noeviction)", () => {
  let raw: IORedis | undefined;
  afterAll(async () => {
    await raw?.config("SET", "maxmemory", "0");
    await raw?.quit();
  });

  it("answers every write 503 JSON with a plain message, never 500, writes nothing; reads still answer", async () => {
    const visitor = client("203.0.113.9");
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
    });
    await waitForStatus(visitor, body.job.id, ["succeeded"]);
    raw = new IORedis(stack.redis.redisUrl!);
    // Below what it already holds: with noeviction Redis refuses every write that could grow it.
    await raw.config("SET", "maxmemory-policy", "noeviction");
    await raw.config("SET", "maxmemory", "1");
    const before = (await keysWithTtl(stack.prefix)).map((k) => k.key).sort();
    const answer = async (res: Response) => ({
      status: res.status,
      error: ((await res.json()) as { error: unknown }).error,
    });
    const writes = [
      await answer(await visitor.post("/api/listings", { title: "Full", text: "x".repeat(500) })),
      await answer(
        await visitor.post("/api/analysis/start", {
          listingId: LONG_LISTING,
          analysisType: "risk_assessment",
        }),
      ),
      await answer(await visitor.post("/api/analysis/retry", { jobId: body.job.id })),
    ];
    for (const w of writes)
      expect(w).toEqual({
        status: 503,
        error: {
          code: "unavailable:store_full",
          message: expect.stringMatching(/storage is full right now.*Nothing was changed/),
        },
      });
    expect((await keysWithTtl(stack.prefix)).map((k) => k.key).sort()).toEqual(before);
    expect((await visitor.status(body.job.id)).res.status).toBe(200);
    await raw.config("SET", "maxmemory", "0");
  });
});

async function catalogIds(): Promise<string[]> {
  const res = await fetch(`${stack.app.url}/api/listings`);
  return ((await res.json()) as { listings: Array<{ id: string }> }).listings.map((l) => l.id);
}
