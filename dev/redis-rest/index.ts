import type { AddressInfo } from "node:net";
import { ioredisBackend, memoryBackend, type Backend, type RedisBackendKind } from "./backend.ts";
import { createRestServer, type RestStats } from "./http.ts";
import { findRedisServerBinary, startRedisServer } from "./redis-server.ts";

export { findRedisServerBinary, startRedisServer } from "./redis-server.ts";
export type { RedisBackendKind } from "./backend.ts";

export type RedisRestOptions = {
  /** 0 or undefined: a free port. */
  port?: number;
  host?: string;
  /** Bearer token every request must carry. */
  token: string;
  /** auto: `redisUrl` if given, else a private redis-server if installed, else the in-process engine. */
  backend?: "auto" | "redis-server" | "memory";
  redisUrl?: string;
  /** Data directory of a privately started redis-server (default: a fresh temp dir). */
  dataDir?: string;
  log?: (line: string) => void;
};

export type RedisRest = {
  url: string;
  port: number;
  backend: RedisBackendKind;
  /** redis:// URL of the real Redis behind it; null for the in-process engine. */
  redisUrl: string | null;
  /** Requests and commands served (a pipeline of n counts n), for benchmarks. */
  stats(): RestStats;
  stop(): Promise<void>;
};

/** Starts the Upstash Redis REST stand-in. */
export async function startRedisRest(opts: RedisRestOptions): Promise<RedisRest> {
  const choice = opts.backend ?? "auto";
  let kind: RedisBackendKind;
  let redisUrl: string | null = null;
  let stopServer = async () => {};
  let backend: Backend;
  if (choice !== "memory" && opts.redisUrl) {
    kind = "redis-url";
    redisUrl = opts.redisUrl;
  } else if (choice === "redis-server" || (choice === "auto" && findRedisServerBinary())) {
    const server = await startRedisServer({ dataDir: opts.dataDir });
    kind = "redis-server";
    redisUrl = server.url;
    stopServer = server.stop;
  } else {
    kind = "memory";
  }
  backend = redisUrl ? ioredisBackend(redisUrl) : memoryBackend();
  const { server, stats } = createRestServer(backend, opts.token);
  const host = opts.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, host, resolve));
  } catch (error) {
    await backend.close();
    await stopServer();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  opts.log?.(`redis rest on http://${host}:${port} (${kind}${redisUrl ? ` ${redisUrl}` : ""})`);
  let stopped: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    backend: kind,
    redisUrl,
    stats,
    stop() {
      stopped ??= (async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await backend.close();
        await stopServer();
      })();
      return stopped;
    },
  };
}
