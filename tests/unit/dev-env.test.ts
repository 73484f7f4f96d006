import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isLoopbackUrl, loadDevEnv, portOf, redisDataDir } from "../../dev/env-file.ts";

describe("npm run dev's environment", () => {
  it("layers .env.example < .env.local < the shell, and says which values are only defaults", () => {
    const root = mkdtempSync(join(tmpdir(), "tabsafe-env-"));
    writeFileSync(
      join(root, ".env.example"),
      "A=1\nB=2\nC=3\nAPP_BASE_URL=http://localhost:3000\n",
    );
    writeFileSync(join(root, ".env.local"), "B=local\n");
    const { env, fromDefaults } = loadDevEnv(root, { C: "shell", UNRELATED: "x" });
    expect(env).toEqual({ A: "1", B: "local", C: "shell", APP_BASE_URL: "http://localhost:3000" });
    expect([...fromDefaults].sort()).toEqual(["A", "APP_BASE_URL"]);
  });

  it("starts a stand-in only for services on this machine", () => {
    expect(isLoopbackUrl("http://127.0.0.1:8079")).toBe(true);
    expect(isLoopbackUrl("http://localhost:8080")).toBe(true);
    expect(isLoopbackUrl("https://eu1-fancy-db.upstash.io")).toBe(false);
    expect(isLoopbackUrl("")).toBe(false);
    expect(isLoopbackUrl("not a url")).toBe(false);
    expect(portOf("http://127.0.0.1:8090/v1")).toBe(8090);
    expect(portOf("https://qstash.upstash.io")).toBe(443);
  });

  it("keeps redis-server's data in .tabsafe/redis unless REDIS_DATA_DIR (its .env.example line set from the shell) says where", () => {
    const root = mkdtempSync(join(tmpdir(), "tabsafe-env-"));
    writeFileSync(join(root, ".env.example"), "A=1\nREDIS_DATA_DIR=\n");
    expect(redisDataDir(loadDevEnv(root, {}).env, root)).toBe(join(root, ".tabsafe", "redis"));
    expect(redisDataDir(loadDevEnv(root, { REDIS_DATA_DIR: "/tmp/scratch-redis" }).env, root)).toBe(
      "/tmp/scratch-redis",
    );
    expect(redisDataDir(loadDevEnv(root, { REDIS_DATA_DIR: "scratch" }).env, root)).toBe(
      join(root, "scratch"),
    );
    rmSync(root, { recursive: true });
  });
});
