import { createHash, randomUUID } from "node:crypto";
import RedisMock from "ioredis-mock";
import { errorText, EXECABORT, type Backend, type CommandResult } from "./backend.ts";
import { arityError, COMMANDS } from "./commands.ts";
import { precheck, type MockKeyspace } from "./memory-checks.ts";
import { recordCall, renderInfo, type CommandStats } from "./memory-info.ts";
import { asLua51, compileChunk, engineError, evalChunk, fromLuaOutcome } from "./memory-lua.ts";
import { normalizeOptions } from "./memory-options.ts";
import { newerRedisHint, unavailableError } from "./unavailable.ts";

/** The parts of ioredis-mock used directly: its command methods, and its keyspace for checks. */
type Mock = Record<string, (...args: string[]) => Promise<unknown>> & MockKeyspace;
type Outcome = CommandResult | Promise<CommandResult>;

const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

/**
 * The zero-setup fallback: ioredis-mock in this process, checked and completed so that it
 * answers like Redis where the app can tell: unknown commands and arity (commands.ts), WRONGTYPE
 * and bad increments (memory-checks.ts), options in any case (memory-options.ts), EVAL/EVALSHA
 * (_RO) with Redis's Lua semantics (memory-lua.ts), SCRIPT LOAD/EXISTS/FLUSH with a script cache
 * like Redis's (so the SDK's EVALSHA → EVAL fallback sees NOSCRIPT), and INFO (memory-info.ts).
 *
 * Atomicity: ioredis-mock does a command's work synchronously when the method is called (the
 * promise only delivers the result), so `run` starts each command without awaiting anything.
 *
 * Still different from Redis: hashes are plain objects, so integer-like fields come first in
 * HGETALL/HKEYS/HVALS; commands the table marks `!`, and those it lacks (hash-field TTLs among
 * them), are refused in Upstash's words (unavailable.ts); blocking commands never block.
 */
export function memoryBackend(): Backend {
  // ioredis-mock shares one dataset between instances with the same host:port/db; a unique host
  // gives each stand-in its own, as separate servers would have.
  const mock = new RedisMock({ host: `tabsafe-memory-${randomUUID()}` }) as unknown as Mock;
  const scripts = new Map<string, string>();
  const stats: CommandStats = new Map();
  const startedAt = Date.now();

  /**
   * What Redis rejects while queueing (and so aborts a MULTI for): a command it cannot run —
   * refused in Upstash's words, saying what would run it — and a wrong arity.
   */
  function check(command: string[]): string | null {
    const spec = COMMANDS.get(command[0].toLowerCase());
    const newer = newerRedisHint(command[0]);
    if (!spec)
      return unavailableError(
        command[0],
        newer
          ? `the in-process engine lacks it; ${newer}`
          : "the in-process engine does not know it",
      );
    if (!spec.inMemory)
      return unavailableError(
        command[0],
        "the in-process engine lacks it; install redis-server or set REDIS_URL",
      );
    return arityError(command, spec);
  }

  /** ioredis-mock rejects with its own wording, and some methods throw before returning a promise. */
  function settle(start: () => Promise<unknown>): Promise<CommandResult> {
    const failed = (e: unknown): CommandResult => {
      const message = errorText(e);
      return { error: /^[A-Z][A-Z_]+ /.test(message) ? message : `ERR ${message}` };
    };
    try {
      return start().then((result) => ({ result: flatten(result) }), failed);
    } catch (e) {
      return Promise.resolve(failed(e));
    }
  }

  function evalScript(source: string, rest: string[], readOnly: boolean): Outcome {
    if (!/^-?\d+$/.test(rest[0])) return { error: "ERR value is not an integer or out of range" };
    const numkeys = Number(rest[0]);
    if (numkeys < 0) return { error: "ERR Number of keys can't be negative" };
    if (numkeys > rest.length - 1)
      return { error: "ERR Number of keys can't be greater than number of args" };
    const sha = sha1(source);
    return mock.eval(evalChunk(source, readOnly), String(numkeys), ...rest.slice(1)).then(
      (text) => {
        const outcome = fromLuaOutcome(text, sha);
        const compiled = !("error" in outcome && outcome.error.includes("Error compiling script"));
        if (compiled) scripts.set(sha, source); // EVAL caches what compiles, as Redis does
        return outcome;
      },
      (e) => ({ error: engineError(e) }),
    );
  }

  function scriptCommand([sub = "", ...args]: string[]): Outcome {
    const wrongArity = {
      error: `ERR wrong number of arguments for 'script|${sub.toLowerCase()}' command`,
    };
    switch (sub.toLowerCase()) {
      case "load": {
        if (args.length !== 1) return wrongArity;
        // Compiled (not run), so a syntax error fails here as in Redis.
        return mock.eval(compileChunk(args[0]), "0").then(
          (problem) => {
            if (problem)
              return { error: asLua51(`ERR Error compiling script (new function): ${problem}`) };
            scripts.set(sha1(args[0]), args[0]);
            return { result: sha1(args[0]) };
          },
          (e) => ({ error: engineError(e) }),
        );
      }
      case "exists":
        return args.length === 0
          ? wrongArity
          : { result: args.map((sha) => (scripts.has(sha.toLowerCase()) ? 1 : 0)) };
      case "flush":
        scripts.clear();
        return { result: "OK" };
      case "kill":
        return { error: "NOTBUSY No scripts in execution right now." };
      default:
        return { error: `ERR unknown subcommand '${sub}'. Try SCRIPT HELP.` };
    }
  }

  function dispatch(name: string, args: string[]): Outcome {
    switch (name) {
      case "eval":
      case "eval_ro":
        return evalScript(args[0], args.slice(1), name === "eval_ro");
      case "evalsha":
      case "evalsha_ro": {
        const source = scripts.get(args[0].toLowerCase());
        return source === undefined
          ? { error: NOSCRIPT }
          : evalScript(source, args.slice(1), name === "evalsha_ro");
      }
      case "script":
        return scriptCommand(args);
      case "info":
        return { result: renderInfo(args, { startedAt, keys: mock.data.keys().length, stats }) };
      case "strlen": // ioredis-mock counts UTF-16 units; Redis counts bytes
        return settle(() => mock.get(args[0])).then((r) =>
          "result" in r
            ? { result: r.result == null ? 0 : Buffer.byteLength(String(r.result)) }
            : r,
        );
    }
    const checked = precheck(mock, name, args);
    if (checked === null) return settle(() => mock[name](...normalizeOptions(name, args)));
    if (!("args" in checked)) return checked;
    const actual = checked.name ?? name;
    const pending = settle(() => mock[actual](...normalizeOptions(actual, checked.args)));
    checked.afterCall?.();
    const { mapResult } = checked;
    return mapResult
      ? pending.then((r) => ("result" in r ? { result: mapResult(r.result) } : r))
      : pending;
  }

  /** Starts one command synchronously; only its result may arrive later. */
  function run(command: string[]): Outcome {
    const invalid = check(command);
    if (invalid) return { error: invalid };
    const name = command[0].toLowerCase();
    const started = performance.now();
    const record = (r: CommandResult) => (
      recordCall(stats, name, (performance.now() - started) * 1000, "error" in r), r
    );
    const outcome = dispatch(name, command.slice(1));
    return outcome instanceof Promise ? outcome.then(record) : record(outcome);
  }

  return {
    exec: async (command) => run(command),
    async pipeline(commands) {
      const out: CommandResult[] = [];
      for (const c of commands) out.push(await run(c));
      return out;
    },
    async multi(commands) {
      const invalid = commands.map(check).find((e) => e !== null);
      if (invalid) return { error: `${EXECABORT} (${invalid})` };
      // Every command starts in this one turn, so no other request's command runs in between.
      return Promise.all(commands.map(run));
    },
    async close() {
      await mock.flushall().catch(() => {});
      await mock.quit?.().catch(() => {});
    },
  };
}

/** ioredis-mock answers HGETALL with an object; Redis (and the REST API) with a flat array. */
function flatten(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value))
    return value;
  return Object.entries(value).flat();
}
