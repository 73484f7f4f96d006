import { defineScript } from "@/lib/redis/script";

/** Lua scripts of the ops data (contract first, as in lib/jobs/scripts.ts). */

export const RESOLVE_ERROR = defineScript({
  keys: ["group"],
  args: ["now"],
  codes: { 1: "resolved", 0: "missing" },
  lua: `--[[ RESOLVE_ERROR: an operator marks a group resolved (it reopens when it recurs).
Returns 1 resolved; 0 no such group. ]]
local groupKey = KEYS[1] -- errors:group:{fp}
local now = ARGV[1] -- ms
if redis.call('EXISTS', groupKey) == 0 then return 0 end
redis.call('HSET', groupKey, 'status', 'resolved', 'resolvedAt', now)
return 1
`,
});

export const SET_ALERT = defineScript({
  keys: ["alertState", "alertHistory"],
  args: ["rule", "stateJson", "nextState", "entry", "ttl", "historyKept"],
  codes: { 1: "changed", 0: "unchanged" },
  lua: `--[[ SET_ALERT: record an alert rule's state; a change of active/resolved is appended to
history.
Returns 1 changed; 0 unchanged (the stored state is kept, with its "since"). ]]
local alertStateKey = KEYS[1] -- alerts:state
local alertHistoryKey = KEYS[2] -- alerts:history
local rule = ARGV[1]
local stateJson = ARGV[2] -- the rule's new state
local nextState = ARGV[3] -- 'active' | 'ok'
local entry = ARGV[4] -- the history entry (JSON)
local ttl = ARGV[5] -- s
local historyKept = tonumber(ARGV[6]) -- history length
local old = redis.call('HGET', alertStateKey, rule)
local was = 'ok'
if old and string.find(old, '"state":"active"', 1, true) then was = 'active' end
if was == nextState and old then return 0 end
redis.call('HSET', alertStateKey, rule, stateJson)
redis.call('EXPIRE', alertStateKey, ttl)
if was ~= nextState then
  redis.call('LPUSH', alertHistoryKey, entry)
  redis.call('LTRIM', alertHistoryKey, 0, historyKept - 1)
  redis.call('EXPIRE', alertHistoryKey, ttl)
end
return 1
`,
});

export const READ_HASHES = defineScript({
  keys: [],
  args: [],
  keyRest: "hashes",
  lua: `--[[ READ_HASHES: (read-only) HGETALL of every key given, in one command (a dashboard
refresh reads up to 360 metric buckets; as one script Upstash bills it as one command, not 360).
Returns {{field, value, ...}, ...} in KEYS order ({} for a missing key). ]]
local hashesAt = 1 -- KEYS[1..]: the hashes
local out = {}
for i = hashesAt, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
`,
});

export const FINISH_TICK = defineScript({
  keys: ["tick", "lock"],
  args: ["lockId", "ttl"],
  rest: "fields",
  lua: `--[[ FINISH_TICK: record what a maintenance tick did and release its lock, if it still
holds it (a tick slower than the lock's life must not release a later tick's).
Returns 1 when the lock was this tick's and is released, 0 otherwise. ]]
local tickKey = KEYS[1] -- ops:tick
local lockKey = KEYS[2] -- ops:tick:lock
local lockId = ARGV[1] -- the id this tick set the lock to
local ttl = ARGV[2] -- s
local fieldsAt = 3 -- ARGV[3..]: field, value pairs of the record
redis.call('DEL', tickKey)
for i = fieldsAt, #ARGV, 2 do redis.call('HSET', tickKey, ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', tickKey, ttl)
if redis.call('GET', lockKey) == lockId then
  redis.call('DEL', lockKey)
  return 1
end
return 0
`,
});
