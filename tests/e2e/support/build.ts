import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * vitest globalSetup of the e2e project: one production build of the app per run, so the
 * browser tests exercise what deploys (proxy, route handlers, client bundles), not dev mode.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const next = fileURLToPath(new URL("../../../node_modules/next/dist/bin/next", import.meta.url));
  const result = spawnSync(process.execPath, [next, "build"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
}
