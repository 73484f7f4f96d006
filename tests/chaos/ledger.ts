import { Redis } from "ioredis";

/**
 * Every write the app's scripts commit to a job, seen by Redis itself (MONITOR lists the commands
 * a Lua script runs, in execution order, with the server's clock). The job hash keeps no history,
 * so this is how the suite sees that a job ended once, got one result, and when each checkpoint
 * landed — whatever the worker that wrote it heard back (a crashed one hears nothing).
 */
export type Ledger = {
  /** job id → step → when (epoch ms) its checkpoints were committed. */
  checkpoints: Map<string, Map<string, number[]>>;
  /** job id → terminal statuses written to its hash (one expected). */
  endings: Map<string, string[]>;
  /** job id → how many times a `result` field was written. */
  results: Map<string, number>;
  /** job id → leases taken (one per delivery that got to run it). */
  leases: Map<string, number>;
  stop(): void;
};

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

export async function startLedger(redisUrl: string, prefix: string): Promise<Ledger> {
  const client = new Redis(redisUrl);
  const monitor = await client.monitor();
  const ledger: Ledger = {
    checkpoints: new Map(),
    endings: new Map(),
    results: new Map(),
    leases: new Map(),
    stop: () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
  const bump = (map: Map<string, number>, id: string) => map.set(id, (map.get(id) ?? 0) + 1);
  const jobKey = `${prefix}job:`;

  monitor.on("monitor", (time: string, args: string[]) => {
    const [command, key] = [String(args[0]).toUpperCase(), String(args[1] ?? "")];
    if (!key.startsWith(jobKey) || key.startsWith(`${jobKey}byIdentity:`)) return;
    const [id, sub] = key.slice(jobKey.length).split(":");
    const at = Number(time) * 1000;
    if (command === "SET" && sub === "lease") bump(ledger.leases, id);
    if (command !== "HSET") return;
    const pairs = args.slice(2).map(String);
    if (sub === "steps") {
      const step = pairs[0];
      if (step.startsWith("@")) return; // the ops timeline's bookkeeping
      const steps = ledger.checkpoints.get(id) ?? new Map<string, number[]>();
      steps.set(step, [...(steps.get(step) ?? []), at]);
      ledger.checkpoints.set(id, steps);
      return;
    }
    if (sub !== undefined) return;
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      if (pairs[i] === "status" && TERMINAL.has(pairs[i + 1]))
        ledger.endings.set(id, [...(ledger.endings.get(id) ?? []), pairs[i + 1]]);
      if (pairs[i] === "result") bump(ledger.results, id);
    }
  });
  return ledger;
}
