import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import RedisMock from "ioredis-mock";

export type RedisBackendKind = "redis-url" | "redis-server" | "memory";
/** One command's outcome, as the REST API reports it (strings still raw bytes here). */
export type CommandResult = { result: unknown } | { error: string };

/** What the HTTP layer needs from a Redis: single commands, pipelines and transactions. */
export type Backend = {
  exec(command: string[]): Promise<CommandResult>;
  pipeline(commands: string[][]): Promise<CommandResult[]>;
  /** Atomic; a transaction discarded as a whole (EXECABORT) answers one error. */
  multi(commands: string[][]): Promise<CommandResult[] | { error: string }>;
  close(): Promise<void>;
};

const SET_OPTIONS = new Set(["EX", "PX", "EXAT", "PXAT", "NX", "XX", "KEEPTTL", "GET"]);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A real Redis (redis-server or REDIS_URL) through ioredis; results come back as Buffers. */
export function ioredisBackend(url: string): Backend {
  const client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  client.on("error", () => {}); // reconnects on its own; failures surface per command
  const settle = (entries: Array<[Error | null, unknown]>) => entries.map(([err, result]) => (err ? { error: errorText(err) } : { result }));
  return {
    async exec([name, ...args]) {
      try {
        return { result: await client.callBuffer(name, ...args) };
      } catch (e) {
        return { error: errorText(e) };
      }
    },
    async pipeline(commands) {
      const p = client.pipeline();
      for (const [name, ...args] of commands) p.callBuffer(name, ...args);
      return settle(((await p.exec()) ?? []) as Array<[Error | null, unknown]>);
    },
    async multi(commands) {
      const m = client.multi();
      for (const [name, ...args] of commands) m.callBuffer(name, ...args);
      try {
        return settle(((await m.exec()) ?? []) as Array<[Error | null, unknown]>);
      } catch (e) {
        return { error: errorText(e) };
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * The zero-setup fallback: ioredis-mock in this process (Lua via fengari). It lacks SCRIPT and
 * EVALSHA of scripts it has not seen, so those are kept here, as Redis keeps its script cache.
 */
export function memoryBackend(): Backend {
  const mock = new RedisMock() as unknown as Record<string, (...args: string[]) => Promise<unknown>>;
  const scripts = new Map<string, string>();
  const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

  /** Rewrites script commands into EVAL; returns an error string for what cannot run. */
  function translate([raw, ...args]: string[]): { name: string; args: string[] } | { error: string } | { result: unknown } {
    const name = (raw ?? "").toLowerCase();
    if (name === "eval" || name === "eval_ro") {
      scripts.set(sha1(args[0] ?? ""), args[0] ?? "");
      return { name: "eval", args };
    }
    if (name === "evalsha" || name === "evalsha_ro") {
      const script = scripts.get((args[0] ?? "").toLowerCase());
      return script === undefined ? { error: "NOSCRIPT No matching script. Please use EVAL." } : { name: "eval", args: [script, ...args.slice(1)] };
    }
    if (name === "script") {
      const sub = (args[0] ?? "").toLowerCase();
      if (sub === "load") {
        scripts.set(sha1(args[1] ?? ""), args[1] ?? "");
        return { result: sha1(args[1] ?? "") };
      }
      if (sub === "exists") return { result: args.slice(1).map((s) => (scripts.has(s.toLowerCase()) ? 1 : 0)) };
      if (sub === "flush") {
        scripts.clear();
        return { result: "OK" };
      }
      return { error: `ERR unknown subcommand '${args[0]}'` };
    }
    if (typeof mock[name] !== "function" || name === "multi" || name === "pipeline") return { error: `ERR unknown command '${raw}' (not supported by the in-process engine; install redis-server)` };
    // ioredis-mock only understands SET's options in upper case; Redis takes any case.
    if (name === "set") return { name, args: args.map((a, i) => (i >= 2 && SET_OPTIONS.has(a.toUpperCase()) ? a.toUpperCase() : a)) };
    return { name, args };
  }

  async function exec(command: string[]): Promise<CommandResult> {
    const t = translate(command);
    if (!("name" in t)) return t;
    try {
      return { result: await mock[t.name](...t.args) };
    } catch (e) {
      return { error: errorText(e) };
    }
  }

  return {
    exec,
    async pipeline(commands) {
      const out: CommandResult[] = [];
      for (const c of commands) out.push(await exec(c));
      return out;
    },
    async multi(commands) {
      const translated = commands.map(translate);
      const bad = translated.find((t) => "error" in t && !("name" in t));
      if (bad && "error" in bad) return { error: `EXECABORT Transaction discarded because of previous errors: ${bad.error}` };
      // ioredis-mock runs each command synchronously when called: issuing them all in one turn,
      // before awaiting any, keeps other requests' commands from interleaving (atomic like EXEC).
      const settled = await Promise.allSettled(
        translated.map((t) => (async () => ("name" in t ? mock[t.name](...t.args) : (t as { result: unknown }).result))()),
      );
      const out: CommandResult[] = settled.map((s) => (s.status === "fulfilled" ? { result: s.value } : { error: errorText(s.reason) }));
      return out;
    },
    async close() {
      await (mock as unknown as { quit(): Promise<unknown> }).quit?.().catch(() => {});
    },
  };
}
