/**
 * ioredis-mock only recognises command options spelled in upper case (`SET k v NX` works,
 * `SET k v nx` silently ignores the nx, `LINSERT k before …` is refused), while Redis takes any
 * case and @upstash/redis sends them in lower case. This upper-cases option keywords, and only keywords: it walks each
 * command's options from where they start, skipping the values that follow MATCH, EX, LIMIT…,
 * so a pattern or value that happens to read "nx" is left alone.
 */

/** Index in the arguments (after the command name) where a command's options begin. */
const OPTIONS_START: Record<string, number> = {
  set: 2,
  getex: 1,
  expire: 2,
  pexpire: 2,
  expireat: 2,
  pexpireat: 2,
  zadd: 1,
  zrange: 3,
  zrevrange: 3,
  zrangebyscore: 3,
  zrevrangebyscore: 3,
  zrangebylex: 3,
  zrevrangebylex: 3,
  zrangestore: 4,
  scan: 1,
  hscan: 2,
  sscan: 2,
  zscan: 2,
  zrandmember: 2,
  hrandfield: 2,
  lpos: 2,
};

const FLAGS = new Set([
  "NX",
  "XX",
  "GT",
  "LT",
  "CH",
  "INCR",
  "GET",
  "KEEPTTL",
  "PERSIST",
  "WITHSCORES",
  "WITHVALUES",
  "REV",
  "BYSCORE",
  "BYLEX",
]);
const TAKES_VALUE = new Set([
  "EX",
  "PX",
  "EXAT",
  "PXAT",
  "MATCH",
  "COUNT",
  "TYPE",
  "RANK",
  "MAXLEN",
]);

/** Keywords at fixed places: LINSERT's BEFORE|AFTER, LMOVE's LEFT|RIGHT pair. */
const KEYWORDS_AT: Record<string, number[]> = { linsert: [1], lmove: [2, 3], blmove: [2, 3] };

export function normalizeOptions(name: string, args: string[]): string[] {
  const at = KEYWORDS_AT[name];
  if (at) return args.map((a, i) => (at.includes(i) ? a.toUpperCase() : a));
  const start = OPTIONS_START[name];
  if (start === undefined) return args;
  const out = [...args];
  for (let i = start; i < out.length; i++) {
    const word = out[i].toUpperCase();
    if (FLAGS.has(word)) out[i] = word;
    else if (TAKES_VALUE.has(word)) out[i++] = word;
    else if (word === "LIMIT") (out[i] = word), (i += 2);
    else if (name === "zadd") break; // the first score: the rest are score/member pairs
  }
  return out;
}
