import { unavailableError } from "./unavailable.ts";

/**
 * What the stand-in knows about Redis commands, independent of the backend.
 *
 * The table lists the Redis commands ioredis-mock (the in-process engine) has a method for, with
 * arity and flags copied from Redis 7.0's COMMAND INFO: "name arity [w] [family] [!]", where a
 * positive arity is exact and a negative one a minimum (both count the command name), `w` marks
 * a write (refused in EVAL_RO scripts), the family letter is the type the first key must hold
 * (s string, h hash, z sorted set, l list, S set, x stream) or WRONGTYPE, and `!` marks a
 * method that only throws "Unsupported command". ioredis-mock checks neither arity nor types, so
 * the engine checks both from here to answer like Redis (streams excepted: ioredis-mock's TYPE
 * does not report them as "stream").
 */
const TABLE = `
append 3 w s, bitcount -2 s, bitfield -2 w s !, bitfield_ro -2 s !, bitop -4 w !, bitpos -3 s !,
blmove 6 w l !, blmpop -5 w !, blpop -3 w l !, brpop -3 w l !, brpoplpush 4 w l, bzmpop -5 w !,
bzpopmax -3 w !, bzpopmin -3 w !, copy -3 w !, dbsize 1, decr 2 w s, decrby 3 w s, del -2 w,
dump 2 !, echo 2, eval -3, eval_ro -3, evalsha -3, evalsha_ro -3, exists -2, expire -3 w,
expireat -3 w, expiretime 2, flushall -1 w, flushdb -1 w, geoadd -5 w !, geodist -4 !, geohash -2 !,
geopos -2 !, georadius -6 w !, georadius_ro -6 !, georadiusbymember -5 w !,
georadiusbymember_ro -5 !, geosearch -7 !, geosearchstore -8 w !, get 2 s, getbit 3 s, getdel 2 w s,
getex -2 w s, getrange 4 s, getset 3 w s, hdel -3 w h, hexists 3 h, hget 3 h, hgetall 2 h,
hincrby 4 w h, hincrbyfloat 4 w h, hkeys 2 h, hlen 2 h, hmget -3 h, hmset -4 w h, hrandfield -2 h,
hscan -3 h, hset -4 w h, hsetnx 4 w h, hstrlen 3 h, hvals 2 h, incr 2 w s, incrby 3 w s,
incrbyfloat 3 w s, info -1, keys 2, lcs -3 s !, lindex 3 l, linsert 5 w l, llen 2 l, lmove 5 w l,
lmpop -4 w, lpop -2 w l, lpos -3 l, lpush -3 w l, lpushx -3 w l, lrange 4 l, lrem 4 w l, lset 4 w l,
ltrim 4 w l, mget -2, move 3 w !, mset -3 w, msetnx -3 w, persist 2 w, pexpire -3 w, pexpireat -3 w,
pexpiretime 2, pfadd -2 w !, pfcount -2 !, pfmerge -2 w !, ping -1, psetex 4 w, pttl 2, publish 3,
pubsub -2, randomkey 1, rename 3 w, renamenx 3 w, restore -4 w !, rpop -2 w l, rpoplpush 3 w l,
rpush -3 w l, rpushx -3 w l, sadd -3 w S, scan -2, scard 2 S, script -2, sdiff -2 S,
sdiffstore -3 w, set -3 w, setbit 4 w s, setex 4 w, setnx 3 w, setrange 4 w s, sinter -2 S,
sintercard -3 !, sinterstore -3 w, sismember 3 S, smembers 2 S, smismember -3 S, smove 4 w S,
sort -2 w !, sort_ro -2 !, spop -2 w S, spublish 3 !, srandmember -2 S, srem -3 w S, sscan -3 S,
strlen 2 s, substr 4 s, sunion -2 S, sunionstore -3 w, time 1, touch -2 !, ttl 2, type 2,
unlink -2 w, xack -4 w x !, xadd -5 w x, xautoclaim -6 w x !, xclaim -6 w x !, xdel -3 w x !,
xgroup -2 !, xinfo -2 !, xlen 2 x, xpending -3 x !, xrange -4 x, xread -4, xreadgroup -7 w !,
xrevrange -4 x, xsetid -3 w x !, xtrim -4 w x !, zadd -4 w z, zcard 2 z, zcount 4 z, zdiff -3,
zdiffstore -4 w !, zincrby 4 w z, zinter -3 !, zintercard -3 !, zinterstore -4 w, zlexcount 4 z !,
zmpop -4 w !, zmscore -3 z, zpopmax -2 w z, zpopmin -2 w z, zrandmember -2 z !, zrange -4 z,
zrangebylex -4 z, zrangebyscore -4 z, zrangestore -5 w !, zrank 3 z, zrem -3 w z,
zremrangebylex 4 w z !, zremrangebyrank 4 w z, zremrangebyscore 4 w z, zrevrange -4 z,
zrevrangebylex -4 z, zrevrangebyscore -4 z, zrevrank 3 z, zscan -3 z, zscore 3 z, zunion -3 !,
zunionstore -4 w !`;

/** `inMemory`: the in-process engine can run it (everything works on a real Redis). */
export type CommandSpec = {
  arity: number;
  write: boolean;
  family: string | null;
  inMemory: boolean;
};

const FAMILIES: Record<string, string> = { s: "string", h: "hash", z: "zset", l: "list", S: "set" };

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  TABLE.split(",").map((entry) => {
    const [name, arity, ...flags] = entry.trim().split(/\s+/);
    const family = flags.find((f) => f in FAMILIES);
    return [
      name,
      {
        arity: Number(arity),
        write: flags.includes("w"),
        family: family ? FAMILIES[family] : null,
        inMemory: !flags.includes("!"),
      },
    ];
  }),
);

/**
 * Refused on every backend: they change the state of the one connection all REST requests share
 * (subscriber mode, the selected db, a half-open MULTI) or stop the server. Upstash's REST API has
 * no session either; MULTI/EXEC is the /multi-exec endpoint.
 */
const CONNECTION_STATE = new Set(
  (
    "auth hello client select swapdb quit reset multi exec discard watch unwatch monitor subscribe psubscribe " +
    "ssubscribe unsubscribe punsubscribe sunsubscribe shutdown debug sync psync replconf replicaof slaveof " +
    "failover module cluster readonly readwrite asking migrate"
  ).split(" "),
);

/** Commands that can block; on a real Redis they run on a connection of their own. */
export const BLOCKING = new Set(
  "blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop xread xreadgroup wait waitaof".split(
    " ",
  ),
);

/**
 * Upstash does serve these over REST, as a streamed response (@upstash/redis's subscribe() and
 * monitor()); the stand-in does not stream, so it refuses them in Upstash's words rather than
 * claim the REST API lacks them. PUBLISH works.
 */
const STREAMED = new Set(
  "monitor subscribe psubscribe ssubscribe unsubscribe punsubscribe sunsubscribe".split(" "),
);

export function refusedError(name: string): string | null {
  if (STREAMED.has(name.toLowerCase()))
    return unavailableError(name, "it does not stream pub/sub or MONITOR responses; PUBLISH works");
  return CONNECTION_STATE.has(name.toLowerCase())
    ? `ERR '${name}' is not available over the REST API (each request is its own session)`
    : null;
}

export function arityError(command: string[], spec: CommandSpec): string | null {
  const n = command.length;
  const ok = spec.arity >= 0 ? n === spec.arity : n >= -spec.arity;
  return ok ? null : `ERR wrong number of arguments for '${command[0].toLowerCase()}' command`;
}

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
