import type { ChildProcess } from "node:child_process";

/**
 * Owns a child spawned with `detached: true` (its own process group): `stop()` ends the whole
 * group (SIGTERM, then SIGKILL after 5 s), and if the test process dies without calling it, the
 * group is killed on the way out, so no browser or server outlives a run.
 */
export function ownProcessGroup(child: ChildProcess): {
  kill(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
} {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => kill("SIGKILL");
  process.once("exit", onExit);
  return {
    kill,
    async stop() {
      process.off("exit", onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
