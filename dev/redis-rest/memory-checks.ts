import type { MockKeyspace, Precheck } from "./memory-types.ts";
import { COMMANDS, WRONGTYPE } from "./commands.ts";
import { correct } from "./memory-fixes.ts";
import { scanOptions } from "./scan-withtype.ts";

export type { MockKeyspace, Precheck } from "./memory-types.ts";

/**
 * Checks Redis makes while running a command and ioredis-mock does not, done synchronously on
 * ioredis-mock's keyspace (so a transaction stays one synchronous turn): WRONGTYPE, field/value
 * pairs, increments of values that are not numbers (ioredis-mock would store "NaN"), EXPIRE's
 * NX/XX/GT/LT (it ignores them), SET … KEEPTTL (it drops the TTL), SCAN … TYPE (it refuses it),
 * Upstash's SCAN … WITHTYPE (it does not know it); and, in memory-fixes.ts, the commands it
 * answers wrongly without failing.
 */
export function typeOf(mock: MockKeyspace, key: string): string {
  if (!mock.data.has(key)) return "none";
  const value = mock.data.get(key);
  if (value instanceof Set) return "set";
  if (value instanceof Map) return "zset";
  if (Array.isArray(value)) return "list";
  return typeof value === "string" || Buffer.isBuffer(value) ? "string" : "hash";
}

const isInteger = (s: unknown) =>
  typeof s === "string" &&
  /^(0|-?[1-9]\d*)$/.test(s) &&
  BigInt(s) <= 2n ** 63n - 1n &&
  BigInt(s) >= -(2n ** 63n);
const isFloat = (s: unknown) =>
  typeof s === "string" && s.trim() === s && s !== "" && !Number.isNaN(Number(s));
const NOT_INTEGER = "ERR value is not an integer or out of range";
const NOT_FLOAT = "ERR value is not a valid float";

export function precheck(mock: MockKeyspace, name: string, args: string[]): Precheck {
  const family = COMMANDS.get(name)?.family;
  if (family && args.length > 0) {
    const actual = typeOf(mock, args[0]);
    if (actual !== "none" && actual !== family) return { error: WRONGTYPE };
  }
  const value = (key: string) => (mock.data.has(key) ? mock.data.get(key) : undefined);
  const field = (key: string, f: string) =>
    (value(key) as Record<string, unknown> | undefined)?.[f];
  const pairs =
    name === "hset" || name === "hmset"
      ? args.length - 1
      : name === "mset" || name === "msetnx"
        ? args.length
        : 0;
  if (pairs % 2 !== 0) return { error: `ERR wrong number of arguments for '${name}' command` };
  const corrected = correct(mock, name, args);
  if (corrected !== undefined) return corrected;
  switch (name) {
    case "incr":
    case "decr":
      return value(args[0]) === undefined || isInteger(value(args[0]))
        ? null
        : { error: NOT_INTEGER };
    case "incrby":
    case "decrby":
      return isInteger(args[1]) && (value(args[0]) === undefined || isInteger(value(args[0])))
        ? null
        : { error: NOT_INTEGER };
    case "incrbyfloat":
      return isFloat(args[1]) && (value(args[0]) === undefined || isFloat(value(args[0])))
        ? null
        : { error: NOT_FLOAT };
    case "hincrby":
      if (!isInteger(args[2])) return { error: NOT_INTEGER };
      return field(args[0], args[1]) === undefined || isInteger(field(args[0], args[1]))
        ? null
        : { error: "ERR hash value is not an integer" };
    case "hincrbyfloat":
      if (!isFloat(args[2])) return { error: NOT_FLOAT };
      return field(args[0], args[1]) === undefined || isFloat(field(args[0], args[1]))
        ? null
        : { error: "ERR hash value is not a float" };
    case "expire":
    case "pexpire":
    case "expireat":
    case "pexpireat":
      return expireOptions(mock, name, args);
    case "set":
      return keepTtl(mock, args);
    case "scan":
      return scanType(mock, args);
  }
  return null;
}

function keepTtl(mock: MockKeyspace, args: string[]): Precheck {
  const at = args.findIndex((a, i) => i >= 2 && a.toUpperCase() === "KEEPTTL");
  if (at < 0) return null;
  const key = args[0];
  const expiry = mock.expires.has(key) ? mock.expires.get(key) : null;
  return {
    args: args.filter((_, i) => i !== at),
    afterCall: () => expiry !== null && mock.data.has(key) && mock.expires.set(key, expiry),
  };
}

/**
 * SCAN … TYPE (ioredis-mock refuses it) and Upstash's WITHTYPE (it does not know it). The types
 * are read right after the scan, in the same synchronous turn, so the commands that follow it in
 * a transaction cannot change what the page says; reading every key's type costs no more than
 * ioredis-mock's own scan, which walks every key anyway.
 */
function scanType(mock: MockKeyspace, args: string[]): Precheck {
  const { untyped, type, withType } = scanOptions(args);
  if (type === null && !withType) return null;
  let types = new Map<string, string>();
  return {
    args: untyped,
    afterCall: () => (types = new Map(mock.data.keys().map((key) => [key, typeOf(mock, key)]))),
    mapResult: (result) => {
      const [cursor, keys] = result as [string, string[]];
      const kept = type === null ? keys : keys.filter((key) => types.get(key) === type);
      return [cursor, withType ? kept.flatMap((key) => [key, types.get(key) ?? "none"]) : kept];
    },
  };
}

function expireOptions(
  mock: MockKeyspace,
  name: string,
  [key, time, option, ...rest]: string[],
): Precheck {
  if (!isInteger(time)) return { error: NOT_INTEGER };
  if (option === undefined) return null;
  const flag = option.toUpperCase();
  if (!["NX", "XX", "GT", "LT"].includes(flag) || rest.length > 0)
    return { error: `ERR Unsupported option ${rest[0] ?? option}` };
  if (!mock.data.has(key)) return { result: 0 };
  const now = Date.now();
  const ttl = mock.expires.has(key) ? mock.expires.get(key) - now : -1; // -1: no TTL, i.e. infinite
  const ms = Number(time) * (name.startsWith("p") ? 1 : 1000);
  const target = name.endsWith("at") ? ms - now : ms;
  const skip =
    (flag === "NX" && ttl !== -1) ||
    (flag === "XX" && ttl === -1) ||
    (flag === "GT" && (ttl === -1 || target <= ttl)) ||
    (flag === "LT" && ttl !== -1 && target >= ttl);
  return skip ? { result: 0 } : { args: [key, time] };
}
