/**
 * INFO for the in-process engine. ioredis-mock answers INFO with a fixed snapshot of some other
 * server (version 8.2, its pid, its counters), which would mislead an operator, so the engine
 * answers with what it knows: what it is, how many keys it holds, and per-command counts in the
 * `cmdstat_<name>:calls=…` format the ops page and redis-cli users read.
 */
export type CommandStats = Map<string, { calls: number; failed: number; usec: number }>;

export function recordCall(stats: CommandStats, name: string, usec: number, failed: boolean): void {
  const entry = stats.get(name) ?? { calls: 0, failed: 0, usec: 0 };
  entry.calls++;
  entry.usec += Math.round(usec);
  if (failed) entry.failed++;
  stats.set(name, entry);
}

const DEFAULT_SECTIONS = ["server", "clients", "keyspace"];

export function renderInfo(
  args: string[],
  state: { startedAt: number; keys: number; stats: CommandStats },
): string {
  const asked = args.map((a) => a.toLowerCase());
  const all = asked.includes("all") || asked.includes("everything");
  const wants = (section: string) =>
    all || (asked.length === 0 ? DEFAULT_SECTIONS.includes(section) : asked.includes(section));
  const out: string[] = [];
  if (wants("server")) {
    const uptime = Math.floor((Date.now() - state.startedAt) / 1000);
    out.push(
      "# Server",
      "redis_version:7.0.0",
      "redis_mode:standalone",
      "tabsafe_engine:in-process (ioredis-mock)",
      `process_id:${process.pid}`,
      `uptime_in_seconds:${uptime}`,
      "",
    );
  }
  if (wants("clients")) out.push("# Clients", "connected_clients:1", "blocked_clients:0", "");
  if (wants("commandstats")) {
    out.push("# Commandstats");
    for (const [name, s] of [...state.stats].sort(([a], [b]) => a.localeCompare(b))) {
      const perCall = s.calls ? (s.usec / s.calls).toFixed(2) : "0.00";
      out.push(
        `cmdstat_${name}:calls=${s.calls},usec=${s.usec},usec_per_call=${perCall},rejected_calls=0,failed_calls=${s.failed}`,
      );
    }
    out.push("");
  }
  if (wants("keyspace"))
    out.push(
      "# Keyspace",
      ...(state.keys > 0 ? [`db0:keys=${state.keys},expires=0,avg_ttl=0`] : []),
      "",
    );
  return out.join("\r\n");
}
