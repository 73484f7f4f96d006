/**
 * Commands the stand-in cannot run, refused in Upstash's own words.
 *
 * Upstash answers a command it does not serve with "ERR Command is not available: 'BITFIELD'.
 * See https://upstash.com/docs/redis/overall/rediscompatibility for details" (the name in upper
 * case; seen for ROLE, BITFIELD and RediSearch's FT._LIST, i.e. for Redis commands it lacks and
 * for names Redis does not know alike), not stock Redis's "ERR unknown command '…', with args
 * beginning with: …". The stand-in answers every command its backend cannot run with that
 * sentence, then says in parentheses why — the local backend lacks it, not Upstash, which may
 * well have it — and what would run it.
 *
 * Hash-field TTLs (HEXPIRE and friends, HGETEX/HSETEX/HGETDEL) are refused rather than emulated:
 * on a real redis-server, Lua scripts call Redis directly, so an emulation in this process could
 * never hide an expired field from a script, and every hash read (HGET, HGETALL, HLEN, HEXISTS,
 * HSCAN, HRANDFIELD, HINCRBY, …) and key operation (RENAME, COPY, DEL of the last field) would
 * have to learn about it. A redis-server new enough runs them itself: they pass straight through.
 */
export const UPSTASH_COMPATIBILITY_URL =
  "https://upstash.com/docs/redis/overall/rediscompatibility";

/** Redis release that brought each command Upstash serves and Debian's Redis 7.0 lacks. */
const SINCE: Record<string, string> = {
  ...Object.fromEntries(
    "hexpire hpexpire hexpireat hpexpireat httl hpttl hexpiretime hpexpiretime hpersist"
      .split(" ")
      .map((n) => [n, "7.4"]),
  ),
  hgetex: "8.0",
  hsetex: "8.0",
  hgetdel: "8.0",
  xackdel: "8.2",
  xdelex: "8.2",
};

/** Where to run a command the local backend lacks, if any Redis release has it. */
export function newerRedisHint(name: string): string | null {
  const since = SINCE[name.toLowerCase()];
  return since ? `Redis ${since}+ has it: point REDIS_URL at one` : null;
}

/** Upstash's sentence, then, in parentheses, the stand-in's reason. */
export function unavailableError(name: string, why: string): string {
  return `ERR Command is not available: '${name.toUpperCase()}'. See ${UPSTASH_COMPATIBILITY_URL} for details (local stand-in: ${why})`;
}

const REDIS_UNKNOWN = /^ERR unknown command '([^']*)'/;

/**
 * Rewrites a real Redis's "unknown command" error (alone, or as the cause inside an EXECABORT
 * text) into Upstash's words; every other error is left as Redis wrote it.
 */
export function upstashUnknownCommand(message: string, engine: string): string {
  const execAbort = /^(EXECABORT [^(]*)\((.*)\)$/s.exec(message);
  if (execAbort) return `${execAbort[1]}(${upstashUnknownCommand(execAbort[2], engine)})`;
  const unknown = REDIS_UNKNOWN.exec(message);
  if (!unknown) return message;
  const hint = newerRedisHint(unknown[1]);
  return unavailableError(unknown[1], `${engine} lacks it${hint ? `; ${hint}` : ""}`);
}
