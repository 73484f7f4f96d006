import { CIRCUIT_LUA } from "@/lib/openai/circuit-lua";
import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";

/**
 * Lua scripts that record what happened (contract first, as in lib/jobs/scripts.ts): an error
 * occurrence, counters gathered in memory. The ops pages' own scripts are lib/ops/scripts.ts.
 */

export const RECORD_ERROR = defineScript({
  keys: ["group", "samples", "groups", "minuteMetrics", "hourMetrics", "circuit"],
  args: [
    "now",
    "fingerprint",
    "retentionTtl",
    "sample",
    "samplesKept",
    "analysisType",
    "category",
    "minuteTtl",
    "hourTtl",
    "providerFault",
    "circuitThreshold",
    "circuitCooldownMs",
    "inputCaused",
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

export const ADD_METRICS = defineScript({
  keys: ["minuteMetrics", "hourMetrics"],
  args: ["minuteTtl", "hourTtl"],
  rest: "counts",
  codes: { 1: "added" },
  lua: `--[[ ADD_METRICS: add counters gathered in memory (API timings, polls) to the buckets, when
no status poll carried them (POLL_JOB carries them otherwise), or counters of the ops door.
Returns 1 added. ]]
local minuteMetricsKey = KEYS[1]
local hourMetricsKey = KEYS[2]
local minuteTtl = ARGV[1] -- s
local hourTtl = ARGV[2] -- s
local countsAt = 3 -- ARGV[3..]: field, increment pairs
${UNPACK_LUA}${METRICS_LUA}
bump({unpack(ARGV, countsAt)})
return 1
`,
});
