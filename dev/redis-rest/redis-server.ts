import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RedisServerHandle = { url: string; port: number; dataDir: string; stop(): Promise<void> };

/** The redis-server binary on PATH, or null (then the stand-in falls back to its in-process engine). */
export function findRedisServerBinary(): string | null {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a private redis-server on a loopback port with its own data directory. Append-only
 * persistence is on, so a restart of the same server (same dataDir) keeps the data.
 */
export async function startRedisServer(opts: { dataDir?: string; port?: number } = {}): Promise<RedisServerHandle> {
  const bin = findRedisServerBinary();
  if (!bin) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tabsafe-redis-"));
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port || (await freePort());
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDir, "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output = (output + d).slice(-4_000)));
  child.stderr?.on("data", (d) => (output = (output + d).slice(-4_000)));
  await waitForPort(port, child, () => output);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    stop: () => stopChild(child),
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.write("PING\r\n");
        socket.once("data", (d) => {
          socket.destroy();
          resolve(d.toString().startsWith("+PONG"));
        });
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}: ${output()}`);
}

/** SIGTERM makes redis-server flush its append-only file and exit; SIGKILL if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
