import { isLoopbackUrl, portOf, redisDataDir, type EnvMap } from "./env-file.ts";
import { startOpenAISimulator } from "./openai/index.ts";
import { startQStash } from "./qstash/index.ts";
import { startRedisRest } from "./redis-rest/index.ts";

export type LocalService = { name: string; url: string; detail: string };
export type LocalStack = { env: EnvMap; services: LocalService[]; stop(): Promise<void> };

/**
 * Starts a local stand-in for every service whose URL in `env` is on this machine, at that URL,
 * and leaves services with real URLs alone. Stand-ins stop in reverse order of starting.
 */
export async function startLocalStack(opts: {
  env: EnvMap;
  root: string;
  log?: (line: string) => void;
}): Promise<LocalStack> {
  const env = { ...opts.env };
  const services: LocalService[] = [];
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    let redisUrl: string | null = null;
    if (isLoopbackUrl(env.UPSTASH_REDIS_REST_URL)) {
      const dataDir = redisDataDir(env, opts.root);
      const redis = await startRedisRest({
        port: portOf(env.UPSTASH_REDIS_REST_URL),
        token: env.UPSTASH_REDIS_REST_TOKEN,
        redisUrl: env.REDIS_URL || undefined,
        dataDir,
        log: opts.log,
      });
      stops.push(redis.stop);
      redisUrl = redis.redisUrl;
      const detail =
        redis.backend === "memory"
          ? "in-process engine (install redis-server for a real one)"
          : `${redis.backend} ${redis.redisUrl}${redis.backend === "redis-server" ? `, data in ${dataDir}` : ""}`;
      services.push({ name: "Upstash Redis REST (stand-in)", url: redis.url, detail });
    } else {
      services.push({
        name: "Upstash Redis",
        url: env.UPSTASH_REDIS_REST_URL,
        detail: "real service",
      });
    }
    if (isLoopbackUrl(env.QSTASH_URL)) {
      // The stand-in runs at QStash's own timing; a leftover setting from older .env files would
      // otherwise be silently ignored while someone waits for a compressed backoff.
      if (env.QSTASH_DEV_TIME_SCALE)
        opts.log?.(
          "QSTASH_DEV_TIME_SCALE is no longer read: the QStash stand-in runs in real time",
        );
      const qstash = await startQStash({
        port: portOf(env.QSTASH_URL),
        token: env.QSTASH_TOKEN,
        currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY,
        nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY,
        redisUrl,
        log: opts.log,
      });
      stops.push(qstash.stop);
      services.push({
        name: "QStash (stand-in)",
        url: qstash.url,
        detail: `${redisUrl ? "messages kept in Redis" : "messages in memory"}, real-time delays and backoff`,
      });
    } else {
      services.push({ name: "QStash", url: env.QSTASH_URL, detail: "real service" });
    }
    if (isLoopbackUrl(env.OPENAI_BASE_URL)) {
      const latencyMsPerToken = Number(env.OPENAI_SIM_LATENCY_MS_PER_TOKEN || "15");
      const sim = await startOpenAISimulator({
        port: portOf(env.OPENAI_BASE_URL),
        apiKey: env.OPENAI_API_KEY,
        knobs: { latencyMsPerToken },
        log: opts.log,
      });
      stops.push(sim.stop);
      services.push({
        name: "OpenAI simulator",
        url: sim.url,
        detail: `${latencyMsPerToken} ms/token, answers are simulated`,
      });
    } else {
      services.push({
        name: "OpenAI",
        url: env.OPENAI_BASE_URL || "https://api.openai.com/v1",
        detail: "real API",
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, services, stop };
}
