/**
 * `npm run stack:openai`: the OpenAI simulator alone, configured like the app (.env.example, then
 * .env.local, then the shell). OPENAI_BASE_URL gives the port, OPENAI_API_KEY the key it demands,
 * OPENAI_SIM_LATENCY_MS_PER_TOKEN the pace, and OPENAI_SIM_KNOBS (JSON) any other knob, e.g.
 *   OPENAI_SIM_KNOBS='{"fail429Rate":0.1,"stallRate":0.05}' npm run stack:openai
 */
import { fileURLToPath } from "node:url";
import { isLoopbackUrl, loadDevEnv, portOf } from "../env-file.ts";
import { parseKnobs, startOpenAISimulator, type SimulatorKnobs } from "./index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { env } = loadDevEnv(root);
// OPENAI_SIM_KNOBS is not in .env.example, so loadDevEnv does not pick it up from the shell.
const read = (key: string) => process.env[key] ?? env[key] ?? "";

function fail(message: string): never {
  console.error(`openai simulator: ${message}`);
  process.exit(1);
}

const baseUrl = read("OPENAI_BASE_URL") || "http://127.0.0.1:8090/v1";
if (!isLoopbackUrl(baseUrl))
  fail(
    `OPENAI_BASE_URL (${baseUrl}) is not on this machine; the app would call it, not a simulator.`,
  );

let extra: unknown = {};
try {
  extra = JSON.parse(read("OPENAI_SIM_KNOBS") || "{}");
} catch {
  fail("OPENAI_SIM_KNOBS is not valid JSON.");
}
const latency = read("OPENAI_SIM_LATENCY_MS_PER_TOKEN");
const parsed = parseKnobs({
  ...(latency ? { latencyMsPerToken: Number(latency) } : {}),
  ...(extra as SimulatorKnobs),
});
if ("error" in parsed) fail(`bad knobs: ${parsed.error}`);

const sim = await startOpenAISimulator({
  port: portOf(baseUrl),
  host: new URL(baseUrl).hostname.replace(/^\[|\]$/g, ""),
  apiKey: read("OPENAI_API_KEY") || undefined,
  knobs: parsed.knobs,
  log: (line) => console.log(line),
}).catch((error: unknown) =>
  fail(`could not start on ${baseUrl}: ${error instanceof Error ? error.message : error}`),
);
console.log(`knobs: ${JSON.stringify(parsed.knobs)}`);

const stop = () => void sim.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
