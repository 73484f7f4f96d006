/**
 * Runs the QStash stand-in on its own: `node dev/qstash/main.ts`, configured like the app
 * (QSTASH_URL gives the port, QSTASH_TOKEN, QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY,
 * optional REDIS_URL and QSTASH_DEV_FAULTS as JSON). It runs at QStash's real timing. Ctrl-C
 * stops it.
 */
import { startQStash } from "./index.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`qstash stand-in: set ${name} (see .env.example)`);
    process.exit(2);
  }
  return value;
}

function portOf(value: string | undefined): number {
  if (!value) return 8080;
  const url = new URL(value);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

let faults = {};
try {
  faults = JSON.parse(process.env.QSTASH_DEV_FAULTS || "{}");
} catch {
  console.error(
    'qstash stand-in: QSTASH_DEV_FAULTS must be JSON, e.g. {"dropRate":0.1,"cutoffRate":0.05}',
  );
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const dev = await startQStash({
  port: portOf(process.env.QSTASH_URL),
  token: required("QSTASH_TOKEN"),
  currentSigningKey: required("QSTASH_CURRENT_SIGNING_KEY"),
  nextSigningKey: required("QSTASH_NEXT_SIGNING_KEY"),
  redisUrl: process.env.REDIS_URL || null,
  faults,
  log,
}).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

log(
  `QStash stand-in listening on ${dev.url} (${process.env.REDIS_URL ? `messages kept in ${process.env.REDIS_URL}` : "messages in memory"})`,
);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await dev.stop();
  log(`QStash stand-in stopped: ${JSON.stringify(dev.stats())}`);
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
