/** `npm run stack:openai`: the OpenAI simulator alone, configured like the app (.env.example). */
import { fileURLToPath } from "node:url";
import { loadDevEnv, portOf } from "../env-file.ts";
import { startOpenAISimulator } from "./index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { env } = loadDevEnv(root);
const sim = await startOpenAISimulator({
  port: portOf(env.OPENAI_BASE_URL),
  apiKey: env.OPENAI_API_KEY,
  knobs: { latencyMsPerToken: Number(env.OPENAI_SIM_LATENCY_MS_PER_TOKEN || "15") },
  log: (line) => console.log(line),
});
const stop = () => void sim.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
