import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");

/** What the production build is made from; a newer file here means the build is stale. */
const SOURCES = [
  "app",
  "components",
  "hooks",
  "lib",
  "proxy.ts",
  "next.config.ts",
  "package.json",
  "tsconfig.json",
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Why a build is needed, or null when `.next/BUILD_ID` is newer than every source. */
export function staleReason(): string | null {
  if (process.env.CI) return "CI always builds";
  if (process.env.E2E_REBUILD) return "E2E_REBUILD is set";
  const buildId = join(ROOT, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "no production build yet";
  const built = statSync(buildId).mtimeMs;
  const changed = SOURCES.find((s) => newestMtime(join(ROOT, s)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/**
 * vitest globalSetup of the e2e project: one production build per run (skipped when the last
 * one is newer than every source), so the browser tests exercise what deploys — the proxy,
 * route handlers and client bundles of `next build` — not dev mode.
 */
export default function setup(): void {
  const reason = staleReason();
  if (!reason) return;
  const started = Date.now();
  const result = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0)
    throw new Error(`next build failed (${reason}):\n${result.stdout}\n${result.stderr}`);
  console.log(`e2e: next build (${reason}) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
