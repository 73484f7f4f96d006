import type { CommandResult } from "./backend.ts";

/**
 * The REST API's request and response bodies.
 *
 * Requests: a command is a non-empty JSON array of strings and numbers (the SDK serialises
 * everything else to strings before sending); a pipeline or transaction is a non-empty array of
 * commands. Numbers become their decimal text, as Redis receives them.
 *
 * Responses: `{result}` or `{error}`. With `Upstash-Encoding: base64` every string in a result is
 * the base64 of its raw bytes, at any depth, except a top-level "OK" — exactly the rule
 * @upstash/redis decodes by (it leaves a top-level "OK" alone and base64-decodes every other
 * string, so a status reply such as PONG must be encoded too). Integers stay numbers, nil is
 * null, errors stay plain text.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

type Arg = string | number;
const isCommand = (c: unknown): c is Arg[] =>
  Array.isArray(c) && c.length > 0 && c.every((a) => typeof a === "string" || (typeof a === "number" && Number.isFinite(a)));
const toArgs = (c: Arg[]) => c.map(String);

function parseJson(raw: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (e) {
    return { ok: false, error: `ERR failed to parse request body as JSON: ${e instanceof Error ? e.message : e}` };
  }
}

export function parseCommand(raw: string): Parsed<string[]> {
  const data = parseJson(raw);
  if (!data.ok) return data;
  return isCommand(data.value) ? { ok: true, value: toArgs(data.value) } : { ok: false, error: "ERR a command is a non-empty JSON array of strings and numbers" };
}

export function parseCommands(raw: string): Parsed<string[][]> {
  const data = parseJson(raw);
  if (!data.ok) return data;
  const list = data.value;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isCommand)) {
    return { ok: false, error: "ERR a pipeline is a non-empty JSON array of commands (arrays of strings and numbers)" };
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
  const bytes = value instanceof Error ? Buffer.from(value.message) : Buffer.isBuffer(value) ? value : Buffer.from(String(value), "utf8");
  if (!base64) return bytes.toString("utf8");
  return top && bytes.length === 2 && bytes.toString("latin1") === "OK" ? "OK" : bytes.toString("base64");
}
