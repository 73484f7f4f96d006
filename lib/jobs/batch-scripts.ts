/** Lua scripts of batches (contracts first, as in lib/jobs/scripts.ts). */

export const CREATE_BATCH = `--[[ CREATE_BATCH: record a batch of analyses and index it for its owner.
KEYS[1] batch key batch:{id}  KEYS[2] owner's batches batches:owner:{owner}
ARGV[1] batch id  ARGV[2] createdAt, ms  ARGV[3] TTL, s  ARGV[4..] field, value pairs
Returns 1. ]]
local unpack = unpack or table.unpack
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -51)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
`;

export const READ_BATCH = `--[[ READ_BATCH: (read-only) a batch and a few fields of each of its jobs, in one command.
KEYS[1] batch key batch:{id}  ARGV[1] job key prefix
Returns {} when there is no such batch, else {{batch pairs}, {{id, status, progress, subject, error, cachedFrom, retries}, ...}}
(a job that expired reads as status false). ]]
local batch = redis.call('HGETALL', KEYS[1])
if #batch == 0 then return {} end
local ids = redis.call('HGET', KEYS[1], 'jobIds')
local out = {}
for id in string.gmatch(ids or '', '[^,]+') do
  local v = redis.call('HMGET', ARGV[1] .. id, 'status', 'progress', 'subject', 'error', 'cachedFrom', 'retries')
  table.insert(out, {id, v[1], v[2], v[3], v[4], v[5], v[6]})
end
return {batch, out}
`;
