import { randomBytes } from "node:crypto";
import { startOpenAISimulator, type OpenAISimulator } from "../../dev/openai/index.ts";
import { startQStash, type QStashDev } from "../../dev/qstash/index.ts";
import { startRedisRest, type RedisRest } from "../../dev/redis-rest/index.ts";
import { afterAll, beforeAll, expect } from "vitest";
import { startAppServer } from "./app-server.ts";
import { keysWithoutTtl, leakedSecrets } from "./redis-scan.ts";

export type TestStack = {
  redis: RedisRest;
  qstash: QStashDev;
  openai: OpenAISimulator;
  app: Awaited<ReturnType<typeof startAppServer>>;
  /** The Redis key prefix this suite's app writes under. */
  prefix: string;
  stop(): Promise<void>;
};

const secret = () => randomBytes(12).toString("hex");

/**
 * The whole local stack on free ports (QStash at its real timing), plus the app's real route handlers behind an HTTP server,
 * with process.env pointing the app's SDK clients at it. One per test file (vitest isolates
 * modules per file, so the app's cached env and clients belong to that file).
 */
/** The operator token every test stack runs with (`Authorization: Bearer …` on /api/ops/*). */
export const TEST_OPS_TOKEN = "test-ops-token-0123456789abcdef";

export async function startTestStack(
  opts: { env?: Record<string, string>; redisBackend?: "auto" | "memory" } = {},
): Promise<TestStack> {
  const token = secret();
  const keys = { current: `sig_${secret()}`, next: `sig_${secret()}` };
  const redis = await startRedisRest({
    port: 0,
    token,
    backend: opts.redisBackend ?? "auto",
    redisUrl: process.env.REDIS_URL || undefined,
  });
  const qstash = await startQStash({
    port: 0,
    token,
    currentSigningKey: keys.current,
    nextSigningKey: keys.next,
    redisUrl: redis.redisUrl,
  });
  const openai = await startOpenAISimulator({
    port: 0,
    apiKey: token,
    knobs: { latencyMsPerToken: 0 },
  });
  const app = await startAppServer();
  const prefix = `t${secret().slice(0, 8)}:`;
  Object.assign(process.env, {
    UPSTASH_REDIS_REST_URL: redis.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    QSTASH_URL: qstash.url,
    QSTASH_TOKEN: token,
    QSTASH_CURRENT_SIGNING_KEY: keys.current,
    QSTASH_NEXT_SIGNING_KEY: keys.next,
    OPENAI_API_KEY: token,
    OPENAI_BASE_URL: openai.url,
    OPENAI_MODEL: "gpt-5-mini",
    APP_BASE_URL: app.url,
    REDIS_KEY_PREFIX: prefix,
    SESSION_SECRET: secret(),
    OPS_TOKEN: TEST_OPS_TOKEN,
    // Every delivery and step logs at info: too much for test output. Warnings and errors stay.
    LOG_LEVEL: "warn",
    // Suites start the same analysis many times and count the OpenAI calls each one makes: the
    // result cache would answer them. tests/integration/jobs/cache.test.ts turns it on.
    RESULT_CACHE_SECONDS: "0",
    // Suites start many analyses as one visitor, from one address; tests/integration/jobs/rate-limit.test.ts
    // and the abuse suite set limits.
    START_RATE_LIMIT: "0",
    START_RATE_LIMIT_PER_ADDRESS: "0",
    LISTING_RATE_LIMIT: "0",
    LISTING_RATE_LIMIT_PER_ADDRESS: "0",
    SESSION_MINT_LIMIT_PER_ADDRESS: "0",
    // QStash runs in real time: suites that make deliveries fail want the app's own retry policy
    // short (first retry after 200 ms, all of them within 3 s), not QStash's clock compressed.
    QSTASH_RETRY_DELAY_MS: "200",
    QSTASH_RETRY_SPAN_MS: "3000",
    // Suites send wrong operator tokens on purpose; the abuse suite turns the guard on.
    OPS_AUTH_LIMIT: "0",
    OPS_LOCKOUT: "0",
    // No maintenance schedule: its ticks would sweep and count in suites that do not expect
    // them (tests/integration/ops/tick.test.ts turns it on).
    OPS_SCHEDULE: "off",
    ...opts.env,
  });
  return {
    redis,
    qstash,
    openai,
    app,
    prefix,
    async stop() {
      await app.stop();
      await qstash.stop();
      await openai.stop();
      await redis.stop();
    },
  };
}

/**
 * Registers a test stack for the calling file: started before its tests, and after them checked
 * for invariant 6 (every key its jobs wrote has a TTL), then stopped. The returned object
 * forwards to the stack once it is up.
 */
export function useTestStack(opts: Parameters<typeof startTestStack>[0] = {}): TestStack {
  let current: TestStack | undefined;
  beforeAll(async () => {
    current = await startTestStack(opts);
  });
  afterAll(async () => {
    if (current) {
      expect(await keysWithoutTtl(current.prefix)).toEqual([]);
      expect(await leakedSecrets(current.prefix, process.env)).toEqual([]);
    }
    await current?.stop();
  });
  return new Proxy({} as TestStack, {
    get: (_, key) => {
      if (!current)
        throw new Error("the test stack is not started yet (use it inside tests or hooks)");
      return current[key as keyof TestStack];
    },
  });
}
