import "server-only";
import { redis } from "@/lib/redis/client";

type Script = ReturnType<ReturnType<typeof redis>["createScript"]>;
const scripts = new Map<string, Script>();

type Names = readonly string[];
/** A script's reply codes by name: `{ 1: "leased", [-1]: "missing" }`. */
type Codes = Readonly<Record<number, string>>;
type Value = string | number;

/**
 * What a Lua script takes and answers, declared once beside its source. The Lua header binds
 * every input to a named local in the declared order — `local {key}Key = KEYS[i]` for each of
 * `keys`, `local {arg} = ARGV[i]` (or `tonumber(ARGV[i])`) for each of `args`, and for a
 * variadic tail `local {rest}At = n`, its first index — so the call site passes objects, and
 * tests/unit/script-contracts.test.ts checks the two agree.
 */
export type ScriptSpec<K extends Names, A extends Names, C extends Codes> = {
  lua: string;
  keys: K;
  args: A;
  /** The variadic ARGV tail after `args` (field, value pairs…), by what it holds. */
  rest?: string;
  /** The variadic KEYS tail after `keys`. */
  keyRest?: string;
  /** Reply codes (the reply, or its first element), by outcome. */
  codes?: C;
};

export type ScriptInput<K extends Names, A extends Names> = {
  keys: { [N in K[number]]: string };
  args: { [N in A[number]]: Value };
  rest?: readonly Value[];
  keyRest?: readonly string[];
};

/** A coded reply: the outcome its code names, and the values after the code. */
export type Decoded<C extends Codes> = { outcome: C[keyof C]; values: unknown[] };

export type DefinedScript<K extends Names, A extends Names, C extends Codes> = ScriptSpec<K, A, C> &
  DefinedParts<K, A, C>;

type DefinedParts<K extends Names, A extends Names, C extends Codes> = {
  /** The operation's name, from its contract comment (`--[[ LEASE_JOB: …`). */
  name: string;
  /** The KEYS and ARGV lists in the declared order (for a pipeline's EVAL). */
  lists(input: ScriptInput<K, A>): [string[], string[]];
  /** Runs it: EVALSHA, EVAL on NOSCRIPT. The reply decoded when the spec names its codes. */
  run(input: ScriptInput<K, A>): Promise<[keyof C] extends [never] ? unknown : Decoded<C>>;
  /** The reply of a run made elsewhere (a pipeline), decoded by `codes`. */
  decode(reply: unknown): Decoded<C>;
};

export function defineScript<
  const K extends Names,
  const A extends Names,
  const C extends Codes = Record<never, never>,
>(spec: ScriptSpec<K, A, C>): DefinedScript<K, A, C> {
  const name = /^--\[\[ ([A-Z_]+):/.exec(spec.lua)?.[1] ?? "script";
  const lists = (input: ScriptInput<K, A>): [string[], string[]] => [
    [...spec.keys.map((k: K[number]) => input.keys[k]), ...(input.keyRest ?? [])],
    [...spec.args.map((a: A[number]) => input.args[a]), ...(input.rest ?? [])].map(String),
  ];
  return {
    ...spec,
    name,
    lists,
    decode: (reply: unknown) => decodeReply(name, spec.codes ?? ({} as C), reply),
    run: async (input: ScriptInput<K, A>) => {
      const reply = await runScript(spec.lua, ...lists(input));
      return (spec.codes ? decodeReply(name, spec.codes, reply) : reply) as never;
    },
  };
}

/**
 * The one decoder of coded replies: the code (the reply, or its first element) becomes the
 * outcome it names. A code the script does not declare means the script and this build
 * disagree: that is broken, so it throws.
 */
export function decodeReply<C extends Codes>(name: string, codes: C, reply: unknown): Decoded<C> {
  const code = Array.isArray(reply) ? reply[0] : reply;
  const outcome = typeof code === "number" && Object.hasOwn(codes, code) ? codes[code] : undefined;
  if (outcome === undefined) throw new Error(`${name} answered an undeclared code ${String(code)}`);
  return { outcome: outcome as C[keyof C], values: Array.isArray(reply) ? reply.slice(1) : [] };
}

/**
 * Runs a Lua script through @upstash/redis's script helper: EVALSHA, falling back to EVAL (which
 * loads it) on NOSCRIPT. One round trip, billed by Upstash as one command however many Redis
 * calls the script makes.
 */
function runScript(source: string, keyList: string[], args: string[]): Promise<unknown> {
  let script = scripts.get(source);
  if (!script) scripts.set(source, (script = redis().createScript(source)));
  return script.exec(keyList, args);
}

/** Redis returns a hash as [field, value, field, value, …] inside Lua results. */
export function pairsToRecord(pairs: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(pairs)) return out;
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = String(pairs[i + 1]);
  return out;
}
