import type { CommandResult } from "./backend.ts";

/**
 * The REST API's request and response bodies.
 *
 * Requests: a command is a non-empty JSON array of strings, numbers and booleans; a pipeline or
 * transaction is a non-empty array of commands. @upstash/redis sends strings, numbers and
 * booleans as they are (its serializer JSON-encodes only other values), so `hset(k, {f: false})`
 * arrives as `["hset", k, "f", false]`; Upstash stores the text "false" (redis-js's own HGETALL
 * test reads it back as `false`), and so does this: true and false become "true" and "false". A
 * number becomes its text exactly as written in the JSON ("2.5", "1e3", "12345678901234567890"),
 * so a long integer from curl is not rounded through a double; the SDK's JSON.stringify writes
 * the shortest round-trip form, so for SDK callers this is String(number) anyway. `null` (what
 * JSON.stringify makes of an `undefined` in the array) and nested arrays or objects are refused:
 * what Upstash answers to them is not documented, and refusing surfaces the caller's bug.
 *
 * Responses: `{result}` or `{error}`. With `Upstash-Encoding: base64` every string in a result is
 * the base64 of its raw bytes, at any depth, except a top-level "OK" — exactly the rule
 * @upstash/redis decodes by (it leaves a top-level "OK" alone and base64-decodes every other
 * string, so a status reply such as PONG must be encoded too). Integers stay numbers, nil is
 * null, errors stay plain text.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A JSON number's source text; a class, so that no JSON object in a body can pass for one. */
class NumberText {
  readonly text: string; // not a parameter property: Node's type stripping (npm run dev) rejects those
  constructor(text: string) {
    this.text = text;
  }
}
type Arg = string | boolean | NumberText;
const isArg = (a: unknown): a is Arg =>
  typeof a === "string" || typeof a === "boolean" || a instanceof NumberText;
const isCommand = (c: unknown): c is Arg[] => Array.isArray(c) && c.length > 0 && c.every(isArg);
const toArgs = (c: Arg[]) => c.map((a) => (a instanceof NumberText ? a.text : String(a)));
const COMMAND_SHAPE = "a non-empty JSON array of strings, numbers and booleans";

/** JSON.parse that keeps each number's source text (Node 22+ hands revivers `context.source`). */
function parseJson(raw: string): Parsed<unknown> {
  const keepNumberText = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === "number" ? new NumberText(context?.source ?? String(value)) : value;
  try {
    return {
      ok: true,
      value: JSON.parse(raw, keepNumberText as (key: string, value: unknown) => unknown),
    };
  } catch (e) {
    return {
      ok: false,
      error: `ERR failed to parse request body as JSON: ${e instanceof Error ? e.message : e}`,
    };
  }
}

export function parseCommand(raw: string): Parsed<string[]> {
  const data = parseJson(raw);
  if (!data.ok) return data;
  return isCommand(data.value)
    ? { ok: true, value: toArgs(data.value) }
    : { ok: false, error: `ERR a command is ${COMMAND_SHAPE}` };
}

export function parseCommands(raw: string): Parsed<string[][]> {
  const data = parseJson(raw);
  if (!data.ok) return data;
  const list = data.value;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isCommand)) {
    return {
      ok: false,
      error: `ERR a pipeline is a non-empty JSON array of commands (each ${COMMAND_SHAPE})`,
    };
  }
  return { ok: true, value: list.map(toArgs) };
}

export function encodeResult(r: CommandResult, base64: boolean): CommandResult {
  return "error" in r ? { error: r.error } : { result: encode(r.result, base64, true) };
}

function encode(value: unknown, base64: boolean, top: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : null; // RESP2 has no booleans; Lua's true is 1
  if (Array.isArray(value)) return value.map((v) => encode(v, base64, false));
  // An error reply nested in an array (only Lua returns those) travels as its text.
  const bytes =
    value instanceof Error
      ? Buffer.from(value.message)
      : Buffer.isBuffer(value)
        ? value
        : Buffer.from(String(value), "utf8");
  if (!base64) return bytes.toString("utf8");
  return top && bytes.length === 2 && bytes.toString("latin1") === "OK"
    ? "OK"
    : bytes.toString("base64");
}
