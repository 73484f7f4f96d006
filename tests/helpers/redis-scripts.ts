/**
 * Lua fixtures for the Redis REST stand-in's suite: scripts in the app's style whose results
 * must be the same on a real redis-server and on the in-process engine.
 */

/** ATOMIC_CREATE: create a record once per identity, in one step.
KEYS[1] record hash  KEYS[2] dedupe key  KEYS[3] owner index (sorted set)
ARGV[1] record id  ARGV[2] TTL, s  ARGV[3] createdAt (score)  ARGV[4..] field, value pairs
Returns {1, id, {hash pairs}} created, or {0, existing id} when the dedupe key already exists. */
export const ATOMIC_CREATE = `local unpack = unpack or table.unpack
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return {0, redis.call('GET', KEYS[2])}
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], unpack(ARGV, 4))
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]) * 1000)
return {1, ARGV[1], redis.call('HGETALL', KEYS[1])}`;

/**
 * What a script sees of Redis and what Redis makes of what it returns.
 * KEYS[1] a fresh string key  KEYS[2] a missing key  KEYS[3] a fresh counter
 * ARGV[1] JSON with `list`, `name` and `none` (null)
 */
export const LUA_SEMANTICS = `local set = redis.call('SET', KEYS[1], 'v')
local missing = redis.call('GET', KEYS[2])
local again = redis.call('SET', KEYS[1], 'w', 'NX')
local n = redis.call('INCR', KEYS[3])
local wrong = redis.pcall('HSET', KEYS[1], 'f', 'v')
local decoded = cjson.decode(ARGV[1])
return {
  type(set), set.ok, tostring(missing), tostring(again),
  'n=' .. n, type(wrong), wrong.err, redis.call('TYPE', KEYS[1]).ok,
  decoded.list[2], decoded.name, tostring(decoded.none == cjson.null), cjson.encode({a = {1, 2}}),
  3.99, -2.5, true, false, 'after false'
}`;

/** The reply LUA_SEMANTICS gives on Redis 7 (with automatic deserialization off). */
export const LUA_SEMANTICS_REPLY = [
  "table",
  "OK",
  "false",
  "false",
  "n=1",
  "table",
  "WRONGTYPE Operation against a key holding the wrong kind of value",
  "string",
  2,
  "x/y",
  "true",
  '{"a":[1,2]}',
  3,
  -2,
  1,
  null,
  "after false",
];
