import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../helpers/jobs.ts";
import { keysWithTtl } from "../helpers/redis-scan.ts";
import { TEST_OPS_TOKEN, useTestStack } from "../helpers/stack.ts";
import { Visitor } from "../helpers/visitor.ts";

/**
 * What already held against an attacker, kept so: another visitor's jobs are out of reach,
 * forged cookies are nobody's, a cross-site form cannot act for a signed-in person, and neither
 * secrets nor raw visitor ids nor client addresses reach the logs.
 */
const stack = useTestStack({
  env: { CLIENT_ADDRESS_HEADER: "x-forwarded-for", LOG_LEVEL: "info" },
});

const logged: string[] = [];
const original = { log: console.log, warn: console.warn, error: console.error };
beforeAll(() => {
  for (const level of ["log", "warn", "error"] as const)
    console[level] = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
});
afterAll(() => Object.assign(console, original));

describe("another visitor", () => {
  it("gets 404 for a job that is not theirs, on every route that takes a job id, and changes nothing", async () => {
    const owner = new Visitor(stack.app.url);
    const { body } = await owner.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    await waitForStatus(owner, body.job.id, ["succeeded"]);
    const stranger = new Visitor(stack.app.url);
    expect((await stranger.request(`/api/analysis/status?jobId=${body.job.id}`)).status).toBe(404);
    expect((await stranger.post("/api/analysis/cancel", { jobId: body.job.id })).status).toBe(404);
    expect((await stranger.post("/api/analysis/retry", { jobId: body.job.id })).status).toBe(404);
    expect((await owner.status(body.job.id)).job?.status).toBe("succeeded");
  });

  it("cannot pass as the owner with a tampered cookie: it is nobody's", async () => {
    const owner = new Visitor(stack.app.url);
    const { res, body } = await owner.start({
      listingId: LONG_LISTING,
      analysisType: "risk_assessment",
    });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
    const [name, value] = cookie.split("=");
    const tampered = `${name}=${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    const answer = await fetch(`${stack.app.url}/api/analysis/status?jobId=${body.job.id}`, {
      headers: { cookie: tampered },
    });
    expect(answer.status).toBe(404);
    expect((await owner.status(body.job.id)).res.status).toBe(200); // the real cookie still works
  });
});

describe("a cross-site form", () => {
  it("cannot start, cancel or sign in for anyone: a body that is not JSON is a 415 and changes nothing", async () => {
    const before = (await keysWithTtl(stack.prefix)).map((k) => k.key).sort();
    const form = {
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://evil.example",
    };
    for (const [path, body] of [
      ["/api/analysis/start", `listingId=${SHORT_LISTING}&analysisType=risk_assessment`],
      ["/api/analysis/cancel", "jobId=aaaaaaaaaaaaaaaa"],
      ["/api/ops/session", `token=${TEST_OPS_TOKEN}`],
      ["/api/listings", "title=x&text=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
    ]) {
      const res = await fetch(`${stack.app.url}${path}`, { method: "POST", headers: form, body });
      expect(res.status, path).toBe(415);
    }
    const text = await fetch(`${stack.app.url}/api/analysis/start`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ listingId: SHORT_LISTING, analysisType: "risk_assessment" }),
    });
    expect(text.status).toBe(415);
    const added = (await keysWithTtl(stack.prefix))
      .map((k) => k.key)
      .filter((k) => !before.includes(k));
    expect(added).toEqual([]);
  });

  it("cannot carry the operator's cookie: it is SameSite=Strict and httpOnly", async () => {
    const res = await fetch(`${stack.app.url}/api/ops/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TEST_OPS_TOKEN }),
    });
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
  });
});

describe("the logs", () => {
  it("hold no secret, no raw visitor id and no client address after a run with failures, replays and guesses", async () => {
    const visitor = new Visitor(stack.app.url, { headers: { "x-forwarded-for": "198.51.100.77" } });
    stack.openai.setKnobs({ failNext: [{ kind: "500", count: 1 }] });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, body.job.id, ["succeeded"]);
    await fetch(`${stack.app.url}/api/ops/alerts`, {
      headers: {
        authorization: "Bearer wrong-token-0123456789",
        "x-forwarded-for": "198.51.100.77",
      },
    });
    const text = logged.join("\n");
    expect(text.length).toBeGreaterThan(0);
    const secrets = [
      process.env.QSTASH_TOKEN,
      process.env.QSTASH_CURRENT_SIGNING_KEY,
      process.env.OPENAI_API_KEY,
      process.env.SESSION_SECRET,
      TEST_OPS_TOKEN,
      "198.51.100.77",
    ];
    for (const s of secrets) expect(text).not.toContain(s!);
    expect(text).not.toMatch(/\bv_[A-Za-z0-9_-]{16}\b/);
  });
});
