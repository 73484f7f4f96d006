/** `npm run stack:redis`: the Redis REST stand-in alone, configured like the app (.env.example). */
import { fileURLToPath } from "node:url";
import { loadDevEnv, portOf } from "../env-file.ts";
import { startRedisRest } from "./index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { env } = loadDevEnv(root);
const rest = await startRedisRest({
  port: portOf(env.UPSTASH_REDIS_REST_URL),
  token: env.UPSTASH_REDIS_REST_TOKEN,
  redisUrl: env.REDIS_URL || undefined,
  log: (line) => console.log(line),
});
const stop = () => void rest.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
