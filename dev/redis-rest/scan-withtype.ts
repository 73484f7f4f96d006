/**
 * `SCAN cursor … WITHTYPE`, an Upstash extension: @upstash/redis sends it for
 * `scan(cursor, { withType: true })` and reads the page as [cursor, [key1, type1, key2, type2, …]].
 * Stock Redis has no such option (redis-server answers "ERR syntax error") and neither has
 * ioredis-mock, so each backend adds it: a real Redis runs SCAN and a TYPE per key in one Lua
 * script (atomic, so a key deleted meanwhile cannot show as "none", and usable inside
 * /multi-exec; INFO commandstats counts it as an EVAL), and the in-process engine reads the types
 * in the same turn as the scan (memory-checks.ts).
 */
export type ScanOptions = {
  /** SCAN's arguments (cursor first) without WITHTYPE. */
  args: string[];
  /** The same without TYPE and its value either, for an engine that filters by type itself. */
  untyped: string[];
  /** The TYPE filter, lower-cased, or null. */
  type: string | null;
  withType: boolean;
};

/** Options with a value; WITHTYPE is a flag. Anything else is left for the backend to judge. */
const TAKES_VALUE = new Set(["MATCH", "COUNT", "TYPE"]);

/** Reads SCAN's options from its arguments (the cursor first, the command name excluded). */
export function scanOptions(args: string[]): ScanOptions {
  const out: ScanOptions = {
    args: args.slice(0, 1),
    untyped: args.slice(0, 1),
    type: null,
    withType: false,
  };
  for (let i = 1; i < args.length; i++) {
    const word = args[i].toUpperCase();
    if (word === "WITHTYPE") {
      out.withType = true;
      continue;
    }
    const taken = TAKES_VALUE.has(word) && i + 1 < args.length ? args.slice(i, i + 2) : [args[i]];
    i += taken.length - 1;
    out.args.push(...taken);
    if (word === "TYPE" && taken.length === 2) out.type = taken[1].toLowerCase();
    else out.untyped.push(...taken);
  }
  return out;
}

/**
 * SCAN with its ARGV, then each key's type. An error of SCAN's own (a bad cursor, a syntax
 * error) comes back as SCAN's error reply, through pcall, not wrapped in a script error.
 */
export const SCAN_WITH_TYPE = `local page = redis.pcall('SCAN', unpack(ARGV))
if page.err then return page end
local out = {}
for _, key in ipairs(page[2]) do
  out[#out + 1] = key
  out[#out + 1] = redis.call('TYPE', key).ok
end
return {page[1], out}`;

/** A real Redis's form of `SCAN … WITHTYPE`: EVAL of SCAN_WITH_TYPE; other commands as they are. */
export function withTypeAsEval(command: string[]): string[] {
  if (command[0].toLowerCase() !== "scan" || command.length < 2) return command;
  const options = scanOptions(command.slice(1));
  return options.withType ? ["EVAL", SCAN_WITH_TYPE, "0", ...options.args] : command;
}
