import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { Redis } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import {
  findRedisServerBinary,
  startRedisRest,
  startRedisServer,
  type RedisRest,
} from "../../../dev/redis-rest/index.ts";

// The life of the redis-server the Redis REST stand-in starts or shares; what it answers is
// specified in redis-rest.test.ts. CI installs redis-server, so there it must not be skipped.
const hasRedisServer = findRedisServerBinary() !== null;
if (!hasRedisServer && process.env.CI)
  throw new Error("redis-server is not on PATH, but CI must test the private redis-server");

const token = randomBytes(12).toString("hex");
const client = (rest: RedisRest) => new Redis({ url: rest.url, token, enableTelemetry: false });

describe.runIf(hasRedisServer)("a private redis-server", () => {
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });

  it("is shared by two stand-ins on its URL, keeps its data across a restart, and leaves no process", async () => {
    // A data dir of our own: one the server makes itself is removed when it stops.
    const dataDir = mkdtempSync(join(tmpdir(), "tabsafe-redis-test-"));
    const server = await startRedisServer({ dataDir });
    const a = await startRedisRest({ token, redisUrl: server.url });
    const b = await startRedisRest({ token, redisUrl: server.url });
    try {
      expect([a.backend, a.redisUrl]).toEqual(["redis-url", server.url]);
      await client(a).set("shared", { from: "a" });
      expect(await client(b).get("shared")).toEqual({ from: "a" });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await server.stop();
    }
    expect(await listening(server.port)).toBe(false);
    const again = await startRedisServer({ dataDir });
    const c = await startRedisRest({ token, redisUrl: again.url });
    try {
      expect(await client(c).get("shared")).toEqual({ from: "a" }); // replayed from the append-only file
    } finally {
      await c.stop();
      await again.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("is started and stopped by a stand-in that owns it", async () => {
    const rest = await startRedisRest({ token, backend: "redis-server" });
    const port = Number(new URL(rest.redisUrl ?? "").port);
    expect(await listening(port)).toBe(true);
    await rest.stop();
    expect(await listening(port)).toBe(false);
  });
});
