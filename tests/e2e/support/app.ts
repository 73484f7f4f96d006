import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startOpenAISimulator, type OpenAISimulator } from "../../../dev/openai/index.ts";
import { startQStash, type QStashDev } from "../../../dev/qstash/index.ts";
import { freePort } from "../../../dev/redis-rest/redis-server.ts";
import { startRedisRest, type RedisRest } from "../../../dev/redis-rest/index.ts";

export type E2EApp = { url: string; redis: RedisRest; qstash: QStashDev; openai: OpenAISimulator; env: Record<string, string>; stop(): Promise<void> };

const secret = () => randomBytes(12).toString("hex");

/** The local stack plus `next start` of the production build, on free ports. */
export async function startE2EApp(): Promise<E2EApp> {
  const token = secret();
  const keys = { current: `sig_${secret()}`, next: `sig_${secret()}` };
  const redis = await startRedisRest({ port: 0, token });
  const qstash = await startQStash({ port: 0, token, currentSigningKey: keys.current, nextSigningKey: keys.next, redisUrl: redis.redisUrl, timeScale: 0.01 });
  const openai = await startOpenAISimulator({ port: 0, apiKey: token, knobs: { latencyMsPerToken: 2 } });
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const env: Record<string, string> = {
    UPSTASH_REDIS_REST_URL: redis.url, UPSTASH_REDIS_REST_TOKEN: token,
    QSTASH_URL: qstash.url, QSTASH_TOKEN: token, QSTASH_CURRENT_SIGNING_KEY: keys.current, QSTASH_NEXT_SIGNING_KEY: keys.next,
    OPENAI_API_KEY: token, OPENAI_BASE_URL: openai.url, OPENAI_MODEL: "gpt-5-mini",
    APP_BASE_URL: url, SESSION_SECRET: secret(), REDIS_KEY_PREFIX: `e2e${secret().slice(0, 6)}:`,
  };
  const next = fileURLToPath(new URL("../../../node_modules/next/dist/bin/next", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [next, "start", "--port", String(port)], {
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output = (output + d).slice(-5_000)));
  child.stderr?.on("data", (d) => (output = (output + d).slice(-5_000)));
  const stopAll = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await qstash.stop();
    await openai.stop();
    await redis.stop();
  };
  try {
    await waitForHttp(`${url}/api/listings`, child, () => output);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { url, redis, qstash, openai, env, stop: stopAll };
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`next start did not answer: ${output()}`);
}
