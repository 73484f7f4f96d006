import { UNPACK_LUA } from "@/lib/redis/lua";
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

export const READ_VISITORS = defineScript({
  keys: [],
  args: ["hllDays", "usageDays", "weekDays", "monthDays"],
  keyRest: "days",
  codes: { 1: "counted", 0: "no_hyperloglog" },
  lua: `--[[ READ_VISITORS: (read-only) the visitor figures of the last UTC days, in one command:
distinct visitors today, over the last weekDays and the last monthDays days (PFCOUNT of the day
HyperLogLogs; over several keys it counts their union), each usage day's own count, and each
day's usage hash.
Returns {1, dau, wau, mau, {count of each usage day}, {{usage pairs}, ...}} newest first, or
{0, 0, 0, 0, {}, {{usage pairs}, ...}} when this Redis has no HyperLogLog (the in-process engine):
the usage without the distinct counts. ]]
local hllDays = tonumber(ARGV[1]) -- day HyperLogLogs given first, newest first (≥ monthDays)
local usageDays = tonumber(ARGV[2]) -- usage hashes given after them, newest first
local weekDays = tonumber(ARGV[3]) -- days the weekly count unions (7)
local monthDays = tonumber(ARGV[4]) -- days the monthly count unions (30)
local daysAt = 1 -- KEYS[1..]: hllDays visitors:day:{day}, then usageDays visitors:usage:{day}
${UNPACK_LUA}local function distinct(from, to)
  local n = redis.pcall('PFCOUNT', unpack(KEYS, from, to))
  if type(n) == 'number' then return n end
  return nil
end
local usage = {}
for i = 1, usageDays do usage[i] = redis.call('HGETALL', KEYS[daysAt + hllDays + i - 1]) end
local dau = distinct(daysAt, daysAt)
if dau == nil then return {0, 0, 0, 0, {}, usage} end
local perDay = {}
for i = 1, usageDays do perDay[i] = distinct(daysAt + i - 1, daysAt + i - 1) end
local wau = distinct(daysAt, daysAt + weekDays - 1)
local mau = distinct(daysAt, daysAt + monthDays - 1)
return {1, dau, wau, mau, perDay, usage}
`,
});
