import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export type RedisServerHandle = {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
};

/** The redis-server binary on PATH, or null (then the stand-in falls back to its in-process engine). */
export function findRedisServerBinary(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** A port that was free a moment ago on `host`: the OS picks one, or `port` if it is free. */
export async function freePort(host = "127.0.0.1", port = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(port, host, resolve),
  );
  const address = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

/**
 * redis-server runs under a small sh that ties its life to ours: the sh holds the read end of a
 * pipe whose only write end is this process's `stdin` handle for the child, and when that pipe
 * closes — stop() closes it, and so does the OS when this process dies in any way, SIGKILL and
 * a test worker torn down by signal included — it sends redis-server SIGTERM (Redis then flushes
 * its append-only file and exits). `wait` makes the sh exit with redis-server, so a server that
 * fails to start is seen at once. It is its own process group, so SIGKILL can take all of it.
 */
const SUPERVISOR = [
  "exec 3<&0",
  '"$0" "$@" </dev/null 3<&- & rs=$!',
  '( read _ <&3; kill -TERM "$rs" 2>/dev/null ) &',
  "exec 3<&-",
  'wait "$rs"',
].join("\n");

/**
 * Starts a private redis-server on a loopback port with its own data directory and waits until
 * it answers PING. Append-only persistence is on (and RDB snapshots off), so a restart of the same
 * server on the same dataDir keeps the data. A chosen port that is taken fails; a picked one that
 * was taken meanwhile is picked again.
 */
export async function startRedisServer(
  opts: { dataDir?: string; port?: number } = {},
): Promise<RedisServerHandle> {
  const bin = findRedisServerBinary();
  if (!bin)
    throw new Error(
      "redis-server is not on PATH (apt-get install redis-server, or brew install redis)",
    );
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tabsafe-redis-"));
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    // A chosen port is checked first: otherwise the PING below could reach whatever holds it.
    const port = await freePort("127.0.0.1", opts.port ?? 0).catch((e: Error) => {
      throw new Error(`cannot start redis-server on port ${opts.port}: ${e.message}`);
    });
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dataDir,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--daemonize",
      "no",
    ];
    const child = spawn("sh", ["-c", SUPERVISOR, bin, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4_000)); // the tail, for error messages
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("error", (e) => keep(Buffer.from(String(e))));
    child.stdin?.on("error", () => {}); // EPIPE once the sh is gone is expected, not a crash
    child.once("exit", () => child.stdin?.destroy()); // lets the watcher subshell go too
    try {
      await waitForPing(port, child);
    } catch (e) {
      await stopChild(child);
      if (!opts.port && attempt < 3 && /address already in use/i.test(output)) continue;
      throw new Error(`${e instanceof Error ? e.message : e}\n${output.trim()}`);
    }
    // A data dir we made ourselves is scratch: remove it with the server, so runs leave no trace.
    const stop = async () => {
      await stopChild(child);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    };
    return { url: `redis://127.0.0.1:${port}`, port, dataDir, stop };
  }
}

/** Polls until the server answers +PONG (it answers -LOADING while it replays its AOF). */
async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode})`);
    if ((await pingOnce(port)) && child.exitCode === null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within 15 s`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1_000, () => done(false)); // something else on the port that never answers
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
    socket.once("error", () => done(false));
  });
}

/** Closing the pipe makes the supervisor SIGTERM redis-server; SIGKILL to the group if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  const group = child.pid;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5_000);
    const done = () => (clearTimeout(timer), resolve());
    child.once("exit", done);
    child.once("error", done);
    child.stdin?.end();
  });
}
