import type { MockKeyspace, Precheck } from "./memory-types.ts";

/**
 * Commands ioredis-mock answers wrongly without failing, found by running redis-js's own tests
 * against the in-process engine, corrected here (synchronously, like memory-checks.ts):
 * - HSCAN/ZSCAN … MATCH test the pattern against "field,value" (so "field" matches nothing and
 *   "*e" matches on the value): MATCH is applied here instead, with Redis's glob rules;
 * - GETRANGE of a missing key threw a TypeError, and it counted UTF-16 units, not bytes;
 * - LPUSHX/RPUSHX pushed only their first element;
 * - LSET past the end answered OK and changed nothing ("ERR index out of range" in Redis);
 * - ZADD GT/LT answered "syntax error": the pairs GT/LT would skip are dropped before the call;
 * - ZINTERSTORE WEIGHTS/AGGREGATE answered "syntax error": refused, saying what is missing;
 * - GETEX … EXAT/PXAT in the past answered nil; Redis answers the value and deletes the key.
 * Returns undefined for a command it has nothing to say about.
 */
const NOT_INTEGER = "ERR value is not an integer or out of range";
const isInteger = (s: string | undefined) => s !== undefined && /^-?\d+$/.test(s);
const lacks = (what: string) => ({
  error: `ERR ${what} is not supported by the in-process engine (install redis-server or set REDIS_URL)`,
});

export function correct(mock: MockKeyspace, name: string, args: string[]): Precheck | undefined {
  const value = mock.data.has(args[0]) ? mock.data.get(args[0]) : undefined;
  switch (name) {
    case "hscan":
    case "zscan":
      return matchPairs(args);
    case "getrange": {
      if (!isInteger(args[1]) || !isInteger(args[2])) return { error: NOT_INTEGER };
      return {
        result: byteRange(
          value === undefined ? Buffer.alloc(0) : Buffer.from(value as string | Buffer),
          Number(args[1]),
          Number(args[2]),
        ),
      };
    }
    case "lpushx":
    case "rpushx":
      return value === undefined ? { result: 0 } : { name: name.slice(0, 5), args };
    case "lset": {
      if (!isInteger(args[1])) return { error: NOT_INTEGER };
      const length = Array.isArray(value) ? value.length : 0;
      const index = Number(args[1]) < 0 ? length + Number(args[1]) : Number(args[1]);
      return value !== undefined && (index < 0 || index >= length)
        ? { error: "ERR index out of range" }
        : undefined;
    }
    case "zadd":
      return zaddGtLt(value as Map<string, { score: number }> | undefined, args);
    case "getex": {
      const [option, time] = [args[1]?.toUpperCase(), Number(args[2])];
      const at = option === "EXAT" ? time * 1000 : option === "PXAT" ? time : NaN;
      return isInteger(args[2]) && at <= Date.now()
        ? { name: "getdel", args: [args[0]] }
        : undefined;
    }
    case "zinterstore": {
      const option = args[2 + Number(args[1])];
      return isInteger(args[1]) && option !== undefined
        ? lacks(`ZINTERSTORE ${option.toUpperCase()}`)
        : undefined;
    }
  }
  return undefined;
}

/** Redis's GETRANGE on bytes: negative offsets count from the end, the range is clamped. */
function byteRange(bytes: Buffer, start: number, end: number): Buffer {
  if (start < 0 && end < 0 && start > end) return Buffer.alloc(0);
  const from = Math.max(0, start < 0 ? bytes.length + start : start);
  const to = Math.min(bytes.length - 1, Math.max(0, end < 0 ? bytes.length + end : end));
  return from > to || bytes.length === 0 ? Buffer.alloc(0) : bytes.subarray(from, to + 1);
}

/** HSCAN/ZSCAN: the scan without MATCH, then the pairs whose field or member matches. */
function matchPairs(args: string[]): Precheck | undefined {
  const at = args.findIndex((a, i) => i >= 2 && a.toUpperCase() === "MATCH");
  if (at < 0 || args[at + 1] === undefined) return undefined;
  const matches = globToRegExp(args[at + 1]);
  return {
    args: args.filter((_, i) => i !== at && i !== at + 1),
    mapResult: (result) => {
      const [cursor, flat] = result as [string, string[]];
      const kept: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        if (matches.test(String(flat[i]))) kept.push(flat[i], flat[i + 1]);
      return [cursor, kept];
    },
  };
}

const SCORE = /^[+-]?inf$/i;
const parseScore = (s: string) =>
  SCORE.test(s) ? (s.startsWith("-") ? -Infinity : Infinity) : Number(s);

/** ZADD GT/LT: drops the pairs whose member exists with a score GT/LT would not replace. */
function zaddGtLt(
  zset: Map<string, { score: number }> | undefined,
  args: string[],
): Precheck | undefined {
  let first = 1;
  while (first < args.length && /^(nx|xx|gt|lt|ch|incr)$/i.test(args[first])) first++;
  const flags = args.slice(1, first).map((f) => f.toUpperCase());
  if (flags.includes("INCR")) return lacks("ZADD INCR");
  const gt = flags.includes("GT");
  if (!gt && !flags.includes("LT")) return undefined;
  if (flags.includes("NX"))
    return { error: "ERR GT, LT, and/or NX options at the same time are not compatible" };
  const pairs: string[] = [];
  for (let i = first; i + 1 < args.length; i += 2) {
    const [score, current] = [parseScore(args[i]), zset?.get(args[i + 1])?.score];
    if (Number.isNaN(score)) return { error: "ERR value is not a valid float" };
    if (current === undefined || (gt ? score > current : score < current))
      pairs.push(args[i], args[i + 1]);
  }
  if (pairs.length === 0) return { result: 0 };
  return {
    args: [args[0], ...args.slice(1, first).filter((f) => !/^(gt|lt)$/i.test(f)), ...pairs],
  };
}

/** Redis's glob (stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes. */
export function globToRegExp(glob: string): RegExp {
  const literal = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "\\" && i + 1 < glob.length) out += literal(glob[++i]);
    else if (c !== "[") out += literal(c);
    else {
      let j = i + 1;
      const negate = glob[j] === "^";
      if (negate) j++;
      const parts: string[] = [];
      for (; j < glob.length && glob[j] !== "]"; j++) {
        const ch = glob[j] === "\\" && j + 1 < glob.length ? glob[++j] : glob[j];
        if (glob[j + 1] === "-" && j + 2 < glob.length && glob[j + 2] !== "]") {
          const [lo, hi] = [ch, glob[j + 2]].sort();
          parts.push(`${literal(lo)}-${literal(hi)}`);
          j += 2;
        } else parts.push(literal(ch));
      }
      out +=
        parts.length === 0
          ? negate
            ? "[\\s\\S]"
            : "(?!)"
          : `[${negate ? "^" : ""}${parts.join("")}]`;
      i = j; // an unclosed [ runs to the end of the pattern, as in Redis
    }
  }
  return new RegExp(`^${out}$`);
}
