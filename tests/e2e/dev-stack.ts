import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "../../dev/redis-rest/redis-server.ts";
import { eventually } from "../helpers/eventually.ts";
import { ownProcessGroup } from "./process-group.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START = fileURLToPath(new URL("../../dev/start.ts", import.meta.url));

/** The four ports of one `npm run dev`: the app and the three stand-ins. */
export type DevPorts = { app: number; redis: number; qstash: number; openai: number };

/** Four distinct ports that were free a moment ago. */
export async function devPorts(): Promise<DevPorts> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [app, redis, qstash, openai] = [...ports];
  return { app, redis, qstash, openai };
}

export type DevStack = {
  /** The app as a person on this machine opens it by address. */
  url: string;
  /** Last lines `npm run dev` printed (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves once the app answers GET /api/listings (next dev compiles a route on first use). */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Ctrl-C as a person does it: SIGTERM to the group; dev/start.ts stops the stand-ins and
   * redis-server.
   */
  stop(): Promise<void>;
  /**
   * SIGKILL to every process of the stack at once (dev/start.ts, next dev, redis-server);
   * resolves with them once all are gone.
   */
  crash(): Promise<Array<{ pid: number; command: string }>>;
};

/**
 * `npm run dev`'s own entry (`node dev/start.ts`, on this process's Node 24) in its own process
 * group, on `ports`, with redis-server's data in `dataDir`, everything else from `.env.example`
 * unless `env` overrides it. The test runner's NODE_ENV and any REDIS_URL are not passed on:
 * next dev sets its own, and the stack must start its private redis-server.
 */
export function startDevStack(opts: {
  ports: DevPorts;
  dataDir: string;
  env?: Record<string, string>;
}): DevStack {
  const { ports } = opts;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "NODE_ENV" && !k.startsWith("VITEST")),
  );
  const env: Record<string, string | undefined> = {
    ...inherited,
    PORT: String(ports.app),
    APP_BASE_URL: `http://localhost:${ports.app}`,
    UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${ports.redis}`,
    QSTASH_URL: `http://127.0.0.1:${ports.qstash}`,
    OPENAI_BASE_URL: `http://127.0.0.1:${ports.openai}/v1`,
    REDIS_URL: "",
    REDIS_DATA_DIR: opts.dataDir,
    LOG_LEVEL: "warn",
    // The crash test proves QStash's own retries resume a job: no sweep to do it for them.
    OPS_SCHEDULE: "off",
    ...opts.env,
  };
  const child = spawn(process.execPath, [START], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-12_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const group = ownProcessGroup(child);
  const url = `http://127.0.0.1:${ports.app}`;

  return {
    url,
    output: () => output,
    async ready(timeoutMs = 120_000) {
      await eventually(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(
              `npm run dev exited (${child.exitCode ?? child.signalCode}):\n${output}`,
            );
          return (
            (await fetch(`${url}/api/listings`).then(
              (r) => r.ok,
              () => false,
            )) || null
          );
        },
        { timeoutMs, intervalMs: 250 },
      ).catch((error: unknown) => {
        throw new Error(
          `npm run dev did not answer ${url}/api/listings within ${timeoutMs / 1000} s (${error instanceof Error ? error.message : error}):\n${output}`,
        );
      });
    },
    stop: () => group.stop(),
    async crash() {
      // redis-server runs in a process group of its own (dev/redis-rest/redis-server.ts), so
      // the whole stack is every descendant of dev/start.ts, found before anyone is killed.
      const pids = [child.pid!, ...descendants(child.pid!)];
      const own = processGroup(process.pid);
      const groups = new Set(
        pids.map(processGroup).filter((g): g is number => g !== null && g !== own),
      );
      const commands = pids.map((pid) => ({ pid, command: commandOf(pid) }));
      for (const target of [...[...groups].map((g) => -g), ...pids]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await eventually(() => pids.every((pid) => !alive(pid)), { timeoutMs: 15_000 });
      await group.stop(); // only forgets the group now: it is gone
      return commands;
    },
  };
}

/** /proc/{pid}/stat fields after the command name: state, ppid, pgrp, … */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

const alive = (pid: number) => {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
};
const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
};
const processGroup = (pid: number) => {
  const pgrp = statFields(pid)?.[2];
  return pgrp ? Number(pgrp) : null;
};

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = statFields(Number(name))?.[1];
    if (ppid) parentOf.set(Number(name), Number(ppid));
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) if (parent === p) found.push(child), walk(child);
  };
  walk(pid);
  return found;
}
