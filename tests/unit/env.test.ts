import { readFileSync } from "node:fs";
import { parseEnv as parseEnvFile } from "node:util";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv, usesOpenAISimulator } from "@/lib/env";

const example = parseEnvFile(
  readFileSync(new URL("../../.env.example", import.meta.url), "utf8"),
) as Record<string, string>;

describe("lib/env", () => {
  it(".env.example alone is a complete, valid local configuration", () => {
    const env = parseEnv(example);
    expect(env.UPSTASH_REDIS_REST_URL).toBe("http://127.0.0.1:8079");
    expect(env.APP_BASE_URL).toBe("http://localhost:3000");
    expect(usesOpenAISimulator(env)).toBe(true);
  });

  it("names every missing or malformed variable in one error", () => {
    const broken = {
      ...example,
      QSTASH_TOKEN: "",
      UPSTASH_REDIS_REST_URL: "not a url",
      APP_BASE_URL: undefined,
    };
    expect(() => parseEnv(broken)).toThrow(EnvError);
    try {
      parseEnv(broken);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("QSTASH_TOKEN");
      expect(message).toContain("UPSTASH_REDIS_REST_URL");
      expect(message).toContain("APP_BASE_URL");
      expect(message).not.toContain("OPENAI_API_KEY");
    }
  });

  it("treats an empty OPENAI_BASE_URL as the real API and strips trailing slashes from URLs", () => {
    const env = parseEnv({
      ...example,
      OPENAI_BASE_URL: "",
      APP_BASE_URL: "https://tabsafe.example.com/",
    });
    expect(usesOpenAISimulator(env)).toBe(false);
    expect(env.APP_BASE_URL).toBe("https://tabsafe.example.com");
  });

  it("documents every variable the app reads in .env.example", () => {
    const read =
      readFileSync(new URL("../../lib/env.ts", import.meta.url), "utf8").match(
        /^\s{2}([A-Z][A-Z0-9_]+):/gm,
      ) ?? [];
    const names = read.map((l) => l.trim().slice(0, -1));
    expect(names.length).toBeGreaterThan(8);
    for (const name of names) expect(Object.keys(example)).toContain(name);
  });
});
