/**
 * Lua scripts of the ops pages (contract first, as in lib/jobs/scripts.ts). The scripts that
 * record errors and count metrics are telemetry's (lib/telemetry/scripts.ts).
 */

export const RESOLVE_ERROR = `--[[ RESOLVE_ERROR: an operator marks a group resolved (it reopens when it recurs).
KEYS[1] group errors:group:{fp}  ARGV[1] now, ms
Returns 1 resolved; 0 no such group. ]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolvedAt', ARGV[1])
return 1
`;

export const SET_ALERT = `--[[ SET_ALERT: record an alert rule's state; a change of active/resolved is appended to history.
KEYS[1] alerts:state  KEYS[2] alerts:history
ARGV[1] rule  ARGV[2] state JSON  ARGV[3] new state ('active'|'ok')  ARGV[4] history entry JSON
ARGV[5] TTL, s  ARGV[6] history length
Returns 1 changed; 0 unchanged (the stored state is kept, with its "since"). ]]
local old = redis.call('HGET', KEYS[1], ARGV[1])
local was = 'ok'
if old and string.find(old, '"state":"active"', 1, true) then was = 'active' end
if was == ARGV[3] and old then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
if was ~= ARGV[3] then
  redis.call('LPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
return 1
`;

export const READ_HASHES = `--[[ READ_HASHES: (read-only) HGETALL of every key given, in one command (a dashboard refresh
reads up to 360 metric buckets; as one script Upstash bills it as one command, not 360).
KEYS[1..n] hashes. Returns {{field, value, ...}, ...} in KEYS order ({} for a missing key). ]]
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
`;
