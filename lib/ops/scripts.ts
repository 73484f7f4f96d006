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
  keys: ["alertState", "alertHistory", "alertDelivery"],
  args: [
    "rule",
    "stateJson",
    "nextState",
    "entry",
    "ttl",
    "historyKept",
    "transition",
    "deliveryJson",
  ],
  codes: { 1: "changed", 0: "unchanged", 2: "stored" },
  lua: `--[[ SET_ALERT: record an alert rule's state; a change of active/resolved is appended to
history and, when the transition is to be sent (ALERT_WEBHOOK_URL), its delivery record starts
(before anything is published, so a sender that dies here leaves it "unsent" for redeliverAlerts).
Two evaluations racing on one transition: only the first is answered 1. History entries trimmed
off the end take their delivery records with them (the hash never outgrows the history).
Returns 1 changed (appended: this caller sends it); 0 unchanged (the stored state is kept, with
its "since"); 2 stored (a first state that is not active: written, no transition). ]]
local alertStateKey = KEYS[1] -- alerts:state
local alertHistoryKey = KEYS[2] -- alerts:history
local alertDeliveryKey = KEYS[3] -- alerts:delivery
local rule = ARGV[1]
local stateJson = ARGV[2] -- the rule's new state
local nextState = ARGV[3] -- 'active' | 'ok'
local entry = ARGV[4] -- the history entry (JSON, with its "id")
local ttl = ARGV[5] -- s
local historyKept = tonumber(ARGV[6]) -- history length
local transition = ARGV[7] -- the entry's id: its field in alerts:delivery
local deliveryJson = ARGV[8] -- its first delivery record (JSON); '' when nothing is sent
local old = redis.call('HGET', alertStateKey, rule)
local was = 'ok'
if old and string.find(old, '"state":"active"', 1, true) then was = 'active' end
if was == nextState and old then return 0 end
redis.call('HSET', alertStateKey, rule, stateJson)
redis.call('EXPIRE', alertStateKey, ttl)
if was == nextState then return 2 end
redis.call('LPUSH', alertHistoryKey, entry)
local dropped = redis.call('LRANGE', alertHistoryKey, historyKept, -1)
for _, gone in ipairs(dropped) do
  local goneId = string.match(gone, '"id":"([^"]+)"')
  if goneId then redis.call('HDEL', alertDeliveryKey, goneId) end
end
redis.call('LTRIM', alertHistoryKey, 0, historyKept - 1)
redis.call('EXPIRE', alertHistoryKey, ttl)
if deliveryJson ~= '' then
  redis.call('HSET', alertDeliveryKey, transition, deliveryJson)
  redis.call('EXPIRE', alertDeliveryKey, ttl)
end
return 1
`,
});

export const RECORD_ALERT_DELIVERY = defineScript({
  keys: ["alertDelivery"],
  args: ["transition", "deliveryJson", "ttl"],
  codes: { 1: "recorded", 0: "stale", [-1]: "unknown" },
  lua: `--[[ RECORD_ALERT_DELIVERY: what became of one transition's webhook message, as QStash's
callbacks (or the sender) tell it. They arrive in any order and may repeat, so a record only moves
forward: unsent < sending < retrying (by attempt) < delivered | failed (final: the first one
stays); another unsent with more publish tries replaces an unsent.
Returns 1 recorded; 0 stale (what is stored is as far or further); -1 unknown (no such
transition: expired or trimmed off the history; nothing is written). ]]
local alertDeliveryKey = KEYS[1] -- alerts:delivery
local transition = ARGV[1] -- the history entry's id
local deliveryJson = ARGV[2] -- { state, at, attempt, ... }
local ttl = ARGV[3] -- s
local old = redis.call('HGET', alertDeliveryKey, transition)
if not old then return -1 end
local rank = { unsent = 1, sending = 2, retrying = 3, delivered = 4, failed = 4 }
local function place(json)
  local d = cjson.decode(json)
  return rank[d.state] or 0, tonumber(d.attempt) or 0
end
local newRank, newAttempt = place(deliveryJson)
local oldRank, oldAttempt = place(old)
if newRank < oldRank then return 0 end
if newRank == oldRank and (newRank == 4 or newRank == 2 or newAttempt <= oldAttempt) then return 0 end
redis.call('HSET', alertDeliveryKey, transition, deliveryJson)
redis.call('EXPIRE', alertDeliveryKey, ttl)
return 1
`,
});

export const READ_ALERT_HISTORY = defineScript({
  keys: ["alertHistory", "alertDelivery"],
  args: ["limit"],
  lua: `--[[ READ_ALERT_HISTORY: (read-only) the latest alert transitions and the delivery record of
each, in one command (an /ops refresh pays one, not two).
Returns {entries, deliveries}: entries newest first (JSON), deliveries[i] the record of entries[i]
(JSON) or false when it has none (no id, or nothing was sent). ]]
local alertHistoryKey = KEYS[1] -- alerts:history
local alertDeliveryKey = KEYS[2] -- alerts:delivery
local limit = tonumber(ARGV[1]) -- entries
local entries = redis.call('LRANGE', alertHistoryKey, 0, limit - 1)
local deliveries = {}
for i, e in ipairs(entries) do
  local id = string.match(e, '"id":"([^"]+)"')
  deliveries[i] = id and redis.call('HGET', alertDeliveryKey, id) or false
end
return { entries, deliveries }
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
