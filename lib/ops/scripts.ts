import { CIRCUIT_LUA } from "@/lib/openai/circuit-lua";
import { METRICS_LUA } from "@/lib/ops/metric-keys";
import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";

/** Lua scripts of the ops data (contract first, as in lib/jobs/scripts.ts). */

export const RECORD_ERROR = defineScript({
  keys: ["group", "samples", "groups", "minuteMetrics", "hourMetrics", "circuit"],
  args: [
    "now", "fingerprint", "retentionTtl", "sample", "samplesKept", "analysisType", "category",
    "minuteTtl", "hourTtl", "providerFault", "circuitThreshold", "circuitCooldownMs", "inputCaused",
  ],
  rest: "groupFields",
  lua: `--[[ RECORD_ERROR: add one occurrence to its error group; reopen the group if it was
resolved.
An error the person's input caused (content policy, a bad listing) counts as inputErrors, not in
errors / errors:{category}, which the error rate and its alert read; a fault of the AI provider
itself also counts as providerFaults, and against its circuit.
Returns {count, reopened 0|1}. ]]
local groupKey = KEYS[1] -- errors:group:{fp}
local samplesKey = KEYS[2] -- errors:group:{fp}:samples
local groupsKey = KEYS[3] -- the index errors:groups
local minuteMetricsKey = KEYS[4]
local hourMetricsKey = KEYS[5]
local circuitKey = KEYS[6] -- the AI provider's circuit circuit:openai
local now = ARGV[1] -- ms
local fingerprint = ARGV[2]
local retentionTtl = ARGV[3] -- how long a group is kept after it was last seen, s
local sample = ARGV[4] -- JSON
local samplesKept = tonumber(ARGV[5])
local analysisType = ARGV[6] -- or ''
local category = ARGV[7]
local minuteTtl = ARGV[8] -- s
local hourTtl = ARGV[9] -- s
local providerFault = ARGV[10] -- '1' when the AI provider itself failed
local circuitThreshold = ARGV[11] -- failures in a row that open the circuit
local circuitCooldownMs = ARGV[12] -- how long it stays open, ms
local inputCaused = ARGV[13] -- '1' when the person's input caused it
local groupFieldsAt = 14 -- ARGV[14..]: group field, value pairs
${UNPACK_LUA}${METRICS_LUA}redis.call('HSET', groupKey, unpack(ARGV, groupFieldsAt))
redis.call('HSETNX', groupKey, 'firstSeen', now)
redis.call('HSETNX', groupKey, 'status', 'open')
local reopened = 0
if redis.call('HGET', groupKey, 'status') == 'resolved' then
  redis.call('HSET', groupKey, 'status', 'open', 'reopenedAt', now)
  redis.call('HDEL', groupKey, 'resolvedAt')
  reopened = 1
end
local count = redis.call('HINCRBY', groupKey, 'count', 1)
redis.call('HSET', groupKey, 'lastSeen', now)
if analysisType ~= '' then redis.call('HSET', groupKey, 'type:' .. analysisType, '1') end
redis.call('LPUSH', samplesKey, sample)
redis.call('LTRIM', samplesKey, 0, samplesKept - 1)
redis.call('EXPIRE', groupKey, retentionTtl)
redis.call('EXPIRE', samplesKey, retentionTtl)
redis.call('ZADD', groupsKey, now, fingerprint)
redis.call('ZREMRANGEBYSCORE', groupsKey, '-inf', tonumber(now) - tonumber(retentionTtl) * 1000)
redis.call('EXPIRE', groupsKey, retentionTtl)
local counts = {'errors', 1, 'errors:' .. category, 1}
if inputCaused == '1' then counts = {'inputErrors', 1} end
if providerFault == '1' then
  table.insert(counts, 'providerFaults'); table.insert(counts, 1)
${CIRCUIT_LUA.failure}end
bump(counts)
return {count, reopened}
`,
});

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

export const ADD_METRICS = defineScript({
  keys: ["minuteMetrics", "hourMetrics", "polledJob"],
  args: ["minuteTtl", "hourTtl", "pollOwner"],
  rest: "counts",
  codes: { 1: "added", 0: "refused" },
  lua: `--[[ ADD_METRICS: add counters gathered in memory (API timings, polls) to the buckets.
Returns 1 added; 0 not added: the poll it rides along with is being rejected (no such job for
this owner), and a rejected request writes nothing. ]]
local minuteMetricsKey = KEYS[1]
local hourMetricsKey = KEYS[2]
local polledJobKey = KEYS[3] -- the job a status poll read (read only when pollOwner is given)
local minuteTtl = ARGV[1] -- s
local hourTtl = ARGV[2] -- s
local pollOwner = ARGV[3] -- that job's owner, or '' (no condition)
local countsAt = 4 -- ARGV[4..]: field, increment pairs
${UNPACK_LUA}${METRICS_LUA}
if pollOwner ~= '' and redis.call('HGET', polledJobKey, 'owner') ~= pollOwner then return 0 end
bump({unpack(ARGV, countsAt)})
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
