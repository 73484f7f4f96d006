/**
 * A local stand-in for Upstash QStash v2: the official @upstash/qstash Client and Receiver work
 * against it unchanged (`new Client({ baseUrl: dev.url, token })`). It publishes, signs and
 * delivers with retries and backoff, dedupes, delays, calls callbacks, keeps a DLQ, applies flow
 * control (and its management API: pause, pin, reset rate), runs cron schedules, injects faults,
 * and with `redisUrl` survives its own restart. Time is QStash's own: every delay, backoff, Retry-After and rate
 * period takes as long as it does on the real service.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { adminRoutes, checkFaults } from "./admin-routes.ts";
import { dlqRoutes } from "./dlq-routes.ts";
import { flowRoutes } from "./flow-routes.ts";
import { createEngine } from "./engine.ts";
import { authorized, HttpError, sendError } from "./http-util.ts";
import { messageRoutes } from "./message-routes.ts";
import { memoryPersistence } from "./persistence.ts";
import { redisPersistence } from "./redis-persistence.ts";
import { scheduleRoutes } from "./schedule-routes.ts";
import { createSchedules } from "./schedules.ts";
import type { QStashFaults, QStashStats } from "./types.ts";

export type { QStashFaults, QStashStats } from "./types.ts";

export type QStashDevOptions = {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bearer token the API requires. */
  token: string;
  /** Deliveries are signed with this key, as QStash does. */
  currentSigningKey: string;
  /** Accepted for symmetry with QStash's key pair; receivers fall back to it during rotation. */
  nextSigningKey: string;
  /**
   * Deliveries in flight at once across all keys, reported by GET /v2/globalParallelism.
   * Default 100: the Pay-as-you-go plan's Parallelism on QStash's pricing page.
   */
  globalParallelism?: number;
  /**
   * The plan's most Upstash-Retries; a publish asking for more is refused (400). Default: no
   * maximum, as QStash's docs no longer state one per plan (the old pricing table said 3 free, 5
   * pay-as-you-go, 20 fixed; docs commit 347f3b38 removed "retries plan limits info").
   */
  maxRetries?: number;
  /** Keep messages, DLQ, dedupe ids, flow-control keys and schedules in this Redis (keys "qstash-dev:{token tag}:…") to survive restarts. */
  redisUrl?: string | null;
  faults?: QStashFaults;
  log?: (line: string) => void;
};

export type QStashDev = {
  url: string;
  port: number;
  stop(): Promise<void>;
  setFaults(faults: QStashFaults): void;
  stats(): QStashStats;
  /**
   * Requests to QStash's API since start, by method and endpoint ("GET /v2/flowControl",
   * "POST /v2/publish"; a key or id after the endpoint is left out): what a caller pays per call.
   */
  apiCalls(): Record<string, number>;
  /**
   * Resolves when nothing is pending (delayed and retrying messages count) or in flight. A
   * schedule does not count; the message of a firing does once it is published.
   */
  idle(): Promise<void>;
};

export async function startQStash(opts: QStashDevOptions): Promise<QStashDev> {
  if (!opts.token || !opts.currentSigningKey || !opts.nextSigningKey)
    throw new Error("QStash stand-in: token and both signing keys are required");
  const log = opts.log ?? (() => {});
  let faults = checkFaults(opts.faults ?? {});
  // One namespace per token, so stand-ins of different test suites can share a Redis, while a
  // restart with the same configuration finds its own messages again.
  const tag = createHash("sha256").update(opts.token).digest("hex").slice(0, 8);
  const persistence = opts.redisUrl
    ? await redisPersistence(opts.redisUrl, `qstash-dev:${tag}:`)
    : memoryPersistence();
  const globalParallelism = opts.globalParallelism ?? 100;
  if (!Number.isInteger(globalParallelism) || globalParallelism < 1)
    throw new Error(
      `QStash stand-in: globalParallelism must be a positive integer, got ${opts.globalParallelism}`,
    );
  if (opts.maxRetries !== undefined && !(Number.isInteger(opts.maxRetries) && opts.maxRetries >= 0))
    throw new Error(`QStash stand-in: maxRetries must be an integer ≥ 0, got ${opts.maxRetries}`);
  const engine = createEngine({
    persistence,
    globalParallelism,
    maxRetries: opts.maxRetries,
    signingKey: opts.currentSigningKey,
    faults: () => faults,
    log,
    finished: (message, state) => schedules.settled(message, state),
  });
  const schedules = createSchedules({ engine, persistence, log });
  const setFaults = (next: QStashFaults) => {
    faults = checkFaults(next);
  };
  const routes = [
    messageRoutes(engine),
    dlqRoutes(engine),
    flowRoutes(engine),
    scheduleRoutes(schedules, engine),
    adminRoutes(engine, schedules, { get: () => faults, set: setFaults }),
  ];

  const calls = new Map<string, number>();
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://qstash.local");
    const endpoint = /^\/v2\/[^/]+/.exec(url.pathname)?.[0];
    if (endpoint) {
      const call = `${req.method} ${endpoint}`;
      calls.set(call, (calls.get(call) ?? 0) + 1);
    }
    try {
      if (!authorized(req, url, opts.token))
        return sendError(res, 401, "Unauthorized: missing or wrong bearer token");
      for (const route of routes) if (await route(req, res, url)) return;
      sendError(
        res,
        404,
        `${req.method} ${url.pathname} is not part of QStash's API as the local stand-in implements it`,
      );
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendError(res, error.status, error.message);
      if (stopping) return sendError(res, 503, "the QStash stand-in is stopping");
      log(
        `qstash: ${req.method} ${url.pathname} failed: ${error instanceof Error ? error.stack : error}`,
      );
      sendError(
        res,
        500,
        `QStash stand-in error: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  let stopping: Promise<void> | undefined;
  try {
    const restored = await engine.restore();
    if (restored) log(`qstash: resumed ${restored} pending message(s) from Redis`);
    const scheduled = await schedules.restore();
    if (scheduled) log(`qstash: resumed ${scheduled} schedule(s) from Redis`);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await schedules.stop();
    await engine.stop();
    await persistence.close();
    throw new Error(
      `QStash stand-in could not start: ${error instanceof Error ? error.message : error}`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? "127.0.0.1";

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    setFaults,
    stats: () => engine.stats(),
    apiCalls: () => Object.fromEntries(calls),
    idle: () => engine.idle(),
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await schedules.stop();
        await engine.stop();
        server.closeAllConnections();
        await closed;
        await persistence.close();
      })();
      return stopping;
    },
  };
}
