/**
 * `npm run stack:redis` (node dev/redis-rest/main.ts): the Redis REST stand-in on its own,
 * configured like the app — UPSTASH_REDIS_REST_URL gives the port, UPSTASH_REDIS_REST_TOKEN the
 * token, REDIS_URL (optional) an existing Redis — from the shell, else .env.local, else
 * .env.example. A private redis-server keeps its data in .tabsafe/redis (or REDIS_DATA_DIR), as
 * under `npm run dev`.
 * Ctrl-C (or SIGTERM) stops it, including that redis-server.
 */
import { fileURLToPath } from "node:url";
import { loadDevEnv, portOf, redisDataDir } from "../env-file.ts";
import { startRedisRest } from "./index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { env } = loadDevEnv(root);
const log = (line: string) => process.stdout.write(`${line}\n`);

if (!env.UPSTASH_REDIS_REST_URL || !env.UPSTASH_REDIS_REST_TOKEN) {
  console.error(
    "redis stand-in: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (see .env.example)",
  );
  process.exit(2);
}

const rest = await startRedisRest({
  port: portOf(env.UPSTASH_REDIS_REST_URL),
  token: env.UPSTASH_REDIS_REST_TOKEN,
  redisUrl: env.REDIS_URL || undefined,
  dataDir: redisDataDir(env, root),
  log,
}).catch((error: unknown) => {
  console.error(`redis stand-in: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await rest.stop();
  log(`Redis REST stand-in stopped: ${JSON.stringify(rest.stats())}`);
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
