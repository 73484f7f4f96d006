import type { CommandResult } from "./backend.ts";
import { CJSON_LUA } from "./lua-cjson.ts";
import { RUNTIME_LUA, WRITES_LUA } from "./lua-runtime.ts";

/**
 * Makes ioredis-mock's Lua (fengari, Lua 5.3) behave like Redis's scripting for the scripts an
 * app writes. Out of the box ioredis-mock only provides redis.call/pcall, hands replies over as
 * JS proxies (nil as a truthy `null`, integers as floats, nested arrays indexed from 0), checks
 * no types, ignores lower-case SET options, has no cjson or status/error replies, fails on
 * tables built by assignment, turns `true`, floats and nils into the wrong replies, and reports
 * errors as "null". So each EVAL runs a chunk that sets up lua-runtime.ts (and cjson when the
 * script mentions it), loads the user's script as its own chunk named "@user_script" — so
 * compile errors, runtime errors and line numbers read as in Redis — runs it, and returns the
 * reply as JSON text, which this side decodes.
 *
 * Known differences that remain: it is Lua 5.3 on 32-bit integers rather than Lua 5.1 on
 * doubles (integer arithmetic past 2^31 wraps, `//` exists, a float prints as "1.0", error
 * wording differs); an error raised by a call in tail position (`return redis.call(…)`) lacks
 * Redis's " script: <sha>, on @user_script:<line>." suffix; there is no redis.sha1hex, bit,
 * struct or cmsgpack; commands inside scripts are not checked for arity.
 */

/** Source as a Lua long string; the newline after the opening bracket is dropped by Lua. */
function longString(source: string): string {
  let level = 0;
  // The closing bracket must not appear in the source, nor be completed by its last "]".
  while (source.includes(`]${"=".repeat(level)}]`) || source.endsWith(`]${"=".repeat(level)}`))
    level++;
  const eq = "=".repeat(level);
  return `[${eq}[\n${source}]${eq}]`;
}

/** Redis 7 accepts a shebang line ("#!lua flags=…"); Lua does not. It becomes a comment. */
const withoutShebang = (source: string) => (source.startsWith("#!") ? `--${source}` : source);

/** The chunk ioredis-mock runs for EVAL of `source`; it returns JSON text. */
export function evalChunk(source: string, readOnly: boolean): string {
  return [
    `local __WRITES = ${readOnly ? WRITES_LUA : "nil"}`,
    RUNTIME_LUA,
    source.includes("cjson") ? CJSON_LUA : "",
    `return __run(load(${longString(withoutShebang(source))}, '@user_script', 't'))`,
  ].join("\n");
}

/** A chunk that only compiles `source` (SCRIPT LOAD): returns "" or the compile error. */
export function compileChunk(source: string): string {
  return `local f, e = load(${longString(withoutShebang(source))}, '@user_script', 't') return f and '' or e`;
}

/** Lua 5.1 (Redis) quotes '<eof>' in syntax errors; 5.3 does not. */
export const asLua51 = (message: string) => message.replace(/near <eof>$/, "near '<eof>'");

type Outcome = { reply: unknown } | { error: string; line: number };

/** The chunk's JSON answer as a command outcome; errors raised by the script name its line. */
export function fromLuaOutcome(text: unknown, sha: string): CommandResult {
  const outcome = JSON.parse(String(text)) as Outcome;
  if ("error" in outcome) {
    // Compile errors carry no line, and Redis adds no "script: …" suffix to them.
    const text = asLua51(outcome.error);
    return {
      error: outcome.line > 0 ? `${text} script: ${sha}, on @user_script:${outcome.line}.` : text,
    };
  }
  const reply = revive(outcome.reply);
  return reply instanceof Error ? { error: reply.message } : { result: reply };
}

/** {err} objects are error replies: an Error (whose text travels in arrays) or the whole reply. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value !== null && typeof value === "object")
    return new Error(String((value as { err: unknown }).err));
  return value;
}

/** What ioredis-mock throws for a chunk of ours that failed to load or run: an engine failure. */
export function engineError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return `ERR in-process Lua engine failed: ${message.replace(/^Error trying to loading or executing lua code string in VM: /, "")}`;
}
