import type { AddressInfo } from "node:net";
import { withPolicy, type Backend, type RedisBackendKind } from "./backend.ts";
import { createRestServer, type RestStats } from "./http.ts";
import { connectIoredisBackend } from "./ioredis-backend.ts";
import { memoryBackend } from "./memory-backend.ts";
import { findRedisServerBinary, startRedisServer } from "./redis-server.ts";
import { withUpstashScriptFlags } from "./script-flags.ts";

export { findRedisServerBinary, startRedisServer } from "./redis-server.ts";
export type { RedisServerHandle } from "./redis-server.ts";
export type { RedisBackendKind } from "./backend.ts";
export type { RestStats } from "./http.ts";

export type RedisRestOptions = {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bearer token every request must carry. */
  token: string;
  /**
   * auto (default): `redisUrl` if given, else a private redis-server if one is on PATH, else the
   * in-process engine. "redis-server" always starts a private server (and fails without the
   * binary); "memory" always uses the in-process engine. Only auto looks at `redisUrl`.
   */
  backend?: "auto" | "redis-server" | "memory";
  /** An existing Redis to serve, e.g. process.env.REDIS_URL. */
  redisUrl?: string;
  /** Data directory of a privately started redis-server (default: a fresh temp dir). */
  dataDir?: string;
  log?: (line: string) => void;
};

export type RedisRest = {
  /** Base URL for @upstash/redis, e.g. http://127.0.0.1:8079. */
  url: string;
  port: number;
  backend: RedisBackendKind;
  /** redis:// URL of the real Redis behind it; null for the in-process engine. */
  redisUrl: string | null;
  /** Requests and commands served (a pipeline of n counts n), for benchmarks. */
  stats(): RestStats;
  /** Closes the HTTP server, the Redis connection and a privately started redis-server. */
  stop(): Promise<void>;
};

/** Starts the Upstash Redis REST stand-in. */
export async function startRedisRest(opts: RedisRestOptions): Promise<RedisRest> {
  const choice = opts.backend ?? "auto";
  let kind: RedisBackendKind = "memory";
  let redisUrl: string | null = null;
  let stopServer = async () => {};
  if (choice === "auto" && opts.redisUrl) {
    kind = "redis-url";
    redisUrl = opts.redisUrl;
  } else if (choice === "redis-server" || (choice === "auto" && findRedisServerBinary())) {
    const server = await startRedisServer({ dataDir: opts.dataDir });
    kind = "redis-server";
    redisUrl = server.url;
    stopServer = server.stop;
  }

  let backend: Backend;
  try {
    backend = withUpstashScriptFlags(
      withPolicy(redisUrl ? await connectIoredisBackend(redisUrl) : memoryBackend()),
    );
  } catch (error) {
    await stopServer();
    throw error;
  }
  const { server, stats } = createRestServer(backend, opts.token);
  const host = opts.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) =>
      server.once("error", reject).listen(opts.port ?? 0, host, resolve),
    );
  } catch (error) {
    await backend.close();
    await stopServer();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  opts.log?.(
    `Upstash Redis REST stand-in on ${url} — backend: ${kind}${redisUrl ? ` (${redisUrl})` : " (in-process engine)"}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    backend: kind,
    redisUrl,
    stats,
    stop() {
      stopped ??= (async () => {
        server.closeAllConnections(); // the SDK keeps connections alive; close would wait for them
        await new Promise((resolve) => server.close(resolve));
        await backend.close();
        await stopServer();
      })();
      return stopped;
    },
  };
}
