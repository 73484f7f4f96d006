/**
 * `npm run dev`: starts the local stand-ins for every service not configured with a real URL,
 * then `next dev`, prints where each is, and shuts everything down on Ctrl-C.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadDevEnv } from "./env-file.ts";
import { startLocalStack } from "./stack.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const { env, fromDefaults } = loadDevEnv(root);
const port = env.PORT || "3000";
// The default APP_BASE_URL names port 3000; follow PORT unless someone set the URL on purpose.
if (fromDefaults.has("APP_BASE_URL")) env.APP_BASE_URL = `http://localhost:${port}`;

const log = (line: string) => process.stdout.write(`[stack] ${line}\n`);
const stack = await startLocalStack({ env, root, log }).catch((error: unknown) => {
  console.error(
    `tabsafe dev: could not start the local stack: ${error instanceof Error ? error.message : error}`,
  );
  console.error("Is another `npm run dev` running, or is one of the ports in .env.example taken?");
  return process.exit(1);
});

console.log("\ntabsafe local stack");
for (const s of stack.services)
  console.log(`  ${s.name.padEnd(32)} ${s.url.padEnd(28)} ${s.detail}`);
console.log(`  ${"App (next dev)".padEnd(32)} ${env.APP_BASE_URL}\n`);

const nextBin = fileURLToPath(new URL("../node_modules/next/dist/bin/next", import.meta.url));
const next = spawn(process.execPath, [nextBin, "dev", "--port", port], {
  cwd: root,
  stdio: "inherit",
  // Offline by design: no telemetry calls from next dev.
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...stack.env },
});

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (next.exitCode === null) next.kill("SIGTERM");
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
next.on("exit", (code) => void shutdown(code ?? 0));
