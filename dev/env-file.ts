import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";

export type EnvMap = Record<string, string>;

/**
 * The environment `npm run dev` gives the app: `.env.example` (working local defaults), then
 * `.env.local` (real credentials, never committed), then the shell's own variables, each
 * overriding the one before. Also says which keys the defaults file alone supplied.
 */
export function loadDevEnv(
  root: string,
  shell: Record<string, string | undefined> = process.env,
): { env: EnvMap; fromDefaults: Set<string> } {
  const defaults = readEnvFile(join(root, ".env.example"));
  const local = readEnvFile(join(root, ".env.local"));
  const env: EnvMap = { ...defaults, ...local };
  for (const [k, v] of Object.entries(shell)) if (v !== undefined && k in env) env[k] = v;
  const fromDefaults = new Set(
    Object.keys(defaults).filter((k) => !(k in local) && shell[k] === undefined),
  );
  return { env, fromDefaults };
}

function readEnvFile(path: string): EnvMap {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, "utf8")) as EnvMap;
}

/** True for URLs on this machine: those services are started locally, the rest are real. */
export function isLoopbackUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const host = new URL(value).hostname;
    return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
}

export function portOf(value: string): number {
  const u = new URL(value);
  return Number(u.port || (u.protocol === "https:" ? 443 : 80));
}

/**
 * Where a privately started redis-server keeps its append-only file: REDIS_DATA_DIR (relative to
 * the project root), else `.tabsafe/redis`. Jobs and queued QStash messages survive a restart of
 * `npm run dev` because the next one reads the same directory.
 */
export function redisDataDir(env: EnvMap, root: string): string {
  return env.REDIS_DATA_DIR ? resolve(root, env.REDIS_DATA_DIR) : join(root, ".tabsafe", "redis");
}
