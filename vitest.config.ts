import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

// `server-only` throws outside React Server Components; route handlers and lib
// modules import it, and tests call them directly from Node.
const alias = {
  "@/": root,
  "server-only": fileURLToPath(new URL("./tests/helpers/empty-module.ts", import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["tests/unit/**/*.test.ts?(x)"], environment: "node" },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // ≥ 1000 generated bad inputs per route against the real handlers (fast-check).
          name: "fuzz",
          include: ["tests/fuzz/**/*.fuzz.test.ts"],
          environment: "node",
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Many jobs through the local stack with injected faults; CHAOS_JOBS sets how many.
          name: "chaos",
          include: ["tests/chaos/**/*.chaos.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Attacks on a public deployment, each a test, plus what one attacker can cost (ABUSE_SECONDS).
          name: "abuse",
          include: ["tests/abuse/**/*.abuse.test.ts"],
          environment: "node",
          globalSetup: ["tests/abuse/report.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.e2e.test.ts"],
          environment: "node",
          globalSetup: ["tests/e2e/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "bench",
          include: ["tests/bench/**/*.bench.test.ts"],
          environment: "node",
          globalSetup: ["tests/e2e/global-setup.ts", "tests/bench/report.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
