import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { startOpenAISimulator, type OpenAISimulator } from "../../dev/openai/index.ts";
import { startQStash, type QStashDev } from "../../dev/qstash/index.ts";
import { freePort } from "../../dev/redis-rest/redis-server.ts";
import { startRedisRest, type RedisRest } from "../../dev/redis-rest/index.ts";
import { startCountingProxy, type CountingProxy } from "./proxy.ts";
import { ownProcessGroup } from "./process-group.ts";
import { startOutageProxy, type OutageProxy } from "../helpers/outage-proxy.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NEXT_BIN = fileURLToPath(new URL("../../node_modules/next/dist/bin/next", import.meta.url));

/** The simulator's speed between tests: fast, so a job that a test does not slow down takes ~1 s. */
export const FAST_MS_PER_TOKEN = 2;

export type E2EApp = {
  /** The app's public origin (the counting proxy); also APP_BASE_URL, so QStash calls it too. */
  url: string;
  /** Every variable of lib/env.ts and .env.example, as `next start` got them. */
  env: Record<string, string>;
  redis: RedisRest;
  qstash: QStashDev;
  openai: OpenAISimulator;
  /** Requests that reached the app, by path. */
  requests: CountingProxy;
  /** The app's way to Redis: take it down to make Redis unreachable from the app (the harness's own reads go direct). */
  redisLink: OutageProxy;
  /** Ids of every `job:{id}` hash under this run's key prefix. */
  jobIds(): Promise<string[]>;
  /** One job's hash as stored (fields as strings), or null. */
  jobHash(id: string): Promise<Record<string, string> | null>;
  stop(): Promise<void>;
};

/** The operator token the e2e app runs with (sign in at /ops with it). */
export const E2E_OPS_TOKEN = "e2e-ops-token-0123456789";

const secret = () => randomBytes(12).toString("hex");

/**
 * The local stack (Redis REST over a private redis-server, QStash at its real timing, the
 * OpenAI simulator) on free ports, and `next start` of the production build behind a counting
 * proxy, configured only through environment variables as in production.
 */
/** `env`: variables of the app's environment to set or override (ALERT_WEBHOOK_URL, say). */
export async function startE2EApp(opts: { env?: Record<string, string> } = {}): Promise<E2EApp> {
  const token = secret();
  const keys = { current: `sig_${secret()}`, next: `sig_${secret()}` };
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    const redis = await startRedisRest({ port: 0, token });
    stops.push(redis.stop);
    const redisLink = await startOutageProxy(redis.url);
    stops.push(redisLink.stop);
    const qstash = await startQStash({
      port: 0,
      token,
      currentSigningKey: keys.current,
      nextSigningKey: keys.next,
      redisUrl: redis.redisUrl,
    });
    stops.push(qstash.stop);
    const openai = await startOpenAISimulator({
      port: 0,
      apiKey: token,
      knobs: { latencyMsPerToken: FAST_MS_PER_TOKEN },
    });
    stops.push(openai.stop);
    const appPort = await freePort();
    const requests = await startCountingProxy(appPort);
    stops.push(requests.stop);
    const env: Record<string, string> = {
      UPSTASH_REDIS_REST_URL: redisLink.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      REDIS_URL: redis.redisUrl ?? "",
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: token,
      QSTASH_CURRENT_SIGNING_KEY: keys.current,
      QSTASH_NEXT_SIGNING_KEY: keys.next,
      OPENAI_API_KEY: token,
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: "gpt-5-mini",
      OPENAI_STALL_TIMEOUT_MS: "60000",
      OPENAI_SIM_LATENCY_MS_PER_TOKEN: String(FAST_MS_PER_TOKEN),
      APP_BASE_URL: requests.url,
      PORT: String(appPort),
      SESSION_SECRET: secret(),
      JOB_RETENTION_SECONDS: "86400",
      JOB_DEDUPE_SECONDS: "3600",
      CONSUME_TIME_BUDGET_MS: "240000",
      JOB_LEASE_MS: "30000",
      JOB_TIMEOUT_MS: "0",
      QSTASH_RETRIES: "3",
      // A job that lost its messages (an outage test) is revived by the page's poll after 15 s of silence.
      JOB_STALE_MS: "15000",
      OPS_TOKEN: E2E_OPS_TOKEN,
      LOG_LEVEL: "warn",
      // The browser tests run the same analyses repeatedly and need them to run, not to hit the cache.
      RESULT_CACHE_SECONDS: "0",
      START_RATE_LIMIT: "0",
      // One machine plays every visitor of the suite, from one address: the per-address limits
      // keep their production form, sized for the whole suite.
      START_RATE_LIMIT_PER_ADDRESS: "1000/60",
      SESSION_MINT_LIMIT_PER_ADDRESS: "1000/3600",
      LISTING_RATE_LIMIT_PER_ADDRESS: "1000/600",
      REDIS_KEY_PREFIX: `e2e${secret().slice(0, 8)}:`,
      // next start runs instrumentation.ts: no maintenance schedule, whose ticks would add
      // requests to the counted ones and revive jobs the tests expect a poll to revive.
      OPS_SCHEDULE: "off",
      ...opts.env,
    };
    const next = await startNext(appPort, env);
    stops.push(next.stop);
    await next.ready(`${requests.url}/api/listings`);

    const client = new Redis({
      url: redis.url,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const prefix = env.REDIS_KEY_PREFIX;
    return {
      url: requests.url,
      env,
      redis,
      qstash,
      openai,
      requests,
      redisLink,
      async jobIds() {
        const ids: string[] = [];
        let cursor = "0";
        do {
          const [nextCursor, found] = await client.scan(cursor, {
            match: `${prefix}job:*`,
            count: 1000,
          });
          cursor = String(nextCursor);
          for (const key of found) {
            const rest = key.slice(`${prefix}job:`.length);
            if (!rest.includes(":")) ids.push(rest); // job:{id} only, not :steps, :lease, byIdentity:…
          }
        } while (cursor !== "0");
        return ids;
      },
      async jobHash(id) {
        // Without automatic deserialization the SDK hands back HGETALL's flat [field, value, …] reply.
        const flat = (await client.hgetall(`${prefix}job:${id}`)) as unknown as string[] | null;
        if (!flat?.length) return null;
        return Object.fromEntries(
          Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]),
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `next start` on Node 24 (this process's own binary) in its own process group, stopped as a group. */
async function startNext(
  port: number,
  env: Record<string, string>,
): Promise<{ ready(url: string): Promise<void>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-8_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  // Even if the test process dies without its afterAll, the server goes with it.
  const group = ownProcessGroup(child);
  return {
    async ready(url) {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null)
          throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
        if (
          await fetch(url).then(
            (r) => r.ok,
            () => false,
          )
        )
          return;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`next start did not answer ${url} within 60 s:\n${output}`);
    },
    stop: () => group.stop(),
  };
}
