import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { loadDevEnv } from "../../dev/env-file.ts";
import { keysWithTtl } from "../helpers/redis-scan.ts";
import { useTestStack } from "../helpers/stack.ts";
import { report } from "./report.ts";

/**
 * What one attacker can make a deployment do per minute, with the limits as shipped
 * (.env.example's values), from one client address: jobs accepted with one cookie, with a fresh
 * cookie per request and with 50-listing batches; AI tokens that work would bill; Redis bytes
 * pasted listings would fill; operator-token guesses answered. Each probe runs ABUSE_SECONDS
 * (default 5) and is scaled to a minute. Self-contained HTTP (its own cookie handling), so the
 * same probe can be run against an older checkout for the "before" figures.
 */
const SECONDS = Number(process.env.ABUSE_SECONDS) || 5;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const shipped = loadDevEnv(ROOT, {}).env;
const LIMITS = [
  "START_RATE_LIMIT",
  "START_RATE_LIMIT_PER_ADDRESS",
  "SESSION_MINT_LIMIT_PER_ADDRESS",
  "LISTING_RATE_LIMIT",
  "LISTING_RATE_LIMIT_PER_ADDRESS",
  "LISTING_QUOTA_PER_VISITOR",
  "LISTING_QUOTA_PER_ADDRESS",
  "OPS_AUTH_LIMIT",
  "OPS_LOCKOUT",
  "OPENAI_BUDGET_TOKENS_PER_DAY",
  "OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY",
  "CLIENT_ADDRESS_HEADER",
];
const stack = useTestStack({
  env: Object.fromEntries(
    LIMITS.filter((k) => shipped[k] !== undefined).map((k) => [k, shipped[k]]),
  ),
});

const perMinute = (n: number, ms: number) => Math.round((n * 60_000) / ms);

/**
 * What a probe means per minute. Every limit here has a window of a minute or more, so once a
 * probe has been refused, what it got is all a minute gives; a probe never refused (no limit)
 * is scaled from its SECONDS to a minute.
 */
const inAMinute = (p: { accepted: number; refused: number; ms: number }) =>
  p.refused > 0 ? p.accepted : perMinute(p.accepted, p.ms);

let addresses = 0;
/** A client at an address of its own that keeps its session cookie, or (fresh) never sends one. */
function attacker(fresh: boolean) {
  let cookie = "";
  const address = { "x-forwarded-for": `203.0.113.${++addresses}` };
  return async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${stack.app.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        ...address,
        ...headers,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(cookie && !fresh ? { cookie } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith("tabsafe_session="));
    if (set) cookie = set.split(";")[0];
    return res;
  };
}

/**
 * Calls `probe` for SECONDS, and on until it is first refused (at most a minute: a slow machine
 * must not pass for a limit): what it accepted (its answer), how often it was refused (0), of
 * how many tries.
 */
async function forAWhile(
  probe: (i: number) => Promise<number>,
): Promise<{ accepted: number; refused: number; ms: number; tries: number }> {
  const started = Date.now();
  let [accepted, refused, tries] = [0, 0, 0];
  while (Date.now() - started < (refused > 0 ? SECONDS * 1000 : 60_000)) {
    const got = await probe(tries++);
    accepted += got;
    if (got === 0) refused++;
  }
  return { accepted, refused, ms: Date.now() - started, tries };
}

const LISTINGS = ["lst_harbor-coffee", "lst_northwind-bakery"];
/** The i-th of 30 distinct analyses (listing × horizon): a new identity for one visitor each time. */
const analysis = (i: number) => ({
  listingId: LISTINGS[i % 2],
  analysisType: "market_intelligence",
  params: { horizonYears: 1 + (Math.floor(i / 2) % 10) },
});
/** Accepted as new work: a 202 that is not a duplicate of a job the visitor already has. */
const newWork = async (res: Response) =>
  res.status === 202 && !((await res.json()) as { deduplicated: boolean }).deduplicated ? 1 : 0;

it("one attacker's cost per minute, with the limits as shipped", async () => {
  // Deliveries wait while the probes run: what counts is what was accepted, not how fast it ran.
  stack.qstash.setFaults({ delayMs: 600_000 });
  const row = (figure: string, measured: string, target = "—") =>
    report(`what one attacker gets per minute (${SECONDS} s probes, one address)`, [
      figure,
      measured,
      target,
    ]);

  const same = attacker(false);
  await same("/api/listings");
  const one = await forAWhile(async (i) => newWork(await same("/api/analysis/start", analysis(i))));
  row("jobs accepted, one cookie", String(inAMinute(one)), "≤ START_RATE_LIMIT");

  const fresh = attacker(true);
  const many = await forAWhile(async (i) =>
    newWork(await fresh("/api/analysis/start", analysis(i))),
  );
  row(
    "jobs accepted, a fresh cookie per request",
    String(inAMinute(many)),
    "≤ START_RATE_LIMIT_PER_ADDRESS",
  );

  const catalog = (
    (await (await fresh("/api/listings")).json()) as { listings: Array<{ id: string }> }
  ).listings.map((l) => l.id);
  const batcher = attacker(true);
  const batches = await forAWhile(async (i) => {
    const res = await batcher("/api/analysis/batch", {
      listingIds: catalog,
      analysisType: "risk_assessment",
      params: { riskTolerance: ["low", "medium", "high"][i % 3] },
    });
    return res.status === 202
      ? ((await res.json()) as { batch: { children: unknown[] } }).batch.children.length
      : 0;
  });
  row(
    "jobs accepted, batches with fresh cookies",
    String(inAMinute(batches)),
    "≤ START_RATE_LIMIT_PER_ADDRESS",
  );

  // What that work would bill: the jobs run, and the simulator says what each was paid.
  const accepted = one.accepted + many.accepted + batches.accepted;
  const billedBefore = stack.openai.calls().reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
  stack.qstash.setFaults({});
  await stack.qstash.idle();
  const billed =
    stack.openai.calls().reduce((n, c) => n + c.inputTokens + c.outputTokens, 0) - billedBefore;
  const perJob = accepted ? Math.round(billed / accepted) : 0;
  const worst = Math.max(inAMinute(one), inAMinute(many), inAMinute(batches));
  row(
    "AI tokens billed per minute (the worst probe's jobs × tokens per job)",
    `${(worst * perJob).toLocaleString("en")} (${perJob.toLocaleString("en")} per job)`,
    "≤ the daily budgets",
  );

  const text = "老铺面包房，社区口碑好，租约长。".repeat(4_000).slice(0, 60_000);
  const paster = attacker(true);
  const bytesBefore = await listingBytes();
  const pastes = await forAWhile(async (i) =>
    (await paster("/api/listings", { title: `Paste ${i}`, text })).status === 201 ? 1 : 0,
  );
  const bytes = (await listingBytes()) - bytesBefore;
  const scale = pastes.accepted ? inAMinute(pastes) / pastes.accepted : 0;
  row(
    "pasted listings stored / Redis bytes written",
    `${inAMinute(pastes)} / ${((bytes * scale) / 1e6).toFixed(1)} MB`,
    "≤ LISTING_RATE_LIMIT_PER_ADDRESS, quotas",
  );

  const guesser = attacker(false);
  const guesses = await forAWhile(async (i) =>
    (
      await guesser("/api/ops/alerts", undefined, {
        authorization: `Bearer guess-${i}-0123456789abcdef`,
      })
    ).status === 401
      ? 1
      : 0,
  );
  row(
    "operator-token guesses checked (answered 401, not 429)",
    `${guesses.accepted} of ${guesses.tries} in ${(guesses.ms / 1000).toFixed(1)} s`,
    "≤ OPS_AUTH_LIMIT",
  );

  // The limits are sliding windows (@upstash/ratelimit): while a probe runs, the weight of the
  // window before decays, so a probe of `ms` may get the limit plus limit × ms / window more.
  const [limit, windowS] = shipped.START_RATE_LIMIT_PER_ADDRESS!.split("/").map(Number);
  const bound = (p: { ms: number }) => limit + Math.ceil((limit * p.ms) / (windowS * 1000));
  expect(inAMinute(many)).toBeLessThanOrEqual(bound(many));
  expect(inAMinute(batches)).toBeLessThanOrEqual(bound(batches));
  expect(guesses.accepted).toBeLessThanOrEqual(20);
});

/** Bytes of every pasted listing the suite's app stored (title + text, as Redis holds them). */
async function listingBytes(): Promise<number> {
  const { testRedis } = await import("../helpers/redis-scan.ts");
  const redis = testRedis();
  let total = 0;
  for (const { key } of await keysWithTtl(stack.prefix)) {
    if (!/listing:lst_/.test(key)) continue;
    const [title, text] = (await redis.hmget(key, "title", "text")) as unknown as [
      string | null,
      string | null,
    ];
    total += Buffer.byteLength(title ?? "") + Buffer.byteLength(text ?? "");
  }
  return total;
}
