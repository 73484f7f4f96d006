import { CIRCUIT_LUA } from "@/lib/openai/circuit-lua";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";

/**
 * Lua scripts that record what happened (contract first, as in lib/jobs/scripts.ts): an error
 * occurrence, counters gathered in memory. The ops pages' own scripts are lib/ops/scripts.ts.
 */

export const RECORD_ERROR = `--[[ RECORD_ERROR: add one occurrence to its error group; reopen the group if it was resolved.
KEYS[1] group errors:group:{fp}  KEYS[2] samples errors:group:{fp}:samples  KEYS[3] index errors:groups
KEYS[4] minute metrics  KEYS[5] hour metrics  KEYS[6] the AI provider's circuit circuit:openai
ARGV[1] now, ms  ARGV[2] fingerprint  ARGV[3] error retention, s  ARGV[4] sample JSON
ARGV[5] samples kept  ARGV[6] analysis type or ''  ARGV[7] category
ARGV[8] minute metrics TTL, s  ARGV[9] hour metrics TTL, s
ARGV[10] '1' when the AI provider itself failed (counted as providerFaults, and by its circuit)
ARGV[11] circuit threshold (failures in a row)  ARGV[12] circuit cooldown, ms
ARGV[13] '1' when the person's input caused it (content policy, a bad listing): counted as
inputErrors, not in errors / errors:{category}, which the error rate and its alert read
ARGV[14..] group field, value pairs
Returns {count, reopened 0|1}. ]]
local unpack = unpack or table.unpack
${METRICS_LUA}redis.call('HSET', KEYS[1], unpack(ARGV, 14))
redis.call('HSETNX', KEYS[1], 'firstSeen', ARGV[1])
redis.call('HSETNX', KEYS[1], 'status', 'open')
local reopened = 0
if redis.call('HGET', KEYS[1], 'status') == 'resolved' then
  redis.call('HSET', KEYS[1], 'status', 'open', 'reopenedAt', ARGV[1])
  redis.call('HDEL', KEYS[1], 'resolvedAt')
  reopened = 1
end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'lastSeen', ARGV[1])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'type:' .. ARGV[6], '1') end
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]) * 1000)
redis.call('EXPIRE', KEYS[3], ARGV[3])
local counts = {'errors', 1, 'errors:' .. ARGV[7], 1}
if ARGV[13] == '1' then counts = {'inputErrors', 1} end
if ARGV[10] == '1' then
  table.insert(counts, 'providerFaults'); table.insert(counts, 1)
${CIRCUIT_LUA.failure("KEYS[6]", "ARGV[1]", "ARGV[11]", "ARGV[12]")}end
bump(KEYS[4], KEYS[5], ARGV[8], ARGV[9], counts)
return {count, reopened}
`;

export const ADD_METRICS = `--[[ ADD_METRICS: add counters gathered in memory (API timings, polls) to the buckets.
KEYS[1] minute metrics  KEYS[2] hour metrics  KEYS[3] (optional) the job a status poll read
ARGV[1] minute TTL, s  ARGV[2] hour TTL, s  ARGV[3] that job's owner, or '' (no condition)
ARGV[4..] field, increment pairs.
Returns 1 added; 0 not added: the poll it rides along with is being rejected (no such job for
this owner), and a rejected request writes nothing. ]]
local unpack = unpack or table.unpack
${METRICS_LUA}if ARGV[3] ~= '' and redis.call('HGET', KEYS[3], 'owner') ~= ARGV[3] then return 0 end
bump(KEYS[1], KEYS[2], ARGV[1], ARGV[2], {unpack(ARGV, 4)})
return 1
`;
